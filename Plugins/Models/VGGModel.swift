import VisionModelAPI
import VisionNN
import VisionTensor

/// `vgg`: a configurable VGG-style net: 3×3 convolutions (+ BN) + ReLU with max-pools where the
/// configuration says "M", then global average pooling and `classifier` = dropout + linear.
/// Feature names follow torchvision's `features.N`.
public struct VGGModel: ConfigurableModelPlugin {
    /// One entry of the `layers` list: a 3×3 convolution's width, or "M" for a 2×2 max-pool.
    public enum Item: Codable, Sendable, Equatable {
        case conv(Int)
        case pool

        public init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let width = try? container.decode(Int.self) {
                self = .conv(width)
            } else if let text = try? container.decode(String.self), text == "M" {
                self = .pool
            } else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected a channel count or \"M\" (max-pool)")
            }
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .conv(let width): try container.encode(width)
            case .pool: try container.encode("M")
            }
        }
    }

    public struct Configuration: StrictDecodable, Codable, Sendable {
        /// Channel widths and "M"s, input side first. Default: VGG-11's pattern at CIFAR width.
        public var layers: [Item] = [.conv(64), .pool, .conv(128), .pool, .conv(256), .conv(256), .pool, .conv(512), .conv(512), .pool]
        /// Batch norm after each convolution.
        public var batchNorm: Bool = true
        /// Dropout before the final linear layer.
        public var dropout: Double = 0

        enum CodingKeys: String, CodingKey, CaseIterable {
            case layers
            case batchNorm = "batch_norm"
            case dropout
        }
        public static let allowedKeys = CodingKeys.allCases.map(\.stringValue)

        public init() {}

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            layers = try container.decodeIfPresent([Item].self, forKey: .layers) ?? layers
            batchNorm = try container.decodeIfPresent(Bool.self, forKey: .batchNorm) ?? batchNorm
            dropout = try container.decodeIfPresent(Double.self, forKey: .dropout) ?? dropout
        }
    }

    public init() {}

    public let name = "vgg"
    public let summary = "VGG-style CNN from a list of widths and \"M\" (max-pool); BN, global average pool, linear."
    public let defaultPreprocessing = Preprocessing.cifar

    public func validate(_ configuration: Configuration) throws {
        let widths = configuration.layers.compactMap { if case .conv(let width) = $0 { width } else { nil } }
        guard !widths.isEmpty, widths.allSatisfy({ (1...4096).contains($0) }) else {
            throw ConfigurationError.invalidValue(
                owner: owner, key: "layers", expected: "at least one channel width in 1...4096 (and \"M\" for max-pools)",
                found: "\(widths.count) widths")
        }
        try ConfigurationLimits.value(configuration.dropout, in: 0...0.99, key: "dropout", owner: owner)
    }

    public func minimumInputSize(for configuration: Configuration) -> InputSize {
        InputSize(1 << min(configuration.layers.filter { $0 == .pool }.count, 16))
    }

    public func build(
        classes: Int, inputChannels: Int, inputSize: InputSize, configuration: Configuration, generator: inout SeededGenerator
    ) throws -> ClassifierModel {
        var layers: [Module] = []
        var channels = inputChannels
        for item in configuration.layers {
            switch item {
            case .pool:
                layers.append(MaxPool2d(kernel: 2))
            case .conv(let width):
                layers.append(
                    Conv2d(
                        channels, width, kernel: 3, padding: 1, bias: !configuration.batchNorm, initializer: .kaimingNormal,
                        generator: &generator))
                if configuration.batchNorm { layers.append(BatchNorm2d(width)) }
                layers.append(ActivationLayer(.relu))
                channels = width
            }
        }
        layers.append(AdaptiveAvgPool2d((1, 1)))
        let dropout = Float(configuration.dropout)
        return try SequentialClassifier(
            features: Sequential(layers), inputChannels: inputChannels, inputSize: inputSize, classes: classes,
            headName: "classifier", generator: &generator
        ) { features, classes, generator in
            Sequential([Dropout(dropout, seed: generator.next()), Linear(features, classes, generator: &generator)])
        }
    }
}
