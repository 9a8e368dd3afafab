import VisionPluginAPI
/// Size and cost of a model at its default input: what `vision models` lists.
public struct ModelProfile: Sendable, Codable, Hashable {
    public var name: String
    public var summary: String
    /// Trainable parameters for `classes` classes and the default channels.
    public var parameters: Int
    /// Multiply-accumulates of convolutions and linear layers for one image at `inputSize`.
    public var multiplyAccumulates: Int
    public var classes: Int
    public var preprocessing: Preprocessing
    public var minimumInputSize: InputSize
    public var configurationKeys: [String]
    /// The YAML file a model came from, nil for compiled plugins.
    public var source: String?

    enum CodingKeys: String, CodingKey {
        case name, summary, parameters, multiplyAccumulates = "macs", classes, preprocessing
        case minimumInputSize = "minimum_input_size", configurationKeys = "configuration_keys", source
    }
}
