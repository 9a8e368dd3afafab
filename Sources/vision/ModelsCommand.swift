import ArgumentParser
import Foundation
import VisionMetricAPI
import VisionModelAPI
import VisionModels
import VisionWorkflow
import VisionYAMLModels

/// `vision models`: the registered model plugins with their size and cost.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the model plugins: name, parameters and multiply-accumulates at the default input, summary.",
        discussion: """
            Parameters are counted for 10 classes and the default channels; MACs are the \
            multiply-accumulates of convolutions and linear layers for one image at the default input \
            size (1 MAC = 2 FLOPs). PATTERN filters names with shell wildcards (e.g. 'resnet*'). \
            YAML/JSON models are read from --plugin-dir folders and from VISION_PLUGIN_PATH \
            (colon-separated).
            """
    )

    @Argument(help: "Only names matching this glob pattern.")
    var pattern: String = "*"

    @Flag(help: "Also show the default preprocessing, the smallest input and the configuration keys.")
    var details = false

    @Flag(help: "Print one JSON list of objects (name, summary, parameters, macs, preprocessing, …).")
    var json = false

    @Option(name: .customLong("plugin-dir"), help: "A folder of YAML/JSON model files to register (repeatable).")
    var pluginDirectories: [String] = []

    func run() throws {
        let registry = try Registries.models(pluginDirectories: pluginDirectories)
        let plugins = registry.plugins(matching: pattern)
        guard !plugins.isEmpty || json else {
            throw CLIError("no model matches '\(pattern)'; available: \(registry.names().joined(separator: ", "))")
        }
        let profiles = try plugins.map { try registry.profile($0) }
        if json {
            print(JSONLine.encode(profiles))
            return
        }
        if details {
            print(profiles.map(Self.detailed).joined(separator: "\n\n"))
            return
        }
        let rows = profiles.map { [$0.name, Self.count($0.parameters), Self.count($0.multiplyAccumulates), $0.summary] }
        print(TextTable.render(header: ["model", "params", "MACs", "summary"], rows: rows))
    }


    /// 11.7M, 1.82G, 650k.
    static func count(_ value: Int) -> String {
        let number = Double(value)
        switch number {
        case 1e9...: return String(format: "%.2fG", number / 1e9)
        case 1e6...: return String(format: "%.2fM", number / 1e6)
        case 1e3...: return String(format: "%.1fk", number / 1e3)
        default: return String(value)
        }
    }

    static func detailed(_ profile: ModelProfile) -> String {
        let p = profile.preprocessing
        let numbers = { (values: [Double]) in values.map { String(format: "%.4g", $0) }.joined(separator: ", ") }
        var lines = [
            "\(profile.name): \(profile.summary)",
            "  parameters:      \(profile.parameters) (\(profile.classes) classes)",
            "  MACs:            \(profile.multiplyAccumulates) at \(p.inputSize)",
            "  input:           \(p.inputSize), \(p.channels) channel\(p.channels == 1 ? "" : "s"), resize \(p.resize.rawValue)",
            "  mean / std:      [\(numbers(p.mean))] / [\(numbers(p.std))]",
            "  smallest input:  \(profile.minimumInputSize)",
            "  configuration:   \(profile.configurationKeys.isEmpty ? "(no keys)" : profile.configurationKeys.joined(separator: ", "))",
        ]
        if let source = profile.source { lines.append("  file:            \(source)") }
        return lines.joined(separator: "\n")
    }
}
