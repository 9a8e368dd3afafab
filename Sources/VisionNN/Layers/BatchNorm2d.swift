import VisionTensor

/// Batch normalisation over channels, with running statistics as buffers.
public final class BatchNorm2d: Module {
    public let weight: Tensor
    public let bias: Tensor
    public let runningMean: Tensor
    public let runningVariance: Tensor
    public let momentum: Float
    public let epsilon: Float
    /// Inference: this normalisation folded into the preceding convolution.
    var foldCache: FoldCache?

    public init(_ channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        weight = Tensor.full([channels], 1)
        bias = Tensor(zeros: [channels])
        runningMean = Tensor(zeros: [channels])
        runningVariance = Tensor.full([channels], 1)
        self.momentum = momentum
        self.epsilon = epsilon
    }

    override public var localParameters: [(name: String, tensor: Tensor)] { [("weight", weight), ("bias", bias)] }
    override public var localBuffers: [(name: String, tensor: Tensor)] {
        [("running_mean", runningMean), ("running_var", runningVariance)]
    }

    override public func forward(_ x: Tensor) throws -> Tensor {
        try batchNorm2d(
            x, weight: weight, bias: bias, runningMean: runningMean, runningVariance: runningVariance, training: isTraining,
            momentum: momentum, epsilon: epsilon)
    }
}
