import ArgumentParser
import VisionMetricAPI
import VisionMetrics
import VisionModelAPI
import VisionWorkflow
import VisionYAMLModels

/// `vision metrics`: the registered metrics, what they need and which way is better.
struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "List the evaluation metrics: name, whether it needs class scores, which way is better.",
        discussion: """
            Metrics marked "scores" need class probabilities, not just predicted labels. \
            PATTERN filters names with shell wildcards (e.g. 'f*', '*auc*').
            """
    )

    @Argument(help: "Only names matching this glob pattern.")
    var pattern: String = "*"

    @Flag(help: "Print one JSON list of objects (name, summary, needs_scores, higher_is_better, goal, configuration_keys).")
    var json = false

    func run() throws {
        let registry = MetricRegistry()
        try registerBuiltinMetrics(in: registry)
        let descriptors = registry.descriptors(matching: pattern)
        guard !descriptors.isEmpty else {
            throw CLIError("no metric matches '\(pattern)'; available: \(registry.names().joined(separator: ", "))")
        }
        if json {
            let listings = try descriptors.map { MetricListing($0, configurationKeys: try registry.configurationKeys($0.name)) }
            print(JSONLine.encode(listings))
            return
        }
        let rows = descriptors.map { descriptor in
            [
                descriptor.name, descriptor.needsScores ? "scores" : "labels",
                descriptor.goal == .none ? "-" : (descriptor.higherIsBetter ? "higher" : "lower"),
                descriptor.summary,
            ]
        }
        print(TextTable.render(header: ["metric", "needs", "better", "summary"], rows: rows))
    }
}

/// One metric in `vision metrics --json`.
struct MetricListing: Encodable {
    let name: String
    let summary: String
    let needsScores: Bool
    let higherIsBetter: Bool?
    let goal: String
    let configurationKeys: [String]

    init(_ descriptor: MetricDescriptor, configurationKeys: [String]) {
        name = descriptor.name
        summary = descriptor.summary
        needsScores = descriptor.needsScores
        higherIsBetter = descriptor.goal == .none ? nil : descriptor.higherIsBetter
        goal = descriptor.goal.rawValue
        self.configurationKeys = configurationKeys
    }

    enum CodingKeys: String, CodingKey {
        case name, summary, needsScores = "needs_scores", higherIsBetter = "higher_is_better", goal
        case configurationKeys = "configuration_keys"
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(summary, forKey: .summary)
        try container.encode(needsScores, forKey: .needsScores)
        try container.encode(higherIsBetter, forKey: .higherIsBetter)  // null when there is no scalar
        try container.encode(goal, forKey: .goal)
        try container.encode(configurationKeys, forKey: .configurationKeys)
    }
}
