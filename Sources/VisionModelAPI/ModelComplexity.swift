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

    /// Bytes one image needs in an inference forward pass, estimated from its largest feature map
    /// (a few maps of that size are alive at once: input, output, a shortcut, oneDNN's reordered
    /// copies, and pages the allocator keeps). Measured by the counting pass at 1/4 or 1/8 of each side when the model
    /// takes that (convolutional maps scale with the area; a flatten + linear head does not and
    /// gets the full size), so that a 2048×2048 model file is sized without allocating its maps.
    public static func inferenceBytesPerImage(_ model: Module, inputChannels: Int, inputSize: InputSize) throws -> Int {
        let input = inputChannels * inputSize.height * inputSize.width
        let wasTraining = model.isTraining
        model.eval()
        defer { model.setTraining(wasTraining) }
        for factor in [8, 4, 1] where factor == 1 || min(inputSize.height, inputSize.width) / factor >= 32 {
            let small = [1, inputChannels, (inputSize.height + factor - 1) / factor, (inputSize.width + factor - 1) / factor]
            let counter: OperationCount.Counter
            do {
                counter = try OperationCount.run { try GradientMode.withoutGradients { _ = try model(Tensor(zeros: small)) } }
            } catch {
                if factor == 1 { throw error }
                continue  // a flatten + linear head takes only its own size
            }
            let (largest, overflow) = max(counter.largestOutput, 1).multipliedReportingOverflow(by: factor * factor)
            let (bytes, overflow2) = max(largest, input).multipliedReportingOverflow(by: activationCopies * MemoryLayout<Float>.stride)
            return overflow || overflow2 ? .max : bytes
        }
        return .max
    }

    /// Peak RSS over the largest map's bytes, measured for resnet20 on one image (the allocator's
    /// retained pages included): 9.6× at 512², 7.7× at 1024², 11.8× at 1448², 7.2× at
    /// 2048². 12 keeps the estimate at or above the peak.
    static let activationCopies = 12

    /// Runs `body` in a counting pass with `module` in eval mode (batch norm must not learn
    /// from zeros), restoring its mode after.
    static func counting(_ module: Module, _ body: () throws -> Void) throws -> Int {
        let wasTraining = module.isTraining
        module.eval()
        defer { module.setTraining(wasTraining) }
        return try OperationCount.multiplyAccumulates { try GradientMode.withoutGradients { try body() } }
    }
}
