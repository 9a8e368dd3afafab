import VisionModelAPI
import VisionNN
import VisionTensor

/// `resnet18`, `resnet34`: ImageNet-style ResNets with torchvision's parameter names (`conv1`,
/// `bn1`, `layer1.0.conv1`, `layer2.0.downsample.0`, …, `fc`): stem conv 7×7/2 + max-pool 3/2,
/// four stages of basic blocks with 1×1 conv + BN projection shortcuts, adaptive average pool.
public struct ResNetModel: ConfigurableModelPlugin {
    public struct Configuration: StrictDecodable, Codable, Sendable {
        /// Channels of the first stage (64 in the paper); stages double it.
        public var width: Int = 64
        /// Start each block's last BN at zero, so blocks begin as identities (Goyal et al.).
        public var zeroInitResidual: Bool = false

        enum CodingKeys: String, CodingKey, CaseIterable {
            case width
            case zeroInitResidual = "zero_init_residual"
        }
        public static let allowedKeys = CodingKeys.allCases.map(\.stringValue)

        public init() {}

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            width = try container.decodeIfPresent(Int.self, forKey: .width) ?? width
            zeroInitResidual = try container.decodeIfPresent(Bool.self, forKey: .zeroInitResidual) ?? zeroInitResidual
        }
    }

    public let depth: Int

    /// Blocks per stage for the supported depths.
    static let stageBlocks: [Int: [Int]] = [18: [2, 2, 2, 2], 34: [3, 4, 6, 3]]

    /// `depth` 18 or 34.
    public init(depth: Int) { self.depth = depth }

    public var name: String { "resnet\(depth)" }
    public var summary: String { "ResNet-\(depth) (torchvision layout): 7×7 stem, 4 stages of basic blocks, any input ≥ 32×32." }
    public var defaultPreprocessing: Preprocessing { .imageNet() }

    public func validate(_ configuration: Configuration) throws {
        try ConfigurationLimits.value(configuration.width, in: 1...512, key: "width", owner: owner)
    }

    public func minimumInputSize(for configuration: Configuration) -> InputSize { InputSize(32) }

    public func build(
        classes: Int, inputChannels: Int, inputSize: InputSize, configuration: Configuration, generator: inout SeededGenerator
    ) throws -> ClassifierModel {
        guard let blocks = Self.stageBlocks[depth] else {
            throw ModelError.buildFailed(model: name, detail: "expected depth 18 or 34, got \(depth)")
        }
        return ResNet(
            blocks: blocks, width: configuration.width, zeroInitResidual: configuration.zeroInitResidual,
            inputChannels: inputChannels, inputSize: inputSize, classes: classes, generator: &generator)
    }
}

/// The torchvision ResNet with basic blocks.
final class ResNet: ClassifierModel {
    let conv1: Conv2d, bn1: BatchNorm2d, relu = ActivationLayer(.relu), maxpool = MaxPool2d(kernel: 3, stride: 2, padding: 1)
    let stages: [Sequential]
    let avgpool = AdaptiveAvgPool2d((1, 1))

    init(
        blocks: [Int], width: Int, zeroInitResidual: Bool, inputChannels: Int, inputSize: InputSize, classes: Int,
        generator: inout SeededGenerator
    ) {
        conv1 = Conv2d(inputChannels, width, kernel: 7, stride: 2, padding: 3, bias: false, initializer: .kaimingNormal, generator: &generator)
        bn1 = BatchNorm2d(width)
        var inPlanes = width
        var stages: [Sequential] = []
        for (index, count) in blocks.enumerated() {
            let planes = width << index
            var layers: [Module] = []
            for block in 0..<count {
                let stride = index > 0 && block == 0 ? 2 : 1
                layers.append(ResNetBasicBlock(inPlanes, planes, stride: stride, zeroInitResidual: zeroInitResidual, generator: &generator))
                inPlanes = planes
            }
            stages.append(Sequential(layers))
        }
        self.stages = stages
        super.init(
            inputChannels: inputChannels, inputSize: inputSize, featureCount: inPlanes, classes: classes, headName: "fc",
            generator: &generator)
    }

    override var featureChildren: [(name: String, module: Module)] {
        [("conv1", conv1), ("bn1", bn1), ("relu", relu), ("maxpool", maxpool)]
            + stages.enumerated().map { ("layer\($0.offset + 1)", $0.element) } + [("avgpool", avgpool)]
    }
}

/// Two 3×3 conv + BN layers; the shortcut is the identity or `downsample` (1×1 conv + BN).
final class ResNetBasicBlock: Module {
    let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d
    let downsample: Sequential?

    init(_ inPlanes: Int, _ planes: Int, stride: Int, zeroInitResidual: Bool, generator: inout SeededGenerator) {
        conv1 = Conv2d(inPlanes, planes, kernel: 3, stride: stride, padding: 1, bias: false, initializer: .kaimingNormal, generator: &generator)
        bn1 = BatchNorm2d(planes)
        conv2 = Conv2d(planes, planes, kernel: 3, padding: 1, bias: false, initializer: .kaimingNormal, generator: &generator)
        bn2 = BatchNorm2d(planes)
        if zeroInitResidual { bn2.weight.pointer.update(repeating: 0, count: planes) }
        downsample = stride != 1 || inPlanes != planes
            ? Sequential([
                Conv2d(inPlanes, planes, kernel: 1, stride: stride, bias: false, initializer: .kaimingNormal, generator: &generator),
                BatchNorm2d(planes),
            ])
            : nil
    }

    override var children: [(name: String, module: Module)] {
        [("conv1", conv1), ("bn1", bn1), ("conv2", conv2), ("bn2", bn2)] + (downsample.map { [("downsample", $0)] } ?? [])
    }

    override func forward(_ x: Tensor) throws -> Tensor {
        let out = try bn2(conv2(relu(bn1(conv1(x)))))
        return relu(try add(out, downsample.map { try $0(x) } ?? x))
    }
}
