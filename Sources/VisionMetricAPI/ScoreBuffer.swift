import VisionPluginAPI
/// Every sample's scores and target, kept for metrics that sort by score (ROC, precision-recall).
/// Merging two buffers concatenates them.
public struct ScoreBuffer: Sendable, Hashable {
    public let numClasses: Int
    /// Row-major N×K scores.
    public private(set) var scores: [Float] = []
    public private(set) var targets: [Int] = []

    public init(numClasses: Int) { self.numClasses = max(numClasses, 0) }

    /// The number of samples.
    public var count: Int { targets.count }

    /// Appends a batch already checked by `MetricInputCheck`.
    public mutating func append(scores: [Float], targets: [Int]) {
        self.scores.append(contentsOf: scores)
        self.targets.append(contentsOf: targets)
    }

    /// Appends another buffer of the same width.
    public mutating func merge(_ other: ScoreBuffer, metric: String) throws {
        guard other.numClasses == numClasses else {
            throw MetricError.incompatibleMerge(
                metric: metric, detail: "expected \(numClasses) classes, the other state has \(other.numClasses)")
        }
        append(scores: other.scores, targets: other.targets)
    }

    /// Replaces the contents (checked by the caller).
    mutating func replace(scores: [Float], targets: [Int]) {
        self.scores = scores
        self.targets = targets
    }

    public mutating func reset() {
        scores.removeAll()
        targets.removeAll()
    }

    /// Every sample's score for class `k`.
    public func column(_ k: Int) -> [Double] {
        stride(from: k, to: scores.count, by: numClasses).map { Double(scores[$0]) }
    }
}
