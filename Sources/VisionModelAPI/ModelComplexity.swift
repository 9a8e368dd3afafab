import VisionNN
import VisionPluginAPI
import VisionTensor

/// Size and cost of a model, measured by running it once: the counting pass of
/// `OperationCount` (convolutions and linear layers count their multiply-accumulates and skip
/// the arithmetic), so that no model needs shape code of its own.
public enum ModelComplexity {
    /// MACs of one forward pass of a batch of one image.
    public static func multiplyAccumulates(_ model: ClassifierModel, inputChannels: Int, inputSize: InputSize) throws -> Int {
        try counting(model) { _ = try model(Tensor(zeros: [1, inputChannels, inputSize.height, inputSize.width])) }
    }

    /// The shape `module` gives for `input` (the counting pass: cheap even at 224×224).
    public static func outputShape(_ module: Module, input: [Int]) throws -> [Int] {
        var shape: [Int] = []
        _ = try counting(module) { shape = try module(Tensor(zeros: input)).shape }
        return shape
    }

    /// Runs `body` in a counting pass with `module` in eval mode (batch norm must not learn
    /// from zeros), restoring its mode after.
    static func counting(_ module: Module, _ body: () throws -> Void) throws -> Int {
        let wasTraining = module.isTraining
        module.eval()
        defer { module.setTraining(wasTraining) }
        return try OperationCount.multiplyAccumulates { try GradientMode.withoutGradients { try body() } }
    }
}
