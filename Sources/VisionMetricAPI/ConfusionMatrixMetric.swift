import VisionPluginAPI
/// A metric whose whole state is a confusion matrix (torchmetrics' design): conforming types
/// write only `compute(from:)`; update, reset, merge and the empty check come from here.
public protocol ConfusionMatrixMetric: MetricPlugin {
    /// The accumulated counts.
    var confusion: ConfusionMatrix { get set }
    /// Whether `other` was made with the same settings: merging differently configured states is
    /// an error. Defaults to true; `ConfigurableMetric`s compare their configurations.
    func hasSameConfiguration(as other: Self) -> Bool
    /// The metric's value for a matrix with at least one sample.
    func compute(from confusion: ConfusionMatrix) throws -> MetricResult
}

extension ConfusionMatrixMetric {
    public var numClasses: Int { confusion.numClasses }

    public mutating func update(predictions: [Int], scores: [Float]?, targets: [Int]) throws {
        try MetricInputCheck.check(
            metric: name, numClasses: numClasses, predictions: predictions, scores: scores, targets: targets,
            needsScores: needsScores)
        confusion.add(predictions: predictions, targets: targets)
    }

    public func compute() throws -> MetricResult {
        guard confusion.total > 0 else { throw MetricError.noSamples(metric: name) }
        return try compute(from: confusion)
    }

    public func hasSameConfiguration(as other: Self) -> Bool { true }

    public mutating func reset() { confusion.reset() }

    public mutating func merge(_ other: any MetricPlugin) throws {
        let other = try sameMetric(other, configuredAlike: hasSameConfiguration)
        try confusion.merge(other.confusion, metric: name)
    }

    public func state() -> MetricState {
        MetricState(metric: name, numClasses: numClasses, arrays: ["confusion": confusion.counts.map(Double.init)])
    }

    public mutating func load(_ state: MetricState) throws {
        confusion.replace(
            with: try state.counts("confusion", of: name, numClasses: numClasses, count: numClasses * numClasses))
    }
}

extension ConfusionMatrixMetric where Self: ConfigurableMetric {
    public func hasSameConfiguration(as other: Self) -> Bool { configuration == other.configuration }
}
