import Foundation

/// Softmax along `dimension`.
public func softmax(_ x: Tensor, dimension: Int = 1) throws(TensorError) -> Tensor {
    try traced("softmax", inputs: [x], ["dimension": .int(dimension)]) { () throws(TensorError) -> Tensor in try untracedSoftmax(x, dimension: dimension) }
}

private func untracedSoftmax(_ x: Tensor, dimension: Int) throws(TensorError) -> Tensor {
    let (outer, size, inner) = try split(x, dimension, op: "softmax")
    let out = Tensor(zeros: x.shape)
    softmaxKernel(x.pointer, out.pointer, outer, size, inner, log: false)
    let y0 = out.detached()
    return record(out, op: "softmax", inputs: [x]) { gradient, _ in
        // dx = y ⊙ (dy − Σ dy·y)
        let gi = Tensor(zeros: x.shape)
        let y = y0.pointer, g = gradient.pointer, t = gi.pointer
        for o in 0..<outer {
            for i in 0..<inner {
                var dot: Float = 0
                for k in 0..<size { let idx = (o * size + k) * inner + i; dot += g[idx] * y[idx] }
                for k in 0..<size { let idx = (o * size + k) * inner + i; t[idx] = y[idx] * (g[idx] - dot) }
            }
        }
        return [gi]
    }
}

/// Log-softmax along `dimension` (computed stably, never as log(softmax)).
public func logSoftmax(_ x: Tensor, dimension: Int = 1) throws(TensorError) -> Tensor {
    let (outer, size, inner) = try split(x, dimension, op: "log_softmax")
    let out = Tensor(zeros: x.shape)
    softmaxKernel(x.pointer, out.pointer, outer, size, inner, log: true)
    let y0 = out.detached()
    return record(out, op: "log_softmax", inputs: [x]) { gradient, _ in
        // dx = dy − softmax · Σ dy
        let gi = Tensor(zeros: x.shape)
        let y = y0.pointer, g = gradient.pointer, t = gi.pointer
        for o in 0..<outer {
            for i in 0..<inner {
                var total: Float = 0
                for k in 0..<size { total += g[(o * size + k) * inner + i] }
                for k in 0..<size { let idx = (o * size + k) * inner + i; t[idx] = g[idx] - Foundation.exp(y[idx]) * total }
            }
        }
        return [gi]
    }
}

func split(_ x: Tensor, _ dimension: Int, op: String) throws(TensorError) -> (Int, Int, Int) {
    guard dimension >= 0, dimension < x.rank else {
        throw .invalidArgument(op: op, detail: "dimension \(dimension) out of range for shape \(x.shape)")
    }
    return (x.shape.prefix(dimension).reduce(1, *), x.shape[dimension], x.shape.dropFirst(dimension + 1).reduce(1, *))
}

func softmaxKernel(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ outer: Int, _ size: Int, _ inner: Int, log: Bool) {
    for o in 0..<outer {
        for i in 0..<inner {
            var maximum = -Float.infinity
            for k in 0..<size { maximum = max(maximum, x[(o * size + k) * inner + i]) }
            var total: Float = 0
            for k in 0..<size { total += Foundation.exp(x[(o * size + k) * inner + i] - maximum) }
            let logTotal = Foundation.log(total)
            for k in 0..<size {
                let idx = (o * size + k) * inner + i
                y[idx] = log ? x[idx] - maximum - logTotal : Foundation.exp(x[idx] - maximum) / total
            }
        }
    }
}
