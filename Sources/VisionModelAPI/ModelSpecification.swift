import VisionPluginAPI

/// Which architecture to build: a plugin name, its configuration (every default filled in once
/// resolved), and for models written in a definition language the definition itself. Stored in
/// the model file, so that evaluation, inference and serving rebuild the same network from the
/// file alone.
public struct ModelSpecification: Codable, Sendable, Hashable {
    /// The plugin's registry name (for a YAML model, the name inside the file).
    public var plugin: String
    /// The plugin's configuration, as typed JSON values.
    public var configuration: PluginConfiguration
    /// The definition text for models written in a definition language; nil for compiled plugins.
    public var definition: ModelDefinitionDocument?

    public init(plugin: String, configuration: PluginConfiguration = [:], definition: ModelDefinitionDocument? = nil) {
        self.plugin = plugin
        self.configuration = configuration
        self.definition = definition
    }

    enum CodingKeys: String, CodingKey { case plugin, configuration, definition }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        plugin = try container.decode(String.self, forKey: .plugin)
        configuration = try container.decodeIfPresent(PluginConfiguration.self, forKey: .configuration) ?? [:]
        definition = try container.decodeIfPresent(ModelDefinitionDocument.self, forKey: .definition)
    }
}
