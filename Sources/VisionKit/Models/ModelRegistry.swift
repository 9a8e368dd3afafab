import Foundation
import VisionNN
import VisionTensor

/// The table of model plugins by name: filled at startup by explicit calls (the built-ins
/// through `registerBuiltinModels(in:)`, YAML models through `loadPluginFolders`), then read
/// from any thread.
public final class ModelRegistry: @unchecked Sendable {
    // Guards `plugins`: registration may race with lookups from other threads.
    private let lock = NSLock()
    private var plugins: [String: any ModelPlugin] = [:]

    /// An empty registry.
    public init() {}

    /// Adds a plugin under its name; throws if the name is taken or not a plain name.
    public func register(_ plugin: any ModelPlugin) throws {
        let name = plugin.name
        let plain = name.allSatisfy {
            $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".")
        }
        guard plain, let first = name.first, first.isLetter else { throw ModelError.invalidName(name: name) }
        try lock.withLock {
            guard plugins[name] == nil else { throw ModelError.duplicateName(name: name, source: plugin.source) }
            plugins[name] = plugin
        }
    }

    /// The plugin registered under `name`; throws for an unknown name, with a suggestion.
    public func plugin(named name: String) throws -> any ModelPlugin {
        let (found, all) = lock.withLock { (plugins[name], Array(plugins.keys)) }
        if let found { return found }
        let available = all.sorted(by: PluginNames.naturalLess)
        throw ModelError.unknownModel(
            name: name, available: available, suggestion: PluginNames.closest(to: name, in: available))
    }

    /// A registered name, or the path of a YAML/JSON model file (loaded, not registered).
    /// A value with a `/` or a `.yaml`, `.yml` or `.json` ending is taken as a path.
    public func resolve(nameOrPath: String) throws -> any ModelPlugin {
        let lowered = nameOrPath.lowercased()
        let looksLikePath = nameOrPath.contains("/") || [".yaml", ".yml", ".json"].contains { lowered.hasSuffix($0) }
        if looksLikePath { return try YAMLModelPlugin(contentsOf: nameOrPath) }
        return try plugin(named: nameOrPath)
    }

    /// Checks a request before any work starts: class and channel counts, the configuration
    /// (strictly) and the input size against the architecture's minimum.
    public func validate(
        _ plugin: any ModelPlugin, classes: Int, inputChannels: Int, inputSize: InputSize,
        configuration: PluginConfiguration = [:]
    ) throws {
        guard classes >= 1 else { throw ModelError.invalidClassCount(model: plugin.name, classes: classes) }
        guard inputChannels >= 1 else { throw ModelError.invalidChannelCount(model: plugin.name, channels: inputChannels) }
        _ = try plugin.resolveConfiguration(configuration)
        let minimum = try plugin.minimumInputSize(configuration: configuration)
        guard inputSize.covers(minimum) else {
            throw ModelError.inputTooSmall(model: plugin.name, minimum: minimum, got: inputSize)
        }
    }

    /// Builds a classifier from a plugin, after `validate`.
    public func make(
        _ plugin: any ModelPlugin, classes: Int, inputChannels: Int, inputSize: InputSize,
        configuration: PluginConfiguration = [:], seed: UInt64 = 0
    ) throws -> ClassifierModel {
        try validate(plugin, classes: classes, inputChannels: inputChannels, inputSize: inputSize, configuration: configuration)
        let model: ClassifierModel
        do {
            model = try plugin.makeModel(
                classes: classes, inputChannels: inputChannels, inputSize: inputSize, configuration: configuration, seed: seed)
        } catch let error as TensorError {
            throw ModelError.buildFailed(model: plugin.name, detail: error.description)
        }
        model.pluginName = plugin.name
        return model
    }

    /// Builds a classifier by registered name or YAML path; nil sizes and channels take the
    /// plugin's default preprocessing.
    public func make(
        _ nameOrPath: String, classes: Int, inputChannels: Int? = nil, inputSize: InputSize? = nil,
        configuration: PluginConfiguration = [:], seed: UInt64 = 0
    ) throws -> ClassifierModel {
        let plugin = try resolve(nameOrPath: nameOrPath)
        return try make(
            plugin, classes: classes, inputChannels: inputChannels ?? plugin.defaultPreprocessing.channels,
            inputSize: inputSize ?? plugin.defaultPreprocessing.inputSize, configuration: configuration, seed: seed)
    }

    /// Registered names matching a glob (`resnet*`, `*net`, `[lm]*`), in natural order.
    public func names(matching pattern: String = "*") -> [String] {
        let all = lock.withLock { Array(plugins.keys) }
        return all.filter { PluginNames.matches($0, pattern: pattern) }.sorted(by: PluginNames.naturalLess)
    }

    /// Plugins whose names match a glob, in natural order of name.
    public func plugins(matching pattern: String = "*") -> [any ModelPlugin] {
        let table = lock.withLock { plugins }
        return names(matching: pattern).compactMap { table[$0] }
    }

    /// Parameter count and MACs at the plugin's default input, channels and configuration,
    /// for `classes` classes (builds the model once).
    public func profile(_ plugin: any ModelPlugin, classes: Int = 10) throws -> ModelProfile {
        let preprocessing = plugin.defaultPreprocessing
        let model = try make(
            plugin, classes: classes, inputChannels: preprocessing.channels, inputSize: preprocessing.inputSize)
        let macs = try ModelComplexity.multiplyAccumulates(
            model, inputChannels: preprocessing.channels, inputSize: preprocessing.inputSize)
        return ModelProfile(
            name: plugin.name, summary: plugin.summary, parameters: model.parameterCount, multiplyAccumulates: macs,
            classes: classes, preprocessing: preprocessing, minimumInputSize: try plugin.minimumInputSize(configuration: [:]),
            configurationKeys: plugin.configurationKeys, source: plugin.source)
    }
}
