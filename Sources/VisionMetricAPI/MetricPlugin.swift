import VisionPluginAPI
/// A metric accumulated over batches: `update` any number of times, `compute` at the end,
/// `merge` partial states from shards. Non-generic, so it can later come from a dynamic library.
///
/// Inputs to `update`: `predictions` and `targets` are class indices in `0..<numClasses`, one per
/// sample; `scores` is nil or a flat N×K row-major array of class probabilities. A failed update
/// leaves the state unchanged.
public protocol MetricPlugin: Sendable {
    /// Name, summary, goal and inputs.
    var descriptor: MetricDescriptor { get }
    /// The number of classes the metric was made for.
    var numClasses: Int { get }
    /// Adds a batch.
    mutating func update(predictions: [Int], scores: [Float]?, targets: [Int]) throws
    /// The value over everything added since the last reset; throws when it is undefined.
    func compute() throws -> MetricResult
    /// Forgets every batch.
    mutating func reset()
    /// Adds another instance's state (same metric, classes and configuration) to this one.
    mutating func merge(_ other: any MetricPlugin) throws
    /// The accumulated state, serialisable (see `merge(state:)`).
    func state() -> MetricState
    /// Replaces the accumulated state with a serialised one of the same metric and class count.
    mutating func load(_ state: MetricState) throws
}

extension MetricPlugin {
    /// The registry name.
    public var name: String { descriptor.name }
    /// The one-line summary.
    public var summary: String { descriptor.summary }
    /// Whether a larger value is better.
    public var higherIsBetter: Bool { descriptor.higherIsBetter }
    /// Whether `update` needs scores.
    public var needsScores: Bool { descriptor.needsScores }

    /// `other` as this metric's own type, when it is the same metric configured alike; else
    /// the error that says which differs (for `merge`).
    public func sameMetric(_ other: any MetricPlugin, configuredAlike: (Self) -> Bool) throws -> Self {
        guard let same = other as? Self, same.descriptor == descriptor else {
            throw MetricError.incompatibleMerge(metric: name, detail: "the other state is metric '\(other.name)'")
        }
        guard configuredAlike(same) else {
            throw MetricError.incompatibleMerge(metric: name, detail: "the other state has a different configuration")
        }
        return same
    }

    /// Throws before any work starts when the metric needs scores and the caller has only labels.
    public func validate(hasScores: Bool) throws {
        if needsScores && !hasScores { throw MetricError.scoresRequired(metric: name) }
    }
}

/// A metric built from a strictly decoded configuration: what `MetricRegistry.register(_:)` takes.
public protocol ConfigurableMetric: MetricPlugin {
    associatedtype Configuration: StrictDecodable & Equatable & Sendable
    /// Name, summary, goal and inputs, known without an instance.
    static var descriptor: MetricDescriptor { get }
    /// The configuration it was made with.
    var configuration: Configuration { get }
    /// Makes an empty metric; throws `MetricError.invalidConfiguration` for values out of range.
    init(numClasses: Int, configuration: Configuration) throws
}

extension ConfigurableMetric {
    public var descriptor: MetricDescriptor { Self.descriptor }
}
