import VisionModelAPI
import VisionNN
import VisionTensor

/// `mlp`: flattened pixels through fully connected hidden layers.
public struct MLPModel: ConfigurableModelPlugin {
    public struct Configuration: StrictDecodable, Codable, Sendable {
        /// Widths of the hidden layers, input side first.
        public var hidden: [Int] = [256, 128]
        /// `relu`, `gelu`, `silu` or `tanh`.
        public var activation: ActivationChoice = .relu
        /// Dropout after each hidden activation (0 = none).
        public var dropout: Double = 0

        enum CodingKeys: String, CodingKey, CaseIterable { case hidden, activation, dropout }
        public static let allowedKeys = CodingKeys.allCases.map(\.stringValue)

        public init() {}

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            hidden = try container.decodeIfPresent([Int].self, forKey: .hidden) ?? hidden
            activation = try StrictDecoder.decodeChoice(ActivationChoice.self, from: container, forKey: .activation) ?? activation
            dropout = try container.decodeIfPresent(Double.self, forKey: .dropout) ?? dropout
        }
    }

    /// The hidden activations an MLP may use.
    public enum ActivationChoice: String, Codable, CaseIterable, Sendable {
        case relu, gelu, silu, tanh

        var activation: Activation {
            switch self {
            case .relu: return .relu
            case .gelu: return .gelu
            case .silu: return .silu
            case .tanh: return .tanh
            }
        }
    }

    public init() {}

    public let name = "mlp"
    public let summary = "Multilayer perceptron on the pixels (hidden: [256, 128] by default)."
    public let defaultPreprocessing = Preprocessing.gray(size: 28)

    public func validate(_ configuration: Configuration) throws {
        guard !configuration.hidden.isEmpty, configuration.hidden.allSatisfy({ (1...65_536).contains($0) }) else {
            throw ConfigurationError.invalidValue(
                owner: owner, key: "hidden", expected: "a non-empty list of widths in 1...65536",
                found: "\(configuration.hidden)")
        }
        try ConfigurationLimits.value(configuration.dropout, in: 0...0.99, key: "dropout", owner: owner)
    }

    public func minimumInputSize(for configuration: Configuration) -> InputSize { InputSize(1) }

    /// Every pixel feeds the first layer: its weights grow with the input.
    public func maximumInputSize(for configuration: Configuration) -> InputSize { InputSize(256) }

    public func build(
        classes: Int, inputChannels: Int, inputSize: InputSize, configuration: Configuration, generator: inout SeededGenerator
    ) throws -> ClassifierModel {
        var layers: [Module] = []
        var width = inputChannels * inputSize.height * inputSize.width
        for next in configuration.hidden {
            layers.append(Linear(width, next, generator: &generator))
            layers.append(ActivationLayer(configuration.activation.activation))
            if configuration.dropout > 0 { layers.append(Dropout(Float(configuration.dropout), seed: generator.next())) }
            width = next
        }
        return PixelClassifier(
            hidden: Sequential(layers), inputChannels: inputChannels, inputSize: inputSize, featureCount: width, classes: classes,
            generator: &generator)
    }
}
