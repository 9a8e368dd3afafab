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
    // Synchronised (--sync-bn), the statistics and the count are every process's.
    let reducer = training ? BatchNormSynchronization.reducer : nil
    if training && m <= 1 && reducer == nil {
        throw .shapeMismatch(op: "batchnorm2d", expected: "more than one value per channel in training", got: x.shape)
    }
    // oneDNN cannot take outside statistics in training: synchronised, the plain-Swift path runs.
    if ComputeBackend.current == .dnnl && reducer == nil {
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
    return try plainBatchNorm2d(
        x, weight: weight, bias: bias, runningMean: runningMean, runningVariance: runningVariance, training: training, momentum: momentum,
        epsilon: epsilon, fuseReLU: fuseReLU, reducer: reducer)
}

/// Batch normalisation in plain Swift: the reference for the oneDNN path, and the synchronised
/// one, whose per-channel sums `reducer` adds up over every process (forward: Σx, then Σ(x − μ)²;
/// backward: Σdy and Σdy·x̂), so that N processes normalise as one would with all their images.
/// The weight and bias gradients stay this process's part (the gradient sum adds the others').
private func plainBatchNorm2d(
    _ x: Tensor, weight: Tensor, bias: Tensor, runningMean: Tensor, runningVariance: Tensor, training: Bool,
    momentum: Float, epsilon: Float, fuseReLU: Bool, reducer: StatisticsReducer?
) throws(TensorError) -> Tensor {
    let (n, c, plane) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
    var m = Double(n * plane)
    var means = [Float](repeating: 0, count: c)
    var inverseStd = [Float](repeating: 0, count: c)
    let source = x.values
    if training {
        var totals = [Double](repeating: 0, count: c + 1)
        for ch in 0..<c {
            for b in 0..<n { let base = (b * c + ch) * plane; for i in 0..<plane { totals[ch] += Double(source[base + i]) } }
        }
        totals[c] = m
        try reduce(&totals, reducer)
        m = totals[c]
        guard m > 1 else {
            throw .shapeMismatch(op: "batchnorm2d (synchronised)", expected: "more than one value per channel over every process", got: x.shape)
        }
        var squares = [Double](repeating: 0, count: c)
        for ch in 0..<c {
            let mean = totals[ch] / m
            for b in 0..<n {
                let base = (b * c + ch) * plane
                for i in 0..<plane { let d = Double(source[base + i]) - mean; squares[ch] += d * d }
            }
        }
        try reduce(&squares, reducer)
        let runningM = runningMean.pointer, runningV = runningVariance.pointer
        for ch in 0..<c {
            let mean = totals[ch] / m
            means[ch] = Float(mean)
            inverseStd[ch] = Float(1 / (squares[ch] / m + Double(epsilon)).squareRoot())
            runningM[ch] = (1 - momentum) * runningM[ch] + momentum * Float(mean)
            runningV[ch] = (1 - momentum) * runningV[ch] + momentum * Float(squares[ch] / (m - 1))
        }
    } else {
        let runningM = runningMean.values, runningV = runningVariance.values
        for ch in 0..<c {
            means[ch] = runningM[ch]
            inverseStd[ch] = 1 / (runningV[ch] + epsilon).squareRoot()
        }
    }
    let out = Tensor(zeros: x.shape)
    let target = out.pointer, gamma = weight.values, beta = bias.values
    for b in 0..<n {
        for ch in 0..<c {
            let base = (b * c + ch) * plane
            let scale = gamma[ch] * inverseStd[ch], shift = beta[ch] - means[ch] * scale
            for i in 0..<plane {
                let y = source[base + i] * scale + shift
                target[base + i] = fuseReLU ? max(y, 0) : y
            }
        }
    }
    let x0 = x.detached(), gamma0 = weight.detached(), out0 = out.detached()
    return record(out, op: "batchnorm2d", inputs: [x, weight, bias]) { gradient, needs throws(TensorError) in
        let xs = x0.values
        var g = gradient.scalars
        // A fused ReLU passes gradient only where it let the value through.
        if fuseReLU {
            let y = out0.values
            for i in g.indices where y[i] <= 0 { g[i] = 0 }
        }
        var sums = [Double](repeating: 0, count: 2 * c)  // Σ dy, then Σ dy · x̂, per channel
        for b in 0..<n {
            for ch in 0..<c {
                let base = (b * c + ch) * plane
                for i in 0..<plane {
                    let xhat = (xs[base + i] - means[ch]) * inverseStd[ch]
                    sums[ch] += Double(g[base + i])
                    sums[c + ch] += Double(g[base + i] * xhat)
                }
            }
        }
        let gradWeight = needs[1] ? try Tensor(sums[c...].map(Float.init), shape: [c]) : nil
        let gradBias = needs[2] ? try Tensor(sums[..<c].map(Float.init), shape: [c]) : nil
        var gradInput: Tensor?
        if needs[0] {
            if training { try reduce(&sums, reducer) }
            let result = Tensor(zeros: x0.shape)
            let t = result.pointer, gammas = gamma0.values
            for b in 0..<n {
                for ch in 0..<c {
                    let base = (b * c + ch) * plane
                    let k = gammas[ch] * inverseStd[ch]
                    if training {
                        let meanG = Float(sums[ch] / m), meanGX = Float(sums[c + ch] / m)
                        for i in 0..<plane {
                            let xhat = (xs[base + i] - means[ch]) * inverseStd[ch]
                            t[base + i] = k * (g[base + i] - meanG - xhat * meanGX)
                        }
                    } else {
                        for i in 0..<plane { t[base + i] = k * g[base + i] }
                    }
                }
            }
            gradInput = result
        } else if training, reducer != nil {
            // Every process reduces in the same order, whether or not it needs the input's gradient.
            try reduce(&sums, reducer)
        }
        return [gradInput, gradWeight, gradBias]
    }
}

/// `values` summed over every process by `reducer` (left as they are without one).
private func reduce(_ values: inout [Double], _ reducer: StatisticsReducer?) throws(TensorError) {
    guard let reducer else { return }
    do {
        try reducer.sum(&values)
    } catch {
        throw .backend(op: "batchnorm2d (synchronised)", detail: "\(error)")
    }
}

