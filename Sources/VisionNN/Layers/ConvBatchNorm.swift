import VisionTensor

/// conv → batch norm → (+ residual) → optional ReLU, the commonest block in a CNN.
///
/// In training (or whenever a gradient is recorded) it runs the ops one by one. In inference it
/// folds the normalisation into the convolution (w′ = w·γ/√(σ²+ε), b′ = (b−μ)·γ/√(σ²+ε) + β)
/// and runs one oneDNN convolution with the residual sum and ReLU as post-ops; the folded
/// weights are kept until any of the tensors they come from changes.
public func convBatchNorm(_ x: Tensor, _ conv: Conv2d, _ norm: BatchNorm2d, adding residual: Tensor? = nil, relu applyReLU: Bool) throws -> Tensor {
    if norm.isTraining || GradientMode.isEnabled {
        if let residual {
            let y = try norm(conv(x))
            // Exactly the output's shape, as inference requires (no broadcasting in one mode only).
            guard residual.shape == y.shape else {
                throw TensorError.shapeMismatch(op: "conv2d + residual", expected: "a residual of shape \(y.shape)", got: residual.shape)
            }
            let sum = try add(y, residual)
            return applyReLU ? relu(sum) : sum
        }
        guard applyReLU else { return try norm(conv(x)) }
        return try batchNorm2dReLU(
            conv(x), weight: norm.weight, bias: norm.bias, runningMean: norm.runningMean, runningVariance: norm.runningVariance,
            training: norm.isTraining, momentum: norm.momentum, epsilon: norm.epsilon)
    }
    let (weight, bias) = try norm.folded(into: conv)
    return try fusedConvolutionForInference(
        x, weight: weight, bias: bias, stride: conv.stride, padding: conv.padding, dilation: conv.dilation, groups: conv.groups,
        adding: residual, relu: applyReLU)
}

extension BatchNorm2d {
    /// The convolution's weight and bias with this normalisation folded in (eval mode).
    func folded(into conv: Conv2d) throws -> (Tensor, Tensor) {
        let versions = [conv.weight.version, conv.bias?.version ?? 0, weight.version, bias.version, runningMean.version, runningVariance.version]
        if let cache = foldCache, cache.conv === conv, cache.versions == versions { return (cache.weight, cache.bias) }
        let outputs = conv.weight.shape[0]
        let perOutput = conv.weight.count / max(outputs, 1)
        let w = conv.weight.values, gamma = weight.values, beta = bias.values
        let mean = runningMean.values, variance = runningVariance.values
        let foldedWeight = Tensor(zeros: conv.weight.shape), foldedBias = Tensor(zeros: [outputs])
        let fw = foldedWeight.pointer, fb = foldedBias.pointer
        for o in 0..<outputs {
            let scale = gamma[o] / (variance[o] + epsilon).squareRoot()
            for i in 0..<perOutput { fw[o * perOutput + i] = w[o * perOutput + i] * scale }
            fb[o] = ((conv.bias?.values[o] ?? 0) - mean[o]) * scale + beta[o]
        }
        foldCache = FoldCache(conv: conv, versions: versions, weight: foldedWeight, bias: foldedBias)
        return (foldedWeight, foldedBias)
    }
}

/// Folded weights of one conv + batch-norm pair and the versions they were made from.
struct FoldCache {
    let conv: Conv2d
    let versions: [Int]
    let weight: Tensor
    let bias: Tensor
}
