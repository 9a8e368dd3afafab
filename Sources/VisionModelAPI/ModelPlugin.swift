import Foundation
import VisionNN
import VisionPluginAPI
import VisionTensor

/// A model architecture that every command can train, evaluate and serve. Non-generic (no
/// associated types), so that it can later come from a dynamic library.
///
/// Configurations are JSON objects (`PluginConfiguration`) decoded strictly: an unknown key is an
/// error naming the plugin, the key and the valid keys. `ConfigurableModelPlugin` implements the
/// raw methods from a typed `Codable` configuration; most plugins adopt that instead.
public protocol ModelPlugin: Sendable {
    /// Registry name, lowercase (`resnet18`).
    var name: String { get }
    /// One line saying what it is.
    var summary: String { get }
    /// Every configuration key it accepts, sorted.
    var configurationKeys: [String] { get }
    /// What the model expects by default: input size, channels, mean/std, resize policy.
    var defaultPreprocessing: Preprocessing { get }
    /// Where the plugin comes from when it is not compiled in (a YAML file's path), for messages.
    var source: String? { get }
    /// The definition text of a model written in a definition language (stored in model files);
    /// nil for compiled plugins.
    var definition: ModelDefinitionDocument? { get }
    /// The configuration with every default filled in (what the model file stores); throws
    /// `ConfigurationError` for unknown keys and bad values.
    func resolveConfiguration(_ configuration: PluginConfiguration) throws -> PluginConfiguration
    /// The smallest input (height × width) the architecture takes with this configuration.
    func minimumInputSize(configuration: PluginConfiguration) throws -> InputSize
    /// The largest input it takes: beyond it the weights or activations would not fit in memory
    /// (a fully connected layer on flattened maps grows with the input). Checked before building.
    func maximumInputSize(configuration: PluginConfiguration) throws -> InputSize
    /// Builds a freshly initialised classifier. Callers go through `ModelRegistry.make`, which
    /// checks classes, channels and input size first.
    func makeModel(
        classes: Int, inputChannels: Int, inputSize: InputSize, configuration: PluginConfiguration, seed: UInt64
    ) throws -> ClassifierModel
}

extension ModelPlugin {
    public var source: String? { nil }
    public func maximumInputSize(configuration: PluginConfiguration) throws -> InputSize { InputSize(ModelLimits.largestSide) }
    public var definition: ModelDefinitionDocument? { nil }
    /// `model 'resnet18'`: how errors name the plugin.
    public var owner: String { "model '\(name)'" }
}

/// A model plugin with a typed, strictly decoded configuration: write `build` and
/// `minimumInputSize(for:)`, and the raw `ModelPlugin` methods come for free.
public protocol ConfigurableModelPlugin: ModelPlugin {
    associatedtype Configuration: StrictDecodable & Encodable & Sendable
    /// The smallest input the architecture takes with `configuration`.
    func minimumInputSize(for configuration: Configuration) -> InputSize
    /// The largest input it takes (default `ModelLimits.largestSide` a side).
    func maximumInputSize(for configuration: Configuration) -> InputSize
    /// Builds the classifier, drawing every initial weight from `generator`.
    func build(
        classes: Int, inputChannels: Int, inputSize: InputSize, configuration: Configuration,
        generator: inout SeededGenerator
    ) throws -> ClassifierModel
    /// Checks values the type system cannot (ranges); throws `ConfigurationError.invalidValue`.
    func validate(_ configuration: Configuration) throws
}

extension ConfigurableModelPlugin {
    public var configurationKeys: [String] { Configuration.allowedKeys.sorted() }

    public func validate(_ configuration: Configuration) throws {}

    /// Decodes and validates a raw configuration.
    public func decode(_ configuration: PluginConfiguration) throws -> Configuration {
        let decoded = try StrictDecoder.decode(Configuration.self, from: configuration, owner: owner)
        try validate(decoded)
        return decoded
    }

    public func resolveConfiguration(_ configuration: PluginConfiguration) throws -> PluginConfiguration {
        let decoded = try decode(configuration)
        let data = try JSONEncoder().encode(decoded)
        return try StrictDecoder.object(fromJSON: data, owner: owner)
    }

    public func minimumInputSize(configuration: PluginConfiguration) throws -> InputSize {
        minimumInputSize(for: try decode(configuration))
    }

    public func maximumInputSize(for configuration: Configuration) -> InputSize { InputSize(ModelLimits.largestSide) }

    public func maximumInputSize(configuration: PluginConfiguration) throws -> InputSize {
        maximumInputSize(for: try decode(configuration))
    }

    public func makeModel(
        classes: Int, inputChannels: Int, inputSize: InputSize, configuration: PluginConfiguration, seed: UInt64
    ) throws -> ClassifierModel {
        var generator = SeededGenerator(seed: seed)
        return try build(
            classes: classes, inputChannels: inputChannels, inputSize: inputSize, configuration: decode(configuration),
            generator: &generator)
    }
}

/// Sizes beyond which a model is refused before it is built.
public enum ModelLimits {
    /// 2048 a side: a convolutional network's activations at 2048×2048 already take gigabytes in
    /// training on a CPU.
    public static let largestSide = 2048
}

/// Range checks for configuration values, with errors naming the plugin and key.
public enum ConfigurationLimits {
    /// Throws unless `value` is in `range`.
    public static func value<T: Comparable & CustomStringConvertible>(
        _ value: T, in range: ClosedRange<T>, key: String, owner: String
    ) throws {
        guard range.contains(value) else {
            throw ConfigurationError.invalidValue(
                owner: owner, key: key, expected: "a value in \(range.lowerBound)...\(range.upperBound)",
                found: value.description)
        }
    }
}
