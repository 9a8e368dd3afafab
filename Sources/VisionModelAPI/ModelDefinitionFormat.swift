import VisionPluginAPI

/// A language in which models are written as files instead of Swift (the YAML model language is
/// one): a plugin kind of its own, registered with `ModelRegistry.register(format:)`.
public protocol ModelDefinitionFormat: Sendable {
    /// The short name stored in model files (`yaml`).
    var name: String { get }
    /// File endings, lowercase with the dot, that mark a `--model` value as a file of this format.
    var fileExtensions: [String] { get }
    /// Reads and checks a definition file; errors name the file, line and key.
    func plugin(contentsOf path: String) throws -> any ModelPlugin
    /// Reads a definition from its text (as stored in a model file); `source` names it in errors.
    func plugin(text: String, source: String) throws -> any ModelPlugin
}

/// A model's definition text and the format it is written in: what makes a model file built
/// from a YAML model self-contained.
public struct ModelDefinitionDocument: Codable, Sendable, Hashable {
    /// The format's name (`yaml`).
    public var format: String
    /// The definition, verbatim.
    public var text: String

    public init(format: String, text: String) {
        self.format = format
        self.text = text
    }
}
