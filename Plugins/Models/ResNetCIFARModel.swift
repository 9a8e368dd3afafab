import VisionModelAPI
import VisionNN
import VisionTensor

/// `resnet20`, `resnet32`, `resnet44`, `resnet56`: He et al.'s CIFAR ResNets (2016, §4.2):
/// 3 stages of 16/32/64 channels, parameter-free "option A" shortcuts, depth 6n + 2. Names match
/// akamaster/pytorch_resnet_cifar10 and the golden model.
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
        ResNetCIFAR(depth: depth, inputChannels: inputChannels, inputSize: inputSize, classes: classes, generator: &generator)
    }
}

/// The network, with `linear` as the head. Weights start from PyTorch's default initialisation:
/// with batch norm after every conv, Kaiming-normal's 2.5× larger weights shrink the effective
/// learning rate about sixfold, and short schedules (30 epochs) learn visibly slower.
final class ResNetCIFAR: ClassifierModel {
    let conv1: Conv2d, bn1: BatchNorm2d
    let layer1: Sequential, layer2: Sequential, layer3: Sequential

    init(depth: Int, inputChannels: Int, inputSize: InputSize, classes: Int, generator: inout SeededGenerator) {
        let blocks = max((depth - 2) / 6, 1)
        conv1 = Conv2d(inputChannels, 16, kernel: 3, padding: 1, bias: false, generator: &generator)
        bn1 = BatchNorm2d(16)
        var inPlanes = 16
        func stage(_ planes: Int, _ stride: Int) -> Sequential {
            var layers: [Module] = []
            for index in 0..<blocks {
                layers.append(CIFARBasicBlock(inPlanes, planes, stride: index == 0 ? stride : 1, generator: &generator))
                inPlanes = planes
            }
            return Sequential(layers)
        }
        layer1 = stage(16, 1)
        layer2 = stage(32, 2)
        layer3 = stage(64, 2)
        let head = Linear(64, classes, generator: &generator)
        super.init(
            inputChannels: inputChannels, inputSize: inputSize, featureCount: 64, classes: classes, headName: "linear",
            initialHead: head, generator: &generator
        ) { features, classes, generator in
            // A replaced head (fine-tuning) starts as the paper's.
            Linear(features, classes, initializer: .kaimingNormal, generator: &generator)
        }
    }

    override var featureChildren: [(name: String, module: Module)] {
        [("conv1", conv1), ("bn1", bn1), ("layer1", layer1), ("layer2", layer2), ("layer3", layer3)]
    }

    override func featureMaps(_ x: Tensor) throws -> Tensor {
        try layer3(layer2(layer1(convBatchNorm(x, conv1, bn1, relu: true))))
    }

    override func features(_ x: Tensor) throws -> Tensor { try features(fromMaps: featureMaps(x)) }

    override func features(fromMaps maps: Tensor) throws -> Tensor { try flatten(globalAvgPool2d(maps)) }
}

/// Two 3×3 conv + BN layers with an identity or option-A shortcut (subsample, zero-pad channels).
final class CIFARBasicBlock: Module {
    let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d
    let stride: Int
    let padChannels: Int

    init(_ inPlanes: Int, _ planes: Int, stride: Int, generator: inout SeededGenerator) {
        conv1 = Conv2d(inPlanes, planes, kernel: 3, stride: stride, padding: 1, bias: false, generator: &generator)
        bn1 = BatchNorm2d(planes)
        conv2 = Conv2d(planes, planes, kernel: 3, padding: 1, bias: false, generator: &generator)
        bn2 = BatchNorm2d(planes)
        self.stride = stride
        padChannels = stride != 1 || inPlanes != planes ? planes / 4 : 0
    }

    override var children: [(name: String, module: Module)] { [("conv1", conv1), ("bn1", bn1), ("conv2", conv2), ("bn2", bn2)] }

    override func forward(_ x: Tensor) throws -> Tensor {
        let shortcut = stride != 1 || padChannels != 0
            ? try subsampleAndPadChannels(x, stride: stride, padBefore: padChannels, padAfter: padChannels)
            : x
        return try convBatchNorm(convBatchNorm(x, conv1, bn1, relu: true), conv2, bn2, adding: shortcut, relu: true)
    }
}
