import VisionModelAPI
import VisionNN
import VisionTensor

/// `lenet`: conv 32 → pool → conv 64 → pool → fc 128 → fc, any input ≥ 4×4. Parameter names
/// match the golden PyTorch model (`conv1`, `conv2`, `fc1`, `fc2`).
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

    /// fc1 reads the flattened maps: 64·(H/4)·(W/4)·128 weights. 360×360 keeps it near 2²⁶.
    public func maximumInputSize(for configuration: Configuration) -> InputSize { InputSize(360) }

    public func build(
        classes: Int, inputChannels: Int, inputSize: InputSize, configuration: Configuration, generator: inout SeededGenerator
    ) throws -> ClassifierModel {
        LeNet(inputChannels: inputChannels, inputSize: inputSize, classes: classes, generator: &generator)
    }
}

/// The network: `fc2` is the head.
final class LeNet: ClassifierModel {
    let conv1: Conv2d, conv2: Conv2d, fc1: Linear

    init(inputChannels: Int, inputSize: InputSize, classes: Int, generator: inout SeededGenerator) {
        // Draw order conv1, conv2, fc1, fc2: PyTorch's, so a seed gives the same weights every time.
        conv1 = Conv2d(inputChannels, 32, kernel: 3, padding: 1, generator: &generator)
        conv2 = Conv2d(32, 64, kernel: 3, padding: 1, generator: &generator)
        fc1 = Linear(64 * (inputSize.height / 4) * (inputSize.width / 4), 128, generator: &generator)
        super.init(
            inputChannels: inputChannels, inputSize: inputSize, featureCount: 128, classes: classes, headName: "fc2",
            generator: &generator)
    }

    override var featureChildren: [(name: String, module: Module)] { [("conv1", conv1), ("conv2", conv2), ("fc1", fc1)] }

    override func featureMaps(_ x: Tensor) throws -> Tensor {
        try maxPool2d(relu(conv2(maxPool2d(relu(conv1(x)), kernel: (2, 2)))), kernel: (2, 2))
    }

    override func features(_ x: Tensor) throws -> Tensor { try features(fromMaps: featureMaps(x)) }

    override func features(fromMaps maps: Tensor) throws -> Tensor { try relu(fc1(flatten(maps))) }
}
