import Foundation
import VisionModelAPI
import VisionPluginAPI

/// Why a YAML or JSON model file was refused: names the file, the line and the key
/// (`net.yaml:7: layers[2].conv2d.kernal: unknown key …`).
public struct ModelFileError: Error, Equatable, Sendable {
    /// The file's path as given.
    public let file: String
    /// 1-based line, when the problem has one.
    public let line: Int?
    /// Dotted path of the key (`layers[2].conv2d.kernel_size`), when the problem has one.
    public let key: String?
    /// What was expected and what was found.
    public let message: String

    public init(file: String, line: Int?, key: String?, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }
}

extension ModelFileError: CustomStringConvertible {
    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): \(key.map { "\($0): " } ?? "")\(message)"
    }
}

extension ModelFileError: LocalizedError {
    public var errorDescription: String? { description }
}
