import VisionModelAPI
import VisionNN
import VisionTensor

/// `resnet20`, `resnet32`, `resnet44`, `resnet56`: He et al.'s CIFAR ResNets (3 stages of
/// 16/32/64 channels, option-A shortcuts), wrapping VisionNN's `ResNetCIFAR`.
public struct ResNetCIFARModel: ConfigurableModelPlugin {
    /// Takes no keys: the depth is in the name.
    public struct Configuration: StrictDecodable, Codable, Sendable {
        public static let allowedKeys: [String] = []
        public init() {}
    }

    /// 6n + 2.
    public let depth: Int

    public init(depth: Int) { self.depth = depth }

    public var name: String { "resnet\(depth)" }
    public var summary: String {
        "CIFAR ResNet-\(depth): 3 stages × \((depth - 2) / 6) basic blocks (16/32/64 channels), parameter-free shortcuts."
    }
    public var defaultPreprocessing: Preprocessing { .cifar }

    public func minimumInputSize(for configuration: Configuration) -> InputSize { InputSize(4) }

    public func build(
        classes: Int, inputChannels: Int, inputSize: InputSize, configuration: Configuration, generator: inout SeededGenerator
    ) throws -> ClassifierModel {
        let net = ResNetCIFAR(depth: depth, inputChannels: inputChannels, classes: classes, generator: &generator)
        return ResNetCIFARClassifier(net, inputChannels: inputChannels, inputSize: inputSize, classes: classes, generator: &generator)
    }
}

/// ResNetCIFAR's layers with `linear` as the head (names as akamaster/pytorch_resnet_cifar10).
final class ResNetCIFARClassifier: ClassifierModel {
    let net: ResNetCIFAR

    init(_ net: ResNetCIFAR, inputChannels: Int, inputSize: InputSize, classes: Int, generator: inout SeededGenerator) {
        self.net = net
        super.init(
            inputChannels: inputChannels, inputSize: inputSize, featureCount: 64, classes: classes, headName: "linear",
            initialHead: net.linear, generator: &generator
        ) { features, classes, generator in
            Linear(features, classes, initializer: .kaimingNormal, generator: &generator)
        }
    }

    override var featureChildren: [(name: String, module: Module)] {
        [("conv1", net.conv1), ("bn1", net.bn1), ("layer1", net.layer1), ("layer2", net.layer2), ("layer3", net.layer3)]
    }

    override func features(_ x: Tensor) throws -> Tensor { try net.features(x) }

    override func featureShape(for input: [Int], macs: inout Int) throws -> [Int] {
        // Blocks are their convolutions in order: option-A shortcuts have no weights.
        var shape = input
        for child in featureChildren { shape = try ModelComplexity.propagate(child.module, shape, macs: &macs) }
        return [shape[0], shape[1]]
    }
}
