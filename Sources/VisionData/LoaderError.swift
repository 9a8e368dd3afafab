import Foundation

/// Why the loader stopped. Descriptions are one line.
public enum LoaderError: Error, Equatable, Sendable {
    case invalidOptions(String)
    case badImage(path: String, reason: String)
    case transform(path: String, TransformError)
}

extension LoaderError: LocalizedError, CustomStringConvertible {
    public var errorDescription: String? { description }

    public var description: String {
        switch self {
        case .invalidOptions(let detail): return "invalid loader options: \(detail)"
        case .badImage(let path, let reason):
            return "\(path): bad image (\(reason)); pass --on-bad-image skip to leave such files out"
        case .transform(let path, let error): return "\(path): \(error)"
        }
    }
}
