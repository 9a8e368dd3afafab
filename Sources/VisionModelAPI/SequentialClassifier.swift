import VisionNN
import VisionPluginAPI
import VisionTensor

/// The simplest classifier: a `Sequential` feature extractor named `features` (ending in a
/// pooling or flatten, or flattened after it), then a head. The feature width is inferred from
/// the input shape, so a plugin only lists its layers.
public final class SequentialClassifier: ClassifierModel {
    /// The feature extractor: parameter names `features.0.weight`, …
    public let body: Sequential

    /// Infers the feature width by running `features` once on `[1, inputChannels, H, W]` (a counting pass);
    /// throws the shape error when the layers do not fit the input (`ModelRegistry.make` names the plugin).
    public init(
        features: Sequential, inputChannels: Int, inputSize: InputSize, classes: Int, headName: String = "fc",
        generator: inout SeededGenerator, makeHead: @escaping HeadFactory = ClassifierModel.linearHead
    ) throws {
        let shape = try ModelComplexity.outputShape(features, input: [1, inputChannels, inputSize.height, inputSize.width])
        body = features
        super.init(
            inputChannels: inputChannels, inputSize: inputSize, featureCount: shape.dropFirst().reduce(1, *), classes: classes,
            headName: headName, generator: &generator, makeHead: makeHead)
    }

    override public var featureChildren: [(name: String, module: Module)] { [("features", body)] }
}
