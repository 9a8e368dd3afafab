import Foundation

/// Why a transform or pipeline cannot run. Descriptions are one line.
public enum TransformError: Error, Equatable, Sendable {
    case expectedImage(transform: String)
    case expectedTensor(transform: String)
    case invalidParameter(transform: String, detail: String)
    case shapeMismatch(path: String, expected: [Int], got: [Int])
}

extension TransformError: LocalizedError, CustomStringConvertible {
    public var errorDescription: String? { description }

    public var description: String {
        switch self {
        case .expectedImage(let transform):
            return "\(transform): expected an 8-bit image, got a float tensor (put it before ToTensor)"
        case .expectedTensor(let transform):
            return "\(transform): expected a float tensor, got an 8-bit image (put ToTensor before it)"
        case .invalidParameter(let transform, let detail):
            return "\(transform): \(detail)"
        case .shapeMismatch(let path, let expected, let got):
            return "\(path): expected a C×H×W sample of \(expected.map(String.init).joined(separator: "×")) like the rest of the batch, got \(got.map(String.init).joined(separator: "×")) (add a Resize or crop)"
        }
    }
}
