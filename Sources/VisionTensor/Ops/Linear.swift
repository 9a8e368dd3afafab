func untracedLinear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) throws(TensorError) -> Tensor {
    try weight.expectShape([-1, -1], "linear weight (out, in)")
    let (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1])
    try x.expectShape([-1, inFeatures], "linear input (N, \(inFeatures))")
    if let bias { try bias.expectShape([outFeatures], "linear bias") }
    let n = x.shape[0]
    if let counted = OperationCount.counted(n * outFeatures * inFeatures, shape: [n, outFeatures]) { return counted }
    if !GradientMode.isEnabled && ComputeBackend.current == .dnnl {
        return try DNNLInnerProduct.inference(x, weight: weight, bias: bias)
    }
    let out = Tensor(zeros: [n, outFeatures])
    try Matmul.multiply(n, outFeatures, inFeatures, a: x.pointer, transposeA: false, b: weight.pointer, transposeB: true, c: out.pointer)
    if let bias {
        let b = bias.pointer, y = out.pointer
        for row in 0..<n { for j in 0..<outFeatures { y[row * outFeatures + j] += b[j] } }
    }
    let inputs = [x, weight] + (bias.map { [$0] } ?? [])
    let x0 = x.detached(), w0 = weight.detached()
    return record(out, op: "linear", inputs: inputs) { gradient, needs throws(TensorError) in
        var grads: [Tensor?] = [nil, nil]
        if needs[0] {  // dX = dY W
            let g = Tensor(zeros: x0.shape)
            try Matmul.multiply(n, inFeatures, outFeatures, a: gradient.pointer, transposeA: false, b: w0.pointer, transposeB: false, c: g.pointer)
            grads[0] = g
        }
        if needs[1] {  // dW = dYᵀ X
            let g = Tensor(zeros: w0.shape)
            try Matmul.multiply(outFeatures, inFeatures, n, a: gradient.pointer, transposeA: true, b: x0.pointer, transposeB: false, c: g.pointer)
            grads[1] = g
        }
        if needs.count > 2 {
            var gb: Tensor?
            if needs[2] {
                let g = Tensor(zeros: [outFeatures])
                let s = gradient.pointer, t = g.pointer
                for row in 0..<n { for j in 0..<outFeatures { t[j] += s[row * outFeatures + j] } }
                gb = g
            }
            grads.append(gb)
        }
        return grads
    }
}

/// Row-major C[m×n] = op(A) op(B), with op(A) m×k and op(B) k×n.
enum Matmul {
    static func multiply(_ m: Int, _ n: Int, _ k: Int, a: UnsafePointer<Float>, transposeA: Bool, b: UnsafePointer<Float>,
                         transposeB: Bool, c: UnsafeMutablePointer<Float>) throws(TensorError) {
        if ComputeBackend.current == .dnnl {
            try DNNLMatmul.sgemm(m, n, k, a: a, transposeA: transposeA, b: b, transposeB: transposeB, c: c)
            return
        }
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                for p in 0..<k {
                    let av = transposeA ? a[p * m + i] : a[i * k + p]
                    let bv = transposeB ? b[j * k + p] : b[p * n + j]
                    sum += av * bv
                }
                c[i * n + j] = sum
            }
        }
    }
}

/// y = x Wᵀ + b for x [N, in], weight [out, in], bias [out].
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) throws(TensorError) -> Tensor {
    try traced("linear", inputs: [x, weight] + (bias.map { [$0] } ?? [])) { () throws(TensorError) -> Tensor in
        try untracedLinear(x, weight: weight, bias: bias)
    }
}
