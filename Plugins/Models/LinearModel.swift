import VisionModelAPI
import VisionNN
import VisionTensor

/// `linear`: logistic regression on the pixels, the baseline every other model must beat.
public struct LinearModel: ConfigurableModelPlugin {
    /// Takes no keys.
    public struct Configuration: StrictDecodable, Codable, Sendable {
        public static let allowedKeys: [String] = []
        public init() {}
    }

    public init() {}

    public let name = "linear"
    public let summary = "Logistic regression on the pixels (one linear layer): the baseline to beat."
    public let defaultPreprocessing = Preprocessing.gray(size: 28)

    public func minimumInputSize(for configuration: Configuration) -> InputSize { InputSize(1) }

    /// Every pixel feeds the first layer: its weights grow with the input.
    public func maximumInputSize(for configuration: Configuration) -> InputSize { InputSize(256) }

    public func build(
        classes: Int, inputChannels: Int, inputSize: InputSize, configuration: Configuration, generator: inout SeededGenerator
    ) throws -> ClassifierModel {
        PixelClassifier(
            hidden: nil, inputChannels: inputChannels, inputSize: inputSize, featureCount: inputChannels * inputSize.height * inputSize.width,
            classes: classes, generator: &generator)
    }
}

/// Flattened pixels, optionally through hidden layers, then a linear head `fc`.
final class PixelClassifier: ClassifierModel {
    let hidden: Sequential?

    init(
        hidden: Sequential?, inputChannels: Int, inputSize: InputSize, featureCount: Int, classes: Int,
        generator: inout SeededGenerator
    ) {
        self.hidden = hidden
        super.init(
            inputChannels: inputChannels, inputSize: inputSize, featureCount: featureCount, classes: classes, generator: &generator)
    }

    override var featureChildren: [(name: String, module: Module)] { hidden.map { [("hidden", $0)] } ?? [] }

    override func features(_ x: Tensor) throws -> Tensor {
        let pixels = try flatten(x)
        return try hidden.map { try $0(pixels) } ?? pixels
    }

    /// Pixels go straight to linear layers: there are no feature maps.
    override func featureMaps(_ x: Tensor) throws -> Tensor { throw ModelError.noFeatureMaps(model: pluginName) }
}
