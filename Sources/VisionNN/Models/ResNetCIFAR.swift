import VisionTensor

/// CIFAR ResNet (He et al. 2016, §4.2) with parameter-free "option A" shortcuts; depth 6n + 2
/// (20, 32, 44, 56, …). Names match akamaster/pytorch_resnet_cifar10 and the golden model.
/// Weights start from PyTorch's default initialisation: with batch norm after every conv,
/// Kaiming-normal's 2.5× larger weights shrink the effective learning rate about sixfold, and
/// short schedules (30 epochs) learn visibly slower.
public final class ResNetCIFAR: Module {
    public let conv1: Conv2d, bn1: BatchNorm2d
    public let layer1: Sequential, layer2: Sequential, layer3: Sequential
    public private(set) var linear: Linear

    public init(depth: Int = 20, inputChannels: Int = 3, classes: Int = 10, generator: inout SeededGenerator) {
        let blocks = max((depth - 2) / 6, 1)
        conv1 = Conv2d(inputChannels, 16, kernel: 3, padding: 1, bias: false, generator: &generator)
        bn1 = BatchNorm2d(16)
        var inPlanes = 16
        func stage(_ planes: Int, _ stride: Int) -> Sequential {
            var layers: [Module] = []
            for index in 0..<blocks {
                layers.append(BasicBlock(inPlanes, planes, stride: index == 0 ? stride : 1, generator: &generator))
                inPlanes = planes
            }
            return Sequential(layers)
        }
        layer1 = stage(16, 1)
        layer2 = stage(32, 2)
        layer3 = stage(64, 2)
        linear = Linear(64, classes, generator: &generator)
    }

    override public var children: [(name: String, module: Module)] {
        [("conv1", conv1), ("bn1", bn1), ("layer1", layer1), ("layer2", layer2), ("layer3", layer3), ("linear", linear)]
    }

    /// Everything before the classifier: [N, 64] features.
    public func features(_ x: Tensor) throws -> Tensor {
        var y = try convBatchNorm(x, conv1, bn1, relu: true)
        y = try layer3(layer2(layer1(y)))
        return try flatten(globalAvgPool2d(y))
    }

    override public func forward(_ x: Tensor) throws -> Tensor { try linear(features(x)) }

    public func replaceHead(classes: Int, generator: inout SeededGenerator) {
        linear = Linear(64, classes, generator: &generator)
    }
}

/// Two 3×3 conv + BN layers with an identity or option-A shortcut.
public final class BasicBlock: Module {
    public let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d
    let stride: Int
    let padChannels: Int

    public init(_ inPlanes: Int, _ planes: Int, stride: Int, generator: inout SeededGenerator) {
        conv1 = Conv2d(inPlanes, planes, kernel: 3, stride: stride, padding: 1, bias: false, generator: &generator)
        bn1 = BatchNorm2d(planes)
        conv2 = Conv2d(planes, planes, kernel: 3, padding: 1, bias: false, generator: &generator)
        bn2 = BatchNorm2d(planes)
        self.stride = stride
        padChannels = stride != 1 || inPlanes != planes ? planes / 4 : 0
    }

    override public var children: [(name: String, module: Module)] {
        [("conv1", conv1), ("bn1", bn1), ("conv2", conv2), ("bn2", bn2)]
    }

    override public func forward(_ x: Tensor) throws -> Tensor {
        let shortcut = stride != 1 || padChannels != 0
            ? try subsampleAndPadChannels(x, stride: stride, padBefore: padChannels, padAfter: padChannels)
            : x
        return try convBatchNorm(convBatchNorm(x, conv1, bn1, relu: true), conv2, bn2, adding: shortcut, relu: true)
    }
}
