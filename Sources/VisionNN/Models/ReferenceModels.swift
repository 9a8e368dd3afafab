import VisionTensor

/// The three reference architectures, buildable by name (the plugin layer wraps these).
public enum ReferenceModels {
    public static let names = ["lenet", "resnet20", "defectnet"]

    public static func make(_ name: String, inputChannels: Int, classes: Int, inputSize: (Int, Int), seed: UInt64) throws(TensorError) -> Module {
        var generator = SeededGenerator(seed: seed)
        switch name {
        case "lenet":
            guard inputSize.0 >= 4, inputSize.1 >= 4 else {
                throw .invalidArgument(op: "lenet", detail: "expected an input of at least 4×4, got \(inputSize.0)×\(inputSize.1)")
            }
            return LeNet(inputChannels: inputChannels, classes: classes, inputSize: inputSize, generator: &generator)
        case "resnet20":
            return ResNetCIFAR(depth: 20, inputChannels: inputChannels, classes: classes, generator: &generator)
        case "defectnet":
            guard inputSize.0 >= 16, inputSize.1 >= 16 else {
                throw .invalidArgument(op: "defectnet", detail: "expected an input of at least 16×16, got \(inputSize.0)×\(inputSize.1)")
            }
            return DefectNet(inputChannels: inputChannels, classes: classes, generator: &generator)
        default:
            throw .invalidArgument(op: "model", detail: "unknown model '\(name)'; known: \(names.joined(separator: ", "))")
        }
    }
}
