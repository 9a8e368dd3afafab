import VisionModelAPI
import VisionNN
import VisionTensor

/// Test-time augmentation (`--tta`): the softmax averaged over views of each image that the
/// model was trained to treat alike. A model trained with quarter turns (the `defects` preset)
/// gets the eight views of the dihedral group when its input is square; otherwise the flips it
/// was trained with. Views that training never showed are not used: they would only add error.
public struct TestTimeAugmentation: Sendable, Equatable {
    /// One element of the dihedral group: optionally transpose, then flip.
    public struct View: Sendable, Equatable, Hashable {
        public var transpose = false
        public var horizontalFlip = false
        public var verticalFlip = false

        public init(transpose: Bool = false, horizontalFlip: Bool = false, verticalFlip: Bool = false) {
            self.transpose = transpose
            self.horizontalFlip = horizontalFlip
            self.verticalFlip = verticalFlip
        }
    }

    public let views: [View]

    /// The views the training policy makes label-preserving; nil when it has none (no flips
    /// or turns: nothing to average).
    public init?(trainedWith policy: AugmentationPolicy, inputSize: InputSize) {
        let transposes = policy.quarterTurns && inputSize.height == inputSize.width ? [false, true] : [false]
        // A quarter turn on a non-square input still implies a half turn, which is both flips.
        let both = policy.quarterTurns || (policy.horizontalFlip && policy.verticalFlip)
        var flips: [(Bool, Bool)] = [(false, false)]
        if policy.horizontalFlip || both { flips.append((true, false)) }
        if policy.verticalFlip || both { flips.append((false, true)) }
        if both { flips.append((true, true)) }
        let views = transposes.flatMap { t in flips.map { View(transpose: t, horizontalFlip: $0.0, verticalFlip: $0.1) } }
        guard views.count > 1 else { return nil }
        self.views = views
    }

    /// The views of a saved model's training (its `augment_preset`, `augment` and `flip`).
    public init?(for metadata: SavedModelMetadata) {
        var policy = (try? metadata.training.augmentation()) ?? AugmentationPolicy()
        if metadata.training.flip { policy.horizontalFlip = true }
        self.init(trainedWith: policy, inputSize: metadata.preprocessing.inputSize)
    }

    /// For logs: `8 views (dihedral: flips and quarter turns)`.
    public var summary: String {
        let kind = views.contains { $0.transpose } ? "flips and quarter turns" : views.count == 4 ? "horizontal and vertical flips" :
            views.contains { $0.horizontalFlip } ? "horizontal flip" : "vertical flip"
        return "\(views.count) views (\(kind))"
    }

    /// `images` (N × C × H × W, row-major) seen through `view`. Square inputs only for a transpose.
    static func apply(_ view: View, to images: [Float], shape: [Int]) -> [Float] {
        guard view != View(), shape.count == 4 else { return images }
        let (planes, height, width) = (shape[0] * shape[1], shape[2], shape[3])
        var out = [Float](repeating: 0, count: images.count)
        images.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                for plane in 0..<planes {
                    let base = plane * height * width
                    for y in 0..<height {
                        for x in 0..<width {
                            var (row, column) = (y, x)
                            if view.horizontalFlip { column = width - 1 - column }
                            if view.verticalFlip { row = height - 1 - row }
                            if view.transpose { (row, column) = (column, row) }
                            target[base + y * width + x] = source[base + row * width + column]
                        }
                    }
                }
            }
        }
        return out
    }

    /// Softmax probabilities (N × classes, row-major) averaged over the views, without gradients.
    public func probabilities(_ model: Module, images: [Float], shape: [Int]) throws -> [Float] {
        var sum: [Float] = []
        try GradientMode.withoutGradients {
            for view in views {
                let p = try softmax(model(Tensor(Self.apply(view, to: images, shape: shape), shape: shape)), dimension: 1).scalars
                if sum.isEmpty { sum = p } else { for i in sum.indices { sum[i] += p[i] } }
            }
        }
        let scale = 1 / Float(views.count)
        return sum.map { $0 * scale }
    }
}
