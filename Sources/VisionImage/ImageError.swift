import Foundation

/// Why an image could not be read, decoded or written. Every case names the file (or
/// `<memory>` for bytes) and says what was expected and what was found.
public enum ImageError: Error, Equatable, Sendable {
    case fileNotFound(path: String)
    case isDirectory(path: String)
    case unreadable(path: String, reason: String)
    case emptyFile(path: String)
    case unknownFormat(path: String, firstBytes: String)
    case truncated(path: String, format: ImageFormat, detail: String)
    case corrupt(path: String, format: ImageFormat, detail: String)
    case unsupported(path: String, format: ImageFormat, detail: String)
    case tooLarge(path: String, width: Int, height: Int, limit: Int)
    /// Decoding would take more memory, scans or time than the limits allow.
    case tooCostly(path: String, detail: String)
    case outOfMemory(path: String)
    case invalidImage(String)
    case unwritable(path: String, reason: String)
}

extension ImageError: LocalizedError, CustomStringConvertible {
    public var errorDescription: String? { description }

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "\(path): no such file"
        case .isDirectory(let path):
            return "\(path): is a directory, expected an image file"
        case .unreadable(let path, let reason):
            return "\(path): cannot be read (\(reason))"
        case .emptyFile(let path):
            return "\(path): empty file, expected a PNG or JPEG image"
        case .unknownFormat(let path, let firstBytes):
            return "\(path): unknown format, expected PNG or JPEG; the file starts with \(firstBytes)"
        case .truncated(let path, let format, let detail):
            return "\(path): truncated \(format.displayName) (\(detail))"
        case .corrupt(let path, let format, let detail):
            return "\(path): corrupt \(format.displayName) (\(detail))"
        case .unsupported(let path, let format, let detail):
            return "\(path): unsupported \(format.displayName) (\(detail))"
        case .tooLarge(let path, let width, let height, let limit):
            return
                "\(path): \(width)×\(height) = \(width.multipliedReportingOverflow(by: height).overflow ? "too many" : String(width * height)) pixels is over the limit of \(limit) pixels (raise it with --max-pixels if the file is trusted)"
        case .tooCostly(let path, let detail):
            return "\(path): refused: \(detail)"
        case .outOfMemory(let path):
            return "\(path): out of memory while decoding"
        case .invalidImage(let detail):
            return "invalid image: \(detail)"
        case .unwritable(let path, let reason):
            return "\(path): cannot be written (\(reason))"
        }
    }
}
