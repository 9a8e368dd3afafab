import Foundation
import VisionMetricAPI

/// The mean negative log-probability of the target class (cross-entropy; scikit-learn's log_loss).
public struct LogLoss: ConfigurableMetric {
    public typealias Configuration = EmptyConfiguration
    public static let descriptor = MetricDescriptor(
        name: "log_loss", summary: "Mean negative log-probability given to the target class (cross-entropy).",
        goal: .minimize, inputs: .scores)

    /// Probabilities are clipped to [ε, 1-ε] with ε the Float32 epsilon, as scikit-learn does for
    /// Float32 input, so a confident mistake costs about 15.9 rather than infinity.
    public static let epsilon = Double(Float.ulpOfOne)

    public let numClasses: Int
    public let configuration = EmptyConfiguration()
    /// Running sum of the per-sample losses, and the sample count.
    public private(set) var sum = 0.0
    public private(set) var total = 0

    public init(numClasses: Int, configuration: EmptyConfiguration = EmptyConfiguration()) throws {
        try ConfigurationCheck.minimumClasses(numClasses, 2, metric: Self.descriptor.name)
        self.numClasses = numClasses
    }

    public mutating func update(predictions: [Int], scores: [Float]?, targets: [Int]) throws {
        try MetricInputCheck.check(
            metric: name, numClasses: numClasses, predictions: predictions, scores: scores, targets: targets,
            needsScores: true)
        guard let scores else { throw MetricError.scoresRequired(metric: name) }
        try MetricInputCheck.checkProbabilities(metric: name, numClasses: numClasses, scores: scores)
        for (row, target) in targets.enumerated() {
            let p = min(max(Double(scores[row * numClasses + target]), Self.epsilon), 1 - Self.epsilon)
            sum -= log(p)
        }
        total += targets.count
    }

    public func compute() throws -> MetricResult {
        guard total > 0 else { throw MetricError.noSamples(metric: name) }
        return MetricResult(value: sum / Double(total))
    }

    public mutating func reset() {
        sum = 0
        total = 0
    }

    public mutating func merge(_ other: any MetricPlugin) throws {
        guard let other = other as? LogLoss, other.numClasses == numClasses else {
            throw MetricError.incompatibleMerge(
                metric: name, detail: "expected metric 'log_loss' with \(numClasses) classes, got '\(other.name)' with \(other.numClasses)")
        }
        sum += other.sum
        total += other.total
    }

    public func state() -> MetricState {
        MetricState(metric: name, numClasses: numClasses, arrays: ["sum": [sum], "total": [Double(total)]])
    }

    public mutating func load(_ state: MetricState) throws {
        let sum = try state.array("sum", of: name, numClasses: numClasses, count: 1)[0]
        guard sum.isFinite, sum >= 0 else { throw MetricError.incompatibleMerge(metric: name, detail: "a loss sum of \(sum)") }
        total = try state.counts("total", of: name, numClasses: numClasses, count: 1)[0]
        self.sum = sum
    }
}
