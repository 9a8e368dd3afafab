import Foundation
import VisionPluginAPI

/// The table of metrics by name: filled at startup by explicit calls (the built-ins through
/// `registerBuiltinMetrics(in:)`), then read from any thread.
public final class MetricRegistry: @unchecked Sendable {
    /// Makes a metric for a class count from a configuration object.
    public typealias Factory = @Sendable (_ numClasses: Int, _ configuration: PluginConfiguration) throws -> any MetricPlugin

    private struct Entry {
        let descriptor: MetricDescriptor
        let configurationKeys: [String]
        let factory: Factory
    }

    private let table = PluginRegistry<Entry>(
        allowedPunctuation: ["_", "-"],
        errors: .init(
            invalidName: { MetricError.invalidName(name: $0) }, duplicate: { name, _ in MetricError.duplicateName(name: name) },
            unknown: { MetricError.unknownMetric(name: $0, available: $1, suggestion: $2) }))

    /// An empty registry.
    public init() {}

    /// Adds a metric under `descriptor.name`; throws if the name is taken or not a plain name.
    /// `configurationKeys` are listed by `vision metrics --json`.
    public func register(
        _ descriptor: MetricDescriptor, configurationKeys: [String] = [], factory: @escaping Factory
    ) throws {
        try table.register(
            Entry(descriptor: descriptor, configurationKeys: configurationKeys.sorted(), factory: factory), as: descriptor.name)
    }

    /// Adds a `ConfigurableMetric` type, decoding its configuration strictly.
    public func register<Metric: ConfigurableMetric>(_ type: Metric.Type) throws {
        let descriptor = Metric.descriptor
        try register(descriptor, configurationKeys: Metric.Configuration.allowedKeys) { numClasses, configuration in
            let decoded = try StrictDecoder.decode(
                Metric.Configuration.self, from: configuration, owner: "metric '\(descriptor.name)'")
            return try Metric(numClasses: numClasses, configuration: decoded)
        }
    }

    /// Makes an empty metric; throws for an unknown name (with a suggestion) or a bad configuration.
    public func make(
        _ name: String, numClasses: Int, configuration: PluginConfiguration = [:]
    ) throws -> any MetricPlugin {
        try entry(named: name).factory(numClasses, configuration)
    }

    /// Makes an empty metric from a JSON configuration document (empty data means `{}`).
    public func make(_ name: String, numClasses: Int, json: Data) throws -> any MetricPlugin {
        let entry = try entry(named: name)
        return try entry.factory(numClasses, try StrictDecoder.object(fromJSON: json, owner: "metric '\(name)'"))
    }

    /// The descriptor registered under `name`.
    public func descriptor(_ name: String) throws -> MetricDescriptor { try entry(named: name).descriptor }

    /// The configuration keys the metric accepts, sorted.
    public func configurationKeys(_ name: String) throws -> [String] { try entry(named: name).configurationKeys }

    /// Registered names matching a glob (`f*`, `*auc*`, `[pr]*`), in natural order.
    public func names(matching pattern: String = "*") -> [String] { table.names(matching: pattern) }

    /// Descriptors of the names matching a glob, in natural order of name.
    public func descriptors(matching pattern: String = "*") -> [MetricDescriptor] {
        table.entries(matching: pattern).map(\.descriptor)
    }

    private func entry(named name: String) throws -> Entry { try table.entry(named: name) }
}
