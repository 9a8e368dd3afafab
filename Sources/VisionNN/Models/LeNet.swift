import VisionTensor

/// LeNet-style network for 28×28 inputs: conv 32 → pool → conv 64 → pool → fc 128 → fc classes.
/// Parameter names match the golden PyTorch model (`conv1`, `conv2`, `fc1`, `fc2`).
public final class LeNet: Module {
    public let conv1: Conv2d, conv2: Conv2d, fc1: Linear
    public private(set) var fc2: Linear

    public init(inputChannels: Int = 1, classes: Int = 10, inputSize: (Int, Int) = (28, 28), generator: inout SeededGenerator) {
        conv1 = Conv2d(inputChannels, 32, kernel: 3, padding: 1, generator: &generator)
        conv2 = Conv2d(32, 64, kernel: 3, padding: 1, generator: &generator)
        fc1 = Linear(64 * (inputSize.0 / 4) * (inputSize.1 / 4), 128, generator: &generator)
        fc2 = Linear(128, classes, generator: &generator)
    }

    override public var children: [(name: String, module: Module)] {
        [("conv1", conv1), ("conv2", conv2), ("fc1", fc1), ("fc2", fc2)]
    }

    override public func forward(_ x: Tensor) throws -> Tensor {
        var y = try maxPool2d(relu(conv1(x)), kernel: (2, 2))
        y = try maxPool2d(relu(conv2(y)), kernel: (2, 2))
        y = try relu(fc1(flatten(y)))
        return try fc2(y)
    }

    /// Replaces the classifier for a new class count.
    public func replaceHead(classes: Int, generator: inout SeededGenerator) {
        fc2 = Linear(128, classes, generator: &generator)
    }
}
