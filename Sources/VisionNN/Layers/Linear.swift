import VisionTensor

/// Fully connected layer: y = x Wᵀ + b, weight [out, in].
public final class Linear: Module {
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ inputFeatures: Int, _ outputFeatures: Int, bias: Bool = true, initializer: Initializer = .pytorchDefault,
                generator: inout SeededGenerator) {
        weight = Tensor(zeros: [outputFeatures, inputFeatures])
        initializer.fill(weight, generator: &generator)
        if bias {
            let b = Tensor(zeros: [outputFeatures])
            let bound = 1 / Float(max(inputFeatures, 1)).squareRoot()
            for i in 0..<outputFeatures { b.pointer[i] = (generator.nextUniform() * 2 - 1) * bound }
            self.bias = b
        } else {
            self.bias = nil
        }
    }

    public var inputFeatures: Int { weight.shape[1] }
    public var outputFeatures: Int { weight.shape[0] }

    override public var localParameters: [(name: String, tensor: Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    override public func forward(_ x: Tensor) throws -> Tensor {
        try linear(x.rank == 2 ? x : flatten(x), weight: weight, bias: bias)
    }
}
