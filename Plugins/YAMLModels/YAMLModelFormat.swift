import VisionModelAPI
import VisionPluginAPI

/// The YAML (or JSON) model language as a definition format: `--model net.yaml` reads a file,
/// and a model file that embeds a YAML definition rebuilds from it.
public struct YAMLModelFormat: ModelDefinitionFormat {
    /// The name stored in model files.
    public static let name = "yaml"

    public init() {}

    public var name: String { Self.name }
    public var fileExtensions: [String] { [".yaml", ".yml", ".json"] }

    public func plugin(contentsOf path: String) throws -> any ModelPlugin { try YAMLModelPlugin(contentsOf: path) }

    public func plugin(text: String, source: String) throws -> any ModelPlugin { try YAMLModelPlugin(yaml: text, file: source) }
}

/// Teaches `registry` the YAML model language and registers the model files found in `folders`
/// (`--plugin-dir` and `VISION_PLUGIN_PATH`); returns the names registered.
@discardableResult
public func registerYAMLModels(in registry: ModelRegistry, folders: [String] = []) throws -> [String] {
    registry.register(format: YAMLModelFormat())
    return try loadPluginFolders(folders, into: registry)
}
