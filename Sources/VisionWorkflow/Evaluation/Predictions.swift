import Foundation

/// A model's outputs on a set of labelled images: softmax probabilities, the predicted class
/// (the one argmax in vision), the targets, and each image's loss.
public struct Predictions: Sendable, Codable {
    public let classes: [String]
    public private(set) var paths: [String] = []
    public private(set) var targets: [Int] = []
    /// Row-major N × classes.
    public private(set) var probabilities: [Float] = []
    /// The most probable class of each image (the first on ties, as `torch.argmax`).
    public private(set) var predicted: [Int] = []
    /// Each image's cross-entropy. Kept per image (not as batch sums) so that predictions made
    /// in shards and joined in order sum to exactly the figure one process gets.
    public private(set) var losses: [Double] = []
    /// Sum of the per-image cross-entropy, in image order.
    public private(set) var lossSum = 0.0

    public init(classes: [String]) { self.classes = classes }

    /// The number of images.
    public var count: Int { targets.count }
    /// Mean cross-entropy per image (NaN when empty).
    public var meanLoss: Double { count > 0 ? lossSum / Double(count) : .nan }

    /// Adds a batch: N × classes probabilities, its targets and paths, and each image's loss.
    public mutating func append(probabilities batch: [Float], targets: [Int], paths: [String], losses: [Double]) {
        let k = classes.count
        for row in targets.indices { predicted.append(Self.argmax(batch[(row * k)..<((row + 1) * k)])) }
        probabilities += batch
        self.targets += targets
        self.paths += paths
        for loss in losses { lossSum += loss }
        self.losses += losses
    }

    /// Adds the images of `other` (another shard of the same images), after these.
    public mutating func append(_ other: Predictions) {
        append(probabilities: other.probabilities, targets: other.targets, paths: other.paths, losses: other.losses)
    }

    /// The index of the largest value (the first on ties); 0 for an empty row.
    public static func argmax(_ row: ArraySlice<Float>) -> Int {
        var best = row.startIndex
        for index in row.indices where row[index] > row[best] { best = index }
        return best - row.startIndex
    }

    /// The probabilities of image `index`.
    public func row(_ index: Int) -> ArraySlice<Float> {
        probabilities[(index * classes.count)..<((index + 1) * classes.count)]
    }

    /// Each row's cross-entropy from its logits (N × classes, row-major), in double precision:
    /// log-sum-exp minus the target's logit.
    public static func losses(logits: UnsafePointer<Float>, classes k: Int, targets: [Int]) -> [Double] {
        targets.enumerated().map { row, target in
            let start = logits + row * k
            var largest = Double(start[0])
            for c in 1..<max(k, 1) { largest = max(largest, Double(start[c])) }
            var sum = 0.0
            for c in 0..<k { sum += exp(Double(start[c]) - largest) }
            return largest + log(sum) - Double(start[target])
        }
    }
}
