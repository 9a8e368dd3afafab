import Foundation
import VisionNN
import VisionPluginAPI
import VisionTensor

/// The table of model plugins by name: filled at startup by explicit calls (the built-ins
/// through `registerBuiltinModels(in:)`, definition formats such as YAML through
/// `register(format:)` and their folders of model files), then read from any thread.
public final class ModelRegistry: @unchecked Sendable {
    private let table = PluginRegistry<any ModelPlugin>(
        allowedPunctuation: ["_", "-", "."],
        errors: .init(
            invalidName: { ModelError.invalidName(name: $0) },
            duplicate: { name, plugin in ModelError.duplicateName(name: name, source: plugin.source) },
            unknown: { ModelError.unknownModel(name: $0, available: $1, suggestion: $2) }))
    private let formatLock = NSLock()
    private var formats: [String: any ModelDefinitionFormat] = [:]

    /// An empty registry.
    public init() {}

    /// Adds a plugin under its name; throws if the name is taken or not a plain name.
    public func register(_ plugin: any ModelPlugin) throws { try table.register(plugin, as: plugin.name) }

    /// Adds a definition language: `--model` values ending in one of its extensions are read
    /// with it, and model files that embed a definition in it rebuild through it.
    public func register(format: any ModelDefinitionFormat) {
        formatLock.withLock { formats[format.name] = format }
    }

    /// The plugin registered under `name`; throws for an unknown name, with a suggestion.
    public func plugin(named name: String) throws -> any ModelPlugin { try table.entry(named: name) }

    /// A registered name, or the path of a model definition file (loaded, not registered).
    /// A value ending in a registered format's extension, or holding a `/`, is taken as a path.
    public func resolve(nameOrPath: String) throws -> any ModelPlugin {
        let lowered = nameOrPath.lowercased()
        let known = formatLock.withLock { Array(formats.values) }.sorted { $0.name < $1.name }
        if let format = known.first(where: { $0.fileExtensions.contains { lowered.hasSuffix($0) } }) {
            return try format.plugin(contentsOf: nameOrPath)
        }
        if nameOrPath.contains("/"), let only = known.first, known.count == 1 { return try only.plugin(contentsOf: nameOrPath) }
        return try plugin(named: nameOrPath)
    }

    /// The plugin a model file's specification names: its embedded definition when it has one
    /// (so the file works after the YAML it came from is gone), else the registered name.
    public func plugin(for specification: ModelSpecification) throws -> any ModelPlugin {
        // A file from before specifications named a YAML model by its path.
        guard let definition = specification.definition else { return try resolve(nameOrPath: specification.plugin) }
        guard let format = formatLock.withLock({ formats[definition.format] }) else {
            throw ModelError.unknownFormat(model: specification.plugin, format: definition.format)
        }
        return try format.plugin(text: definition.text, source: "the definition of '\(specification.plugin)'")
    }

    /// The specification of `plugin` with `configuration` resolved strictly (every default
    /// filled in, unknown keys refused with the plugin's "did you mean").
    public func specification(of plugin: any ModelPlugin, configuration: PluginConfiguration = [:]) throws -> ModelSpecification {
        ModelSpecification(
            plugin: plugin.name, configuration: try plugin.resolveConfiguration(configuration), definition: plugin.definition)
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
        let maximum = try plugin.maximumInputSize(configuration: configuration)
        guard maximum.covers(inputSize) else {
            throw ModelError.inputTooLarge(model: plugin.name, maximum: maximum, got: inputSize)
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

    /// The parameter count `make` would allocate for `classes` classes, measured without building
    /// that model: a classifier's parameters grow with the class count only in its head (count =
    /// a + b × classes), so two models of one and two classes give a and b. A model file naming
    /// a million classes is refused from this before the head's gigabytes exist.
    public func estimatedParameterCount(
        _ plugin: any ModelPlugin, classes: Int, inputChannels: Int, inputSize: InputSize, configuration: PluginConfiguration = [:]
    ) throws -> Int {
        let one = try make(plugin, classes: 1, inputChannels: inputChannels, inputSize: inputSize, configuration: configuration)
            .parameterCount
        let two = try make(plugin, classes: 2, inputChannels: inputChannels, inputSize: inputSize, configuration: configuration)
            .parameterCount
        let perClass = max(two - one, 0)
        let (head, overflow) = perClass.multipliedReportingOverflow(by: max(classes - 1, 0))
        let (total, overflow2) = one.addingReportingOverflow(head)
        return overflow || overflow2 ? .max : total
    }

    /// Builds the classifier a specification names.
    public func make(
        _ specification: ModelSpecification, classes: Int, inputChannels: Int, inputSize: InputSize, seed: UInt64 = 0
    ) throws -> ClassifierModel {
        try make(
            plugin(for: specification), classes: classes, inputChannels: inputChannels, inputSize: inputSize,
            configuration: specification.configuration, seed: seed)
    }

    /// Builds a classifier by registered name or definition path; nil sizes and channels take
    /// the plugin's default preprocessing.
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
    public func names(matching pattern: String = "*") -> [String] { table.names(matching: pattern) }

    /// Plugins whose names match a glob, in natural order of name.
    public func plugins(matching pattern: String = "*") -> [any ModelPlugin] { table.entries(matching: pattern) }

    /// Parameter count and MACs at the plugin's default input, channels and configuration,
    /// for `classes` classes (builds the model and runs it once).
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
