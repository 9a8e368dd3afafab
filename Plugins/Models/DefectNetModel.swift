import VisionModelAPI
import VisionNN
import VisionTensor

/// `defectnet`: a small CNN for defect detection on gray or colour part images: `stages` ×
/// (conv 3×3 + BN + ReLU + max-pool 2), channel widths doubling from `width`, global average
/// pool, linear.
public struct DefectNetModel: ConfigurableModelPlugin {
    public struct Configuration: StrictDecodable, Codable, Sendable {
        /// Conv + BN + ReLU + max-pool stages; each halves the input.
        public var stages: Int = 4
        /// Channels of the first stage; each stage doubles them.
        public var width: Int = 16

        enum CodingKeys: String, CodingKey, CaseIterable { case stages, width }
        public static let allowedKeys = CodingKeys.allCases.map(\.stringValue)

        public init(stages: Int = 4, width: Int = 16) {
            self.stages = stages
            self.width = width
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            stages = try container.decodeIfPresent(Int.self, forKey: .stages) ?? stages
            width = try container.decodeIfPresent(Int.self, forKey: .width) ?? width
        }
    }

    public init() {}

    public let name = "defectnet"
    public let summary = "Small CNN for defect detection: `stages` × (conv 3×3, BN, ReLU, max-pool), widths doubling from `width`."
    public let defaultPreprocessing = Preprocessing.gray(size: 64)

    public func validate(_ configuration: Configuration) throws {
        try ConfigurationLimits.value(configuration.stages, in: 1...8, key: "stages", owner: owner)
        try ConfigurationLimits.value(configuration.width, in: 1...256, key: "width", owner: owner)
        // Channels double per stage: keep the last stage within reason.
        try ConfigurationLimits.value(configuration.width << (configuration.stages - 1), in: 1...4096, key: "width", owner: owner)
    }

    public func minimumInputSize(for configuration: Configuration) -> InputSize { InputSize(1 << configuration.stages) }

    public func build(
        classes: Int, inputChannels: Int, inputSize: InputSize, configuration: Configuration, generator: inout SeededGenerator
    ) throws -> ClassifierModel {
        DefectNet(
            stages: configuration.stages, width: configuration.width, inputChannels: inputChannels, inputSize: inputSize,
            classes: classes, generator: &generator)
    }
}

/// The network: `stages`, then `classifier` as the head.
final class DefectNet: ClassifierModel {
    let stages: Sequential

    init(stages count: Int, width: Int, inputChannels: Int, inputSize: InputSize, classes: Int, generator: inout SeededGenerator) {
        var layers: [Module] = []
        var channels = inputChannels
        for index in 0..<max(count, 1) {
            let out = width << index
            layers.append(ConvBNReLUPool(channels, out, generator: &generator))
            channels = out
        }
        stages = Sequential(layers)
        super.init(
            inputChannels: inputChannels, inputSize: inputSize, featureCount: channels, classes: classes, headName: "classifier",
            generator: &generator)
    }

    override var featureChildren: [(name: String, module: Module)] { [("stages", stages)] }

    override func featureMaps(_ x: Tensor) throws -> Tensor { try stages(x) }

    override func features(_ x: Tensor) throws -> Tensor { try features(fromMaps: featureMaps(x)) }

    override func features(fromMaps maps: Tensor) throws -> Tensor { try flatten(globalAvgPool2d(maps)) }
}

/// conv 3×3 (no bias) → BN → ReLU → max-pool 2.
final class ConvBNReLUPool: Module {
    let conv: Conv2d, bn: BatchNorm2d

    init(_ inputChannels: Int, _ outputChannels: Int, generator: inout SeededGenerator) {
        conv = Conv2d(inputChannels, outputChannels, kernel: 3, padding: 1, bias: false, initializer: .kaimingNormal, generator: &generator)
        bn = BatchNorm2d(outputChannels)
    }

    override var children: [(name: String, module: Module)] { [("conv", conv), ("bn", bn)] }

    override func forward(_ x: Tensor) throws -> Tensor {
        try maxPool2d(convBatchNorm(x, conv, bn, relu: true), kernel: (2, 2))
    }
}
