import VisionTensor

/// A small net for defect detection on gray or colour part images: `stages` × (conv 3×3 + BN +
/// ReLU + max-pool 2), channel widths doubling from `width`, global average pool, linear.
public final class DefectNet: Module {
    public let stages: Sequential
    public private(set) var classifier: Linear
    public let featureCount: Int

    public init(inputChannels: Int = 1, classes: Int = 2, stageCount: Int = 4, width: Int = 16, generator: inout SeededGenerator) {
        var layers: [Module] = []
        var channels = inputChannels
        for index in 0..<max(stageCount, 1) {
            let out = width << index
            layers.append(ConvBNReLUPool(channels, out, generator: &generator))
            channels = out
        }
        stages = Sequential(layers)
        featureCount = channels
        classifier = Linear(channels, classes, generator: &generator)
    }

    override public var children: [(name: String, module: Module)] { [("stages", stages), ("classifier", classifier)] }

    public func features(_ x: Tensor) throws -> Tensor { try flatten(globalAvgPool2d(stages(x))) }

    override public func forward(_ x: Tensor) throws -> Tensor { try classifier(features(x)) }

    public func replaceHead(classes: Int, generator: inout SeededGenerator) {
        classifier = Linear(featureCount, classes, generator: &generator)
    }
}

/// conv 3×3 (no bias) → BN → ReLU → max-pool 2.
public final class ConvBNReLUPool: Module {
    public let conv: Conv2d, bn: BatchNorm2d

    public init(_ inputChannels: Int, _ outputChannels: Int, generator: inout SeededGenerator) {
        conv = Conv2d(inputChannels, outputChannels, kernel: 3, padding: 1, bias: false, initializer: .kaimingNormal, generator: &generator)
        bn = BatchNorm2d(outputChannels)
    }

    override public var children: [(name: String, module: Module)] { [("conv", conv), ("bn", bn)] }

    override public func forward(_ x: Tensor) throws -> Tensor {
        try maxPool2d(convBatchNorm(x, conv, bn, relu: true), kernel: (2, 2))
    }
}
