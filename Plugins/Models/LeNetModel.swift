import VisionModelAPI
import VisionNN
import VisionTensor

/// `lenet`: VisionNN's LeNet (conv 32 → pool → conv 64 → pool → fc 128 → fc), any input ≥ 4×4.
public struct LeNetModel: ConfigurableModelPlugin {
    /// Takes no keys.
    public struct Configuration: StrictDecodable, Codable, Sendable {
        public static let allowedKeys: [String] = []
        public init() {}
    }

    public init() {}

    public let name = "lenet"
    public let summary = "LeNet-style CNN: two 3×3 conv + max-pool stages, fc 128, fc (MNIST-sized inputs)."
    public let defaultPreprocessing = Preprocessing.gray(size: 28)

    public func minimumInputSize(for configuration: Configuration) -> InputSize { InputSize(4) }

    public func build(
        classes: Int, inputChannels: Int, inputSize: InputSize, configuration: Configuration, generator: inout SeededGenerator
    ) throws -> ClassifierModel {
        // The same draws as VisionNN's LeNet, so a seed gives the golden model's weights.
        let net = LeNet(
            inputChannels: inputChannels, classes: classes, inputSize: (inputSize.height, inputSize.width), generator: &generator)
        return LeNetClassifier(net, inputChannels: inputChannels, inputSize: inputSize, classes: classes, generator: &generator)
    }
}

/// LeNet's layers with `fc2` as the head; names `conv1`, `conv2`, `fc1`, `fc2`.
final class LeNetClassifier: ClassifierModel {
    let conv1: Conv2d, conv2: Conv2d, fc1: Linear

    init(_ net: LeNet, inputChannels: Int, inputSize: InputSize, classes: Int, generator: inout SeededGenerator) {
        conv1 = net.conv1
        conv2 = net.conv2
        fc1 = net.fc1
        super.init(
            inputChannels: inputChannels, inputSize: inputSize, featureCount: net.fc1.outputFeatures, classes: classes,
            headName: "fc2", initialHead: net.fc2, generator: &generator)
    }

    override var featureChildren: [(name: String, module: Module)] { [("conv1", conv1), ("conv2", conv2), ("fc1", fc1)] }

    override func features(_ x: Tensor) throws -> Tensor {
        var y = try maxPool2d(relu(conv1(x)), kernel: (2, 2))
        y = try maxPool2d(relu(conv2(y)), kernel: (2, 2))
        return try relu(fc1(flatten(y)))
    }

    override func featureShape(for input: [Int], macs: inout Int) throws -> [Int] {
        var shape = try ModelComplexity.propagate(conv1, input, macs: &macs)
        shape = try ModelComplexity.poolingShape(shape, kernel: (2, 2), stride: (2, 2), padding: (0, 0), op: "maxpool2d")
        shape = try ModelComplexity.propagate(conv2, shape, macs: &macs)
        shape = try ModelComplexity.poolingShape(shape, kernel: (2, 2), stride: (2, 2), padding: (0, 0), op: "maxpool2d")
        return try ModelComplexity.propagate(fc1, shape, macs: &macs)
    }
}
