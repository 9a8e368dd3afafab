import Foundation

/// Batch normalisation over the channels of NCHW `x`.
///
/// Training normalises with the batch mean and biased variance and updates `runningMean` and
/// `runningVariance` in place (the latter with the unbiased variance), as PyTorch does; eval
/// mode normalises with the running statistics.
public func batchNorm2d(
    _ x: Tensor, weight: Tensor, bias: Tensor, runningMean: Tensor, runningVariance: Tensor, training: Bool,
    momentum: Float = 0.1, epsilon: Float = 1e-5
) throws(TensorError) -> Tensor {
    try batchNorm2d(x, weight: weight, bias: bias, runningMean: runningMean, runningVariance: runningVariance,
                    training: training, momentum: momentum, epsilon: epsilon, fuseReLU: false)
}

/// relu(batchNorm2d(x)) as one op: on oneDNN one pass over memory each way instead of two.
public func batchNorm2dReLU(
    _ x: Tensor, weight: Tensor, bias: Tensor, runningMean: Tensor, runningVariance: Tensor, training: Bool,
    momentum: Float = 0.1, epsilon: Float = 1e-5
) throws(TensorError) -> Tensor {
    if ComputeBackend.current != .dnnl {
        return relu(try batchNorm2d(x, weight: weight, bias: bias, runningMean: runningMean, runningVariance: runningVariance,
                                    training: training, momentum: momentum, epsilon: epsilon))
    }
    return try batchNorm2d(x, weight: weight, bias: bias, runningMean: runningMean, runningVariance: runningVariance,
                           training: training, momentum: momentum, epsilon: epsilon, fuseReLU: true)
}

private func batchNorm2d(
    _ x: Tensor, weight: Tensor, bias: Tensor, runningMean: Tensor, runningVariance: Tensor, training: Bool,
    momentum: Float, epsilon: Float, fuseReLU: Bool
) throws(TensorError) -> Tensor {
    try traced(
        "batchnorm2d", inputs: [x, weight, bias, runningMean, runningVariance],
        ["epsilon": .float(epsilon), "relu": .int(fuseReLU ? 1 : 0), "training": .int(training ? 1 : 0)]
    ) { () throws(TensorError) -> Tensor in
        try untracedBatchNorm2d(
            x, weight: weight, bias: bias, runningMean: runningMean, runningVariance: runningVariance, training: training, momentum: momentum,
            epsilon: epsilon, fuseReLU: fuseReLU)
    }
}

private func untracedBatchNorm2d(
    _ x: Tensor, weight: Tensor, bias: Tensor, runningMean: Tensor, runningVariance: Tensor, training: Bool,
    momentum: Float, epsilon: Float, fuseReLU: Bool
) throws(TensorError) -> Tensor {
    try x.expectShape([-1, -1, -1, -1], "batchnorm2d input (N, C, H, W)")
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    for (name, tensor) in [("weight", weight), ("bias", bias), ("running_mean", runningMean), ("running_var", runningVariance)] {
        try tensor.expectShape([c], "batchnorm2d \(name)")
    }
    let plane = h * w
    let m = n * plane
    // Synchronised, the count that matters is every process's (checked there).
    if training && m <= 1 && BatchNormSynchronization.reducer == nil {
        throw .shapeMismatch(op: "batchnorm2d", expected: "more than one value per channel in training", got: x.shape)
    }
    if training, let reducer = BatchNormSynchronization.reducer {
        return try synchronizedBatchNorm2d(
            x, weight: weight, bias: bias, runningMean: runningMean, runningVariance: runningVariance, momentum: momentum, epsilon: epsilon,
            fuseReLU: fuseReLU, reducer: reducer)
    }
    if ComputeBackend.current == .dnnl {
        let (out, saved) = try DNNLBatchNorm.forward(
            x, weight: weight, bias: bias, runningMean: runningMean, runningVariance: runningVariance, training: training, epsilon: epsilon,
            fuseReLU: fuseReLU)
        if training {
            // oneDNN gives the biased batch variance; the running estimate uses the unbiased one.
            let correction = Float(m) / Float(m - 1)
            let mean = saved.mean.pointer, variance = saved.variance.pointer
            let runningM = runningMean.pointer, runningV = runningVariance.pointer
            for ch in 0..<c {
                runningM[ch] = (1 - momentum) * runningM[ch] + momentum * mean[ch]
                runningV[ch] = (1 - momentum) * runningV[ch] + momentum * variance[ch] * correction
            }
            runningMean.markModified()
            runningVariance.markModified()
        }
        let x0 = x.detached(), gamma0 = weight.detached(), beta0 = bias.detached()
        return record(out, op: "batchnorm2d", inputs: [x, weight, bias]) { gradient, needs throws(TensorError) in
            let (gradInput, gradWeight, gradBias) = try DNNLBatchNorm.backward(
                x0, gradOutput: gradient, weight: gamma0, bias: beta0, saved: saved, training: training, epsilon: epsilon)
            return [needs[0] ? gradInput : nil, needs[1] ? gradWeight : nil, needs[2] ? gradBias : nil]
        }
    }
    var means = [Float](repeating: 0, count: c)
    var inverseStd = [Float](repeating: 0, count: c)
    let source = x.pointer
    for ch in 0..<c {
        if training {
            var total: Double = 0
            for b in 0..<n { let base = (b * c + ch) * plane; for i in 0..<plane { total += Double(source[base + i]) } }
            let mean = total / Double(m)
            var squares: Double = 0
            for b in 0..<n {
                let base = (b * c + ch) * plane
                for i in 0..<plane { let d = Double(source[base + i]) - mean; squares += d * d }
            }
            let variance = squares / Double(m)
            means[ch] = Float(mean)
            inverseStd[ch] = Float(1 / (variance + Double(epsilon)).squareRoot())
            runningMean.pointer[ch] = (1 - momentum) * runningMean.pointer[ch] + momentum * Float(mean)
            let unbiased = squares / Double(m - 1)
            runningVariance.pointer[ch] = (1 - momentum) * runningVariance.pointer[ch] + momentum * Float(unbiased)
            runningMean.markModified()
            runningVariance.markModified()
        } else {
            means[ch] = runningMean.pointer[ch]
            inverseStd[ch] = 1 / (runningVariance.pointer[ch] + epsilon).squareRoot()
        }
    }
    let out = Tensor(zeros: x.shape)
    let target = out.pointer, gamma = weight.pointer, beta = bias.pointer
    for b in 0..<n {
        for ch in 0..<c {
            let base = (b * c + ch) * plane
            let scale = gamma[ch] * inverseStd[ch], shift = beta[ch] - means[ch] * scale
            for i in 0..<plane { target[base + i] = source[base + i] * scale + shift }
        }
    }
    let x0 = x.detached(), gamma0 = weight.detached()
    return record(out, op: "batchnorm2d", inputs: [x, weight, bias]) { gradient, needs in
        let g = gradient.pointer, xs = x0.pointer
        var sumG = [Double](repeating: 0, count: c)
        var sumGX = [Double](repeating: 0, count: c)  // Σ dy · x̂
        for b in 0..<n {
            for ch in 0..<c {
                let base = (b * c + ch) * plane
                for i in 0..<plane {
                    let xhat = (xs[base + i] - means[ch]) * inverseStd[ch]
                    sumG[ch] += Double(g[base + i])
                    sumGX[ch] += Double(g[base + i] * xhat)
                }
            }
        }
        var gradInput: Tensor?
        if needs[0] {
            let gi = Tensor(zeros: x0.shape)
            let t = gi.pointer
            for b in 0..<n {
                for ch in 0..<c {
                    let base = (b * c + ch) * plane
                    let k = gamma0.pointer[ch] * inverseStd[ch]
                    if training {
                        let meanG = Float(sumG[ch] / Double(m)), meanGX = Float(sumGX[ch] / Double(m))
                        for i in 0..<plane {
                            let xhat = (xs[base + i] - means[ch]) * inverseStd[ch]
                            t[base + i] = k * (g[base + i] - meanG - xhat * meanGX)
                        }
                    } else {
                        for i in 0..<plane { t[base + i] = k * g[base + i] }
                    }
                }
            }
            gradInput = gi
        }
        let gradWeight = needs[1] ? try? Tensor(sumGX.map(Float.init), shape: [c]) : nil
        let gradBias = needs[2] ? try? Tensor(sumG.map(Float.init), shape: [c]) : nil
        return [gradInput, gradWeight, gradBias]
    }
}
