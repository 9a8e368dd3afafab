import VisionModelAPI
import VisionNN
import VisionPluginAPI
import VisionTensor

/// A classifier defined by a model file: its layers in order, named `0`, `1`, … as in
/// PyTorch's `nn.Sequential`; the last one (a linear layer to `num_classes`) is the head.
public final class YAMLClassifier: ClassifierModel {
    public let layers: [Module]

    init(
        layers: [Module], inputChannels: Int, inputSize: InputSize, featureCount: Int, classes: Int, headBias: Bool,
        generator: inout SeededGenerator
    ) {
        self.layers = layers
        super.init(
            inputChannels: inputChannels, inputSize: inputSize, featureCount: featureCount, classes: classes,
            headName: String(layers.count), generator: &generator
        ) { features, classes, generator in
            Linear(features, classes, bias: headBias, generator: &generator)
        }
    }

    override public var featureChildren: [(name: String, module: Module)] {
        layers.enumerated().map { (String($0.offset), $0.element) }
    }
}
