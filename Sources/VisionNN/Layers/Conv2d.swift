import VisionTensor

/// 2-D convolution layer: weight [out, in/groups, kH, kW], optional bias [out].
public final class Conv2d: Module {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: (Int, Int)
    public let padding: (Int, Int)
    public let dilation: (Int, Int)
    public let groups: Int

    public init(
        inputChannels: Int, outputChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
        padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = true,
        initializer: Initializer = .pytorchDefault, generator: inout SeededGenerator
    ) {
        weight = Tensor(zeros: [outputChannels, inputChannels / max(groups, 1), kernelSize.0, kernelSize.1])
        initializer.fill(weight, generator: &generator)
        if bias {
            // PyTorch's default bias: U(±1/√fan_in).
            let b = Tensor(zeros: [outputChannels])
            let bound = 1 / Float(max(Initializer.fans(weight.shape).fanIn, 1)).squareRoot()
            for i in 0..<outputChannels { b.pointer[i] = (generator.nextUniform() * 2 - 1) * bound }
            self.bias = b
        } else {
            self.bias = nil
        }
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
    }

    public convenience init(
        _ inputChannels: Int, _ outputChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, groups: Int = 1,
        bias: Bool = true, initializer: Initializer = .pytorchDefault, generator: inout SeededGenerator
    ) {
        self.init(
            inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: (kernel, kernel), stride: (stride, stride),
            padding: (padding, padding), groups: groups, bias: bias, initializer: initializer, generator: &generator)
    }

    override public var localParameters: [(name: String, tensor: Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    override public func forward(_ x: Tensor) throws -> Tensor {
        try conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}
