import VisionModelAPI
import VisionNN
import VisionTensor

/// `tinycnn`: two conv → BN → ReLU → max-pool stages, global average pool, linear head.
public struct TinyCNNModel: ConfigurableModelPlugin {
    /// The configuration: every key optional, unknown keys rejected.
    public struct Configuration: StrictDecodable, Codable, Sendable {
        /// Channels of the first stage; the second has twice as many.
        public var width: Int = 8

        enum CodingKeys: String, CodingKey, CaseIterable { case width }
        public static let allowedKeys = CodingKeys.allCases.map(\.stringValue)

        public init() {}

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            width = try container.decodeIfPresent(Int.self, forKey: .width) ?? width
        }
    }

    public init() {}

    public let name = "tinycnn"
    public let summary = "Two conv-BN-ReLU-pool stages, global average pool, linear."
    public let defaultPreprocessing = Preprocessing.gray(size: 28)

    public func validate(_ configuration: Configuration) throws {
        try ConfigurationLimits.value(configuration.width, in: 1...256, key: "width", owner: owner)
    }

    /// Two 2×2 max-pools: 4×4 is the smallest input that leaves a pixel.
    public func minimumInputSize(for configuration: Configuration) -> InputSize { InputSize(4) }

    public func build(
        classes: Int, inputChannels: Int, inputSize: InputSize, configuration: Configuration,
        generator: inout SeededGenerator
    ) throws -> ClassifierModel {
        let width = configuration.width
        let features = Sequential([
            Conv2d(inputChannels, width, kernel: 3, padding: 1, bias: false, generator: &generator),
            BatchNorm2d(width),
            ActivationLayer(.relu),
            MaxPool2d(kernel: 2),
            Conv2d(width, 2 * width, kernel: 3, padding: 1, bias: false, generator: &generator),
            BatchNorm2d(2 * width),
            ActivationLayer(.relu),
            MaxPool2d(kernel: 2),
            AdaptiveAvgPool2d((1, 1)),
        ])
        // Parameter names: features.0.weight, features.1.weight, …, fc.weight, fc.bias.
        return try SequentialClassifier(
            features: features, inputChannels: inputChannels, inputSize: inputSize, classes: classes,
            generator: &generator)
    }
}
