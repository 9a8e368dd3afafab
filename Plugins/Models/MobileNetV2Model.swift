import Foundation
import VisionModelAPI
import VisionNN
import VisionTensor

/// `mobilenetv2`: Sandler et al.'s MobileNetV2 with torchvision's layout and parameter names
/// (`features.N…`, `classifier.1`): inverted residuals with depthwise 3×3 convolutions (groups
/// = channels), ReLU6, linear bottlenecks; a width multiplier scales every layer.
public struct MobileNetV2Model: ConfigurableModelPlugin {
    public struct Configuration: StrictDecodable, Codable, Sendable {
        /// Scales channel counts (rounded to multiples of 8), as torchvision's `width_mult`.
        public var widthMultiplier: Double = 1
        /// Dropout before the final linear layer.
        public var dropout: Double = 0.2

        enum CodingKeys: String, CodingKey, CaseIterable {
            case widthMultiplier = "width_multiplier"
            case dropout
        }
        public static let allowedKeys = CodingKeys.allCases.map(\.stringValue)

        public init(widthMultiplier: Double = 1, dropout: Double = 0.2) {
            self.widthMultiplier = widthMultiplier
            self.dropout = dropout
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            widthMultiplier = try container.decodeIfPresent(Double.self, forKey: .widthMultiplier) ?? widthMultiplier
            dropout = try container.decodeIfPresent(Double.self, forKey: .dropout) ?? dropout
        }
    }

    public init() {}

    public let name = "mobilenetv2"
    public let summary = "MobileNetV2 (torchvision layout): inverted residuals, depthwise convs, ReLU6; width multiplier."
    public let defaultPreprocessing = Preprocessing.imageNet()

    public func validate(_ configuration: Configuration) throws {
        try ConfigurationLimits.value(configuration.widthMultiplier, in: 0.1...4, key: "width_multiplier", owner: owner)
        try ConfigurationLimits.value(configuration.dropout, in: 0...0.99, key: "dropout", owner: owner)
    }

    public func minimumInputSize(for configuration: Configuration) -> InputSize { InputSize(32) }

    public func build(
        classes: Int, inputChannels: Int, inputSize: InputSize, configuration: Configuration, generator: inout SeededGenerator
    ) throws -> ClassifierModel {
        MobileNetV2(
            widthMultiplier: configuration.widthMultiplier, dropout: Float(configuration.dropout), inputChannels: inputChannels,
            inputSize: inputSize, classes: classes, generator: &generator)
    }

    /// torchvision's `_make_divisible`: the nearest multiple of `divisor`, never below 90% of `value`.
    static func makeDivisible(_ value: Double, _ divisor: Int = 8) -> Int {
        var rounded = max(divisor, Int(value + Double(divisor) / 2) / divisor * divisor)
        if Double(rounded) < 0.9 * value { rounded += divisor }
        return rounded
    }
}

/// The network: `features` (stem, 17 inverted residuals, 1×1 conv to 1280), global average
/// pool, `classifier` = dropout + linear.
final class MobileNetV2: ClassifierModel {
    let body: Sequential

    /// (expansion t, channels c, repeats n, first stride s), from the paper's Table 2.
    static let settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]

    init(
        widthMultiplier: Double, dropout: Float, inputChannels: Int, inputSize: InputSize, classes: Int,
        generator: inout SeededGenerator
    ) {
        var channels = MobileNetV2Model.makeDivisible(32 * widthMultiplier)
        let lastChannels = MobileNetV2Model.makeDivisible(1280 * max(1, widthMultiplier))
        var layers: [Module] = [convBNReLU6(inputChannels, channels, kernel: 3, stride: 2, generator: &generator)]
        for (expansion, width, repeats, firstStride) in Self.settings {
            let out = MobileNetV2Model.makeDivisible(Double(width) * widthMultiplier)
            for index in 0..<repeats {
                layers.append(
                    InvertedResidual(channels, out, stride: index == 0 ? firstStride : 1, expansion: expansion, generator: &generator))
                channels = out
            }
        }
        layers.append(convBNReLU6(channels, lastChannels, kernel: 1, generator: &generator))
        body = Sequential(layers)
        super.init(
            inputChannels: inputChannels, inputSize: inputSize, featureCount: lastChannels, classes: classes,
            headName: "classifier", generator: &generator
        ) { features, classes, generator in
            Sequential([Dropout(dropout, seed: generator.next()), Linear(features, classes, generator: &generator)])
        }
    }

    override var featureChildren: [(name: String, module: Module)] { [("features", body)] }

    override func featureMaps(_ x: Tensor) throws -> Tensor { try body(x) }

    override func features(_ x: Tensor) throws -> Tensor { try features(fromMaps: featureMaps(x)) }

    override func features(fromMaps maps: Tensor) throws -> Tensor { try flatten(globalAvgPool2d(maps)) }
}

/// torchvision's `Conv2dNormActivation`: conv (no bias) → BN → ReLU6, padding (k−1)/2.
func convBNReLU6(
    _ input: Int, _ output: Int, kernel: Int, stride: Int = 1, groups: Int = 1, generator: inout SeededGenerator
) -> Sequential {
    Sequential([
        Conv2d(
            input, output, kernel: kernel, stride: stride, padding: (kernel - 1) / 2, groups: groups, bias: false,
            initializer: .kaimingNormal, generator: &generator),
        BatchNorm2d(output),
        ActivationLayer(.relu6),
    ])
}

/// Expand (1×1, ReLU6; skipped when t = 1) → depthwise 3×3 (ReLU6) → project (1×1, no
/// activation); adds the input when the shape is kept. Children `conv.N` as in torchvision.
final class InvertedResidual: Module {
    let conv: Sequential
    let useResidual: Bool

    init(_ input: Int, _ output: Int, stride: Int, expansion: Int, generator: inout SeededGenerator) {
        let hidden = Int((Double(input) * Double(expansion)).rounded())
        var layers: [Module] = []
        if expansion != 1 { layers.append(convBNReLU6(input, hidden, kernel: 1, generator: &generator)) }
        layers.append(convBNReLU6(hidden, hidden, kernel: 3, stride: stride, groups: hidden, generator: &generator))
        layers.append(Conv2d(hidden, output, kernel: 1, bias: false, initializer: .kaimingNormal, generator: &generator))
        layers.append(BatchNorm2d(output))
        conv = Sequential(layers)
        useResidual = stride == 1 && input == output
    }

    override var children: [(name: String, module: Module)] { [("conv", conv)] }

    override func forward(_ x: Tensor) throws -> Tensor {
        let out = try conv(x)
        return useResidual ? try add(x, out) : out
    }
}
