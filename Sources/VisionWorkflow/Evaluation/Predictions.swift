/// A model's outputs on a set of labelled images: softmax probabilities, the predicted class
/// (the one argmax in vision), the targets, and the mean loss.
public struct Predictions: Sendable {
    public let classes: [String]
    public private(set) var paths: [String] = []
    public private(set) var targets: [Int] = []
    /// Row-major N × classes.
    public private(set) var probabilities: [Float] = []
    /// The most probable class of each image (the first on ties, as `torch.argmax`).
    public private(set) var predicted: [Int] = []
    /// Sum of the per-image cross-entropy, for the mean loss.
    public private(set) var lossSum = 0.0

    public init(classes: [String]) { self.classes = classes }

    /// The number of images.
    public var count: Int { targets.count }
    /// Mean cross-entropy per image (NaN when empty).
    public var meanLoss: Double { count > 0 ? lossSum / Double(count) : .nan }

    /// Adds a batch: N × classes probabilities, its targets and paths, and its summed loss.
    public mutating func append(probabilities batch: [Float], targets: [Int], paths: [String], lossSum: Double) {
        let k = classes.count
        for row in targets.indices { predicted.append(Self.argmax(batch[(row * k)..<((row + 1) * k)])) }
        probabilities += batch
        self.targets += targets
        self.paths += paths
        self.lossSum += lossSum
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
}
