import VisionPluginAPI
/// Counts of (target, prediction) pairs: the one state every label metric reduces from.
/// Row = target class, column = predicted class (scikit-learn's orientation).
public struct ConfusionMatrix: Sendable, Hashable {
    public let numClasses: Int
    /// Row-major K×K counts.
    public private(set) var counts: [Int]

    /// An empty matrix; `numClasses` must be at least 1 (metrics check their own minimum).
    public init(numClasses: Int) {
        self.numClasses = max(numClasses, 0)
        counts = Array(repeating: 0, count: self.numClasses * self.numClasses)
    }

    /// The count of samples of class `target` predicted as `prediction`.
    public subscript(target: Int, prediction: Int) -> Int { counts[target * numClasses + prediction] }

    /// Adds labels already checked to be in range (see `MetricInputCheck`).
    public mutating func add(predictions: [Int], targets: [Int]) {
        for (prediction, target) in zip(predictions, targets) { counts[target * numClasses + prediction] += 1 }
    }

    /// Adds another matrix of the same size.
    public mutating func merge(_ other: ConfusionMatrix, metric: String) throws {
        guard other.numClasses == numClasses else {
            throw MetricError.incompatibleMerge(
                metric: metric, detail: "expected \(numClasses) classes, the other state has \(other.numClasses)")
        }
        for index in counts.indices { counts[index] += other.counts[index] }
    }

    public mutating func reset() { counts = Array(repeating: 0, count: counts.count) }

    /// Replaces the counts with `counts` (row-major K×K, checked by the caller).
    mutating func replace(with counts: [Int]) { self.counts = counts }

    /// The number of samples.
    public var total: Int { counts.reduce(0, +) }
    /// Correct predictions per class (the diagonal).
    public var truePositives: [Int] { (0..<numClasses).map { self[$0, $0] } }
    /// Samples per target class (row sums): the support.
    public var support: [Int] { (0..<numClasses).map { row in (0..<numClasses).reduce(0) { $0 + self[row, $1] } } }
    /// Samples per predicted class (column sums).
    public var predicted: [Int] { (0..<numClasses).map { column in (0..<numClasses).reduce(0) { $0 + self[$1, column] } } }
    /// Per-class counts of predicted-but-wrong.
    public var falsePositives: [Int] { zip(predicted, truePositives).map { $0 - $1 } }
    /// Per-class counts of missed.
    public var falseNegatives: [Int] { zip(support, truePositives).map { $0 - $1 } }
    /// Per-class counts of correctly not predicted.
    public var trueNegatives: [Int] {
        let n = total, support = support, predicted = predicted
        return (0..<numClasses).map { n - support[$0] - predicted[$0] + self[$0, $0] }
    }
    /// The counts as K rows.
    public var rows: [[Int]] { (0..<numClasses).map { Array(counts[($0 * numClasses)..<(($0 + 1) * numClasses)]) } }
}
