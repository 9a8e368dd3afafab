/// Broadcasting by NumPy's rules: shapes align at the right; a size-1 dimension stretches.
enum Broadcast {
    static func shape(_ a: [Int], _ b: [Int], op: String) throws(TensorError) -> [Int] {
        let rank = max(a.count, b.count)
        let pa = [Int](repeating: 1, count: rank - a.count) + a
        let pb = [Int](repeating: 1, count: rank - b.count) + b
        var out: [Int] = []
        for (x, y) in zip(pa, pb) {
            guard x == y || x == 1 || y == 1 else {
                throw .shapeMismatch(op: op, expected: "a shape broadcastable with \(a)", got: b)
            }
            out.append(max(x, y))
        }
        return out
    }

    /// For each output element, the flat index into a tensor of `shape` broadcast to `out`.
    static func indices(from shape: [Int], to out: [Int]) -> [Int] {
        let rank = out.count
        let padded = [Int](repeating: 1, count: rank - shape.count) + shape
        var strides = [Int](repeating: 0, count: rank)
        var step = 1
        for d in stride(from: rank - 1, through: 0, by: -1) {
            strides[d] = padded[d] == 1 ? 0 : step
            step *= padded[d]
        }
        let total = out.reduce(1, *)
        var result = [Int](repeating: 0, count: total)
        var coordinate = [Int](repeating: 0, count: rank)
        var flat = 0
        for i in 0..<total {
            result[i] = flat
            var d = rank - 1
            while d >= 0 {
                coordinate[d] += 1
                flat += strides[d]
                if coordinate[d] < out[d] { break }
                flat -= strides[d] * coordinate[d]
                coordinate[d] = 0
                d -= 1
            }
        }
        return result
    }

    /// Sums a gradient of the broadcast shape back down to `shape`.
    static func reduce(_ gradient: Tensor, to shape: [Int]) -> Tensor {
        if gradient.shape == shape { return gradient }
        let out = Tensor(zeros: shape)
        let map = indices(from: shape, to: gradient.shape)
        let g = gradient.pointer, o = out.pointer
        for i in 0..<gradient.count { o[map[i]] += g[i] }
        return out
    }
}

private func binary(
    _ a: Tensor, _ b: Tensor, op: String, _ f: (Float, Float) -> Float,
    backward: @escaping (_ gradient: Tensor, _ needs: [Bool]) throws(TensorError) -> [Tensor?]
) throws(TensorError) -> Tensor {
    let shape = try Broadcast.shape(a.shape, b.shape, op: op)
    let out = Tensor(zeros: shape)
    let x = a.pointer, y = b.pointer, z = out.pointer
    if a.shape == b.shape {
        for i in 0..<out.count { z[i] = f(x[i], y[i]) }
    } else {
        let ia = Broadcast.indices(from: a.shape, to: shape), ib = Broadcast.indices(from: b.shape, to: shape)
        for i in 0..<out.count { z[i] = f(x[ia[i]], y[ib[i]]) }
    }
    return record(out, op: op, inputs: [a, b], backward: backward)
}

/// a + b with broadcasting.
public func add(_ a: Tensor, _ b: Tensor) throws(TensorError) -> Tensor {
    try traced("add", inputs: [a, b]) { () throws(TensorError) -> Tensor in try untracedAdd(a, b) }
}

private func untracedAdd(_ a: Tensor, _ b: Tensor) throws(TensorError) -> Tensor {
    if a.shape == b.shape && (a.isBlocked || b.isBlocked || !GradientMode.isEnabled) {
        // Residual connections: stay in the layout oneDNN left (in which both sides usually
        // are), and in inference take the path inference plans replay.
        let out = try b.isBlocked && !a.isBlocked ? Kernels.added(b, a) : Kernels.added(a, b)
        return record(out, op: "add", inputs: [a, b]) { gradient, needs in [needs[0] ? gradient : nil, needs[1] ? gradient : nil] }
    }
    return try binary(a, b, op: "add", +) { gradient, needs in
        [needs[0] ? Broadcast.reduce(gradient, to: a.shape) : nil, needs[1] ? Broadcast.reduce(gradient, to: b.shape) : nil]
    }
}

/// a · b elementwise with broadcasting.
public func multiply(_ a: Tensor, _ b: Tensor) throws(TensorError) -> Tensor {
    try traced("multiply", inputs: [a, b]) { () throws(TensorError) -> Tensor in try untracedMultiply(a, b) }
}

private func untracedMultiply(_ a: Tensor, _ b: Tensor) throws(TensorError) -> Tensor {
    let a0 = a.detached(), b0 = b.detached()
    return try binary(a, b, op: "mul", *) { gradient, needs throws(TensorError) in
        let ga: Tensor? = needs[0] ? Broadcast.reduce(try multiply(gradient, b0), to: a.shape) : nil
        let gb: Tensor? = needs[1] ? Broadcast.reduce(try multiply(gradient, a0), to: b.shape) : nil
        return [ga, gb]
    }
}

/// x · s for a scalar s.
public func scaled(_ x: Tensor, by s: Float) -> Tensor {
    (try? traced("scale", inputs: [x], ["factor": .float(s)]) { () throws(TensorError) -> Tensor in untracedScaled(x, by: s) }) ?? untracedScaled(x, by: s)
}

private func untracedScaled(_ x: Tensor, by s: Float) -> Tensor {
    let out = Tensor(zeros: x.shape)
    let source = x.pointer, target = out.pointer
    for i in 0..<x.count { target[i] = source[i] * s }
    return record(out, op: "scale", inputs: [x]) { gradient, _ in [scaled(gradient, by: s)] }
}

/// The sum of all elements, as a one-element tensor.
public func sum(_ x: Tensor) -> Tensor {
    var total: Double = 0
    let source = x.pointer
    for i in 0..<x.count { total += Double(source[i]) }
    let out = Tensor.full([1], Float(total))
    return record(out, op: "sum", inputs: [x]) { gradient, _ in [Tensor.full(x.shape, gradient.item)] }
}

/// The mean of all elements, as a one-element tensor.
public func mean(_ x: Tensor) -> Tensor {
    scaled(sum(x), by: 1 / Float(max(x.count, 1)))
}
