import VisionModelAPI
import VisionNN
import VisionTensor

/// `defectnet`: VisionNN's DefectNet, a small CNN for defect detection, depth and width configurable.
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
        let net = DefectNet(
            inputChannels: inputChannels, classes: classes, stageCount: configuration.stages, width: configuration.width,
            generator: &generator)
        return DefectNetClassifier(net, inputChannels: inputChannels, inputSize: inputSize, classes: classes, generator: &generator)
    }
}

/// DefectNet's stages with `classifier` as the head.
final class DefectNetClassifier: ClassifierModel {
    let stages: Sequential

    init(_ net: DefectNet, inputChannels: Int, inputSize: InputSize, classes: Int, generator: inout SeededGenerator) {
        stages = net.stages
        super.init(
            inputChannels: inputChannels, inputSize: inputSize, featureCount: net.featureCount, classes: classes,
            headName: "classifier", initialHead: net.classifier, generator: &generator)
    }

    override var featureChildren: [(name: String, module: Module)] { [("stages", stages)] }

    override func features(_ x: Tensor) throws -> Tensor { try flatten(globalAvgPool2d(stages(x))) }

    override func featureShape(for input: [Int], macs: inout Int) throws -> [Int] {
        var shape = input
        for stage in stages.layers {
            guard let block = stage as? ConvBNReLUPool else { continue }
            shape = try ModelComplexity.propagate(block.conv, shape, macs: &macs)
            shape = try ModelComplexity.poolingShape(shape, kernel: (2, 2), stride: (2, 2), padding: (0, 0), op: "maxpool2d")
        }
        return [shape[0], shape[1]]
    }
}
