import Foundation
import ArgumentParser
import VisionData
import VisionMetricAPI
import VisionMetrics
import VisionModelAPI
import VisionModels
import VisionWorkflow
import VisionYAMLModels

/// The plugin tables every command uses, filled the same way each time.
enum Registries {
    /// The built-in models, the YAML format, and the model files of `--plugin-dir` folders and
    /// `VISION_PLUGIN_PATH`.
    static func models(pluginDirectories: [String]) throws -> ModelRegistry {
        let registry = ModelRegistry()
        try registerBuiltinModels(in: registry)
        try registerYAMLModels(in: registry, folders: pluginSearchPaths(directories: pluginDirectories))
        return registry
    }

    /// The built-in metrics.
    static func metrics() throws -> MetricRegistry {
        let registry = MetricRegistry()
        try registerBuiltinMetrics(in: registry)
        return registry
    }
}

// Choices parsed by swift-argument-parser, whose help lists the values.
extension TrainingConfiguration.OptimizerKind: ExpressibleByArgument {}
extension AugmentationPolicy.Preset: ExpressibleByArgument {}
extension TrainingConfiguration.ScheduleKind: ExpressibleByArgument {}
extension TrainingConfiguration.ClassWeighting: ExpressibleByArgument {}
extension ResizePolicy: ExpressibleByArgument {}
extension SplitSelection: ExpressibleByArgument {}


/// `key=value` for `--model-config`: the value is read as JSON when it parses (`32`, `0.5`,
/// `true`, `"text"`, `[1, 2]`), else taken as a string.
struct ConfigurationAssignment: ExpressibleByArgument {
    var key: String
    var value: JSONValue

    init?(argument: String) {
        guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else { return nil }
        key = String(argument[..<equals]).trimmingCharacters(in: .whitespaces)
        let text = String(argument[argument.index(after: equals)...])
        value = (try? JSONValue(json: Data(text.utf8))) ?? .string(text)
    }

    /// Assignments as one configuration object (a repeated key: the last wins).
    static func object(_ assignments: [ConfigurationAssignment]) -> PluginConfiguration {
        var object: PluginConfiguration = [:]
        for assignment in assignments { object[assignment.key] = assignment.value }
        return object
    }
}
