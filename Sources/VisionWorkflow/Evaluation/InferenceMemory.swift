import VisionModelAPI
import VisionNN

/// How much memory one inference forward pass may take: batches shrink to fit it, and a model
/// file whose single image would not fit (a 2048×2048 input, say) is refused before it runs.
public enum InferenceMemory {
    /// 768 MiB per forward pass: resnet20 up to 1024×1024 one image at a time, or 1,000 CIFAR
    /// images; peak RSS stays under 1 GiB.
    public static let defaultBudget = 768 << 20

    /// Images per forward pass: at most `requested`, at least one, within `budget`.
    public static func batchSize(requested: Int, bytesPerImage: Int, budget: Int) -> Int {
        max(1, min(requested, budget / max(bytesPerImage, 1)))
    }

    /// The estimated bytes one image of `model` needs, refused with one line when over `budget`.
    static func check(_ model: Module, preprocessing: Preprocessing, name: String, path: String, budget: Int) throws -> Int {
        let bytes = try ModelComplexity.inferenceBytesPerImage(
            model, inputChannels: preprocessing.channels, inputSize: preprocessing.inputSize)
        if bytes > budget {
            throw WorkflowError.tooMuchMemory(
                path: path, model: name, input: preprocessing.inputSize.description, bytesPerImage: bytes, budget: budget)
        }
        return bytes
    }
}
