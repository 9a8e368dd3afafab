import Foundation

/// Sums per-channel numbers over the processes that train together. Distributed training sets
/// one (`BatchNormSynchronization.$reducer`) for `--sync-bn`; VisionTensor knows nothing of MPI.
public protocol StatisticsReducer: Sendable {
    func sum(_ values: inout [Double]) throws
}

/// Synchronised batch normalisation (PyTorch's SyncBatchNorm): while a reducer is set, batch
/// normalisation in training computes its batch statistics over every process's batch, and its
/// backward pass the matching global sums, so that N processes with batches of B/N normalise
/// exactly as one process with the batch of B would.
public enum BatchNormSynchronization {
    @TaskLocal public static var reducer: StatisticsReducer?
}

/// Batch normalisation in training with statistics summed by `reducer` (one call forward, one
/// backward, in layer order on every process). Row-major loops: slower than oneDNN's kernel,
/// which cannot take outside statistics in training.
func synchronizedBatchNorm2d(
    _ x: Tensor, weight: Tensor, bias: Tensor, runningMean: Tensor, runningVariance: Tensor, momentum: Float, epsilon: Float,
    fuseReLU: Bool, reducer: StatisticsReducer
) throws(TensorError) -> Tensor {
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let plane = h * w
    let source = x.values
    // Σx and Σx² per channel, and the value count, over every process.
    var statistics = [Double](repeating: 0, count: 2 * c + 1)
    for b in 0..<n {
        for ch in 0..<c {
            let base = source + (b * c + ch) * plane
            var total = 0.0, squares = 0.0
            for i in 0..<plane {
                let v = Double(base[i])
                total += v
                squares += v * v
            }
            statistics[ch] += total
            statistics[c + ch] += squares
        }
    }
    statistics[2 * c] = Double(n * plane)
    try reduce(&statistics, reducer)
    let m = statistics[2 * c]
    guard m > 1 else {
        throw .shapeMismatch(op: "batchnorm2d (synchronised)", expected: "more than one value per channel over every process", got: x.shape)
    }
    var means = [Float](repeating: 0, count: c), inverseStd = [Float](repeating: 0, count: c)
    let runningM = runningMean.pointer, runningV = runningVariance.pointer
    for ch in 0..<c {
        let mean = statistics[ch] / m
        let variance = max(statistics[c + ch] / m - mean * mean, 0)
        means[ch] = Float(mean)
        inverseStd[ch] = Float(1 / (variance + Double(epsilon)).squareRoot())
        runningM[ch] = (1 - momentum) * runningM[ch] + momentum * Float(mean)
        runningV[ch] = (1 - momentum) * runningV[ch] + momentum * Float(variance * m / (m - 1))
    }
    runningMean.markModified()
    runningVariance.markModified()
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
        let xs = x0.values, y = out0.values
        var g = gradient.scalars
        // The fused ReLU passes gradient only where it let the value through.
        if fuseReLU { for i in g.indices where y[i] <= 0 { g[i] = 0 } }
        var sums = [Double](repeating: 0, count: 2 * c)  // Σ dy, Σ dy · x̂ per channel
        for b in 0..<n {
            for ch in 0..<c {
                let base = (b * c + ch) * plane
                var sumG = 0.0, sumGX = 0.0
                for i in 0..<plane {
                    let xhat = (xs[base + i] - means[ch]) * inverseStd[ch]
                    sumG += Double(g[base + i])
                    sumGX += Double(g[base + i] * xhat)
                }
                sums[ch] += sumG
                sums[c + ch] += sumGX
            }
        }
        // The weight and bias gradients are this process's part (the gradient sum adds the others);
        // the input's gradient needs the sums over every process.
        let gradWeight = needs[1] ? try Tensor(sums[c...].map(Float.init), shape: [c]) : nil
        let gradBias = needs[2] ? try Tensor(sums[..<c].map(Float.init), shape: [c]) : nil
        var global = sums
        try reduce(&global, reducer)
        var gradInput: Tensor?
        if needs[0] {
            let result = Tensor(zeros: x0.shape)
            let t = result.pointer, gammas = gamma0.values
            for b in 0..<n {
                for ch in 0..<c {
                    let base = (b * c + ch) * plane
                    let k = gammas[ch] * inverseStd[ch]
                    let meanG = Float(global[ch] / m), meanGX = Float(global[c + ch] / m)
                    for i in 0..<plane {
                        let xhat = (xs[base + i] - means[ch]) * inverseStd[ch]
                        t[base + i] = k * (g[base + i] - meanG - xhat * meanGX)
                    }
                }
            }
            gradInput = result
        }
        return [gradInput, gradWeight, gradBias]
    }
}

private func reduce(_ values: inout [Double], _ reducer: StatisticsReducer) throws(TensorError) {
    do {
        try reducer.sum(&values)
    } catch {
        throw .backend(op: "batchnorm2d (synchronised)", detail: "\(error)")
    }
}
