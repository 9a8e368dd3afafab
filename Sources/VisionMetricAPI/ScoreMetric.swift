import VisionPluginAPI
/// A metric whose state is a `ScoreBuffer`: conforming types write only `compute(from:)`.
public protocol ScoreMetric: MetricPlugin {
    /// The kept scores and targets.
    var buffer: ScoreBuffer { get set }
    /// Whether `other` was made with the same settings: merging differently configured states is
    /// an error. Defaults to true; `ConfigurableMetric`s compare their configurations.
    func hasSameConfiguration(as other: Self) -> Bool
    /// The metric's value for a buffer with at least one sample.
    func compute(from buffer: ScoreBuffer) throws -> MetricResult
}

extension ScoreMetric {
    public var numClasses: Int { buffer.numClasses }

    public mutating func update(predictions: [Int], scores: [Float]?, targets: [Int]) throws {
        try MetricInputCheck.check(
            metric: name, numClasses: numClasses, predictions: predictions, scores: scores, targets: targets,
            needsScores: true)
        guard let scores else { throw MetricError.scoresRequired(metric: name) }
        buffer.append(scores: scores, targets: targets)
    }

    public func compute() throws -> MetricResult {
        guard buffer.count > 0 else { throw MetricError.noSamples(metric: name) }
        return try compute(from: buffer)
    }

    public func hasSameConfiguration(as other: Self) -> Bool { true }

    public mutating func reset() { buffer.reset() }

    public mutating func merge(_ other: any MetricPlugin) throws {
        let other = try sameMetric(other, configuredAlike: hasSameConfiguration)
        try buffer.merge(other.buffer, metric: name)
    }

    public func state() -> MetricState {
        MetricState(
            metric: name, numClasses: numClasses,
            arrays: ["scores": buffer.scores.map(Double.init), "targets": buffer.targets.map(Double.init)])
    }

    public mutating func load(_ state: MetricState) throws {
        let targets = try state.counts("targets", of: name, numClasses: numClasses)
        let scores = try state.array("scores", of: name, numClasses: numClasses, count: targets.count * numClasses)
        guard targets.allSatisfy({ $0 < numClasses }) else {
            throw MetricError.incompatibleMerge(metric: name, detail: "a target is not below \(numClasses)")
        }
        buffer.replace(scores: scores.map(Float.init), targets: targets)
    }
}

extension ScoreMetric where Self: ConfigurableMetric {
    public func hasSameConfiguration(as other: Self) -> Bool { configuration == other.configuration }
}
