import CDNNL

/// The same values under a new shape (one dimension may be -1: inferred).
public func reshape(_ x: Tensor, _ newShape: [Int]) throws(TensorError) -> Tensor {
    try traced("reshape", inputs: [x], ["shape": .ints(newShape)]) { () throws(TensorError) -> Tensor in try untracedReshape(x, newShape) }
}

private func untracedReshape(_ x: Tensor, _ newShape: [Int]) throws(TensorError) -> Tensor {
    var shape = newShape
    let known = shape.filter { $0 != -1 }.reduce(1, *)
    if let inferred = shape.firstIndex(of: -1) {
        guard shape.filter({ $0 == -1 }).count == 1, known > 0, x.count % known == 0 else {
            throw .shapeMismatch(op: "reshape", expected: "a shape compatible with \(newShape)", got: x.shape)
        }
        shape[inferred] = x.count / known
    }
    guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == x.count else {
        throw .shapeMismatch(op: "reshape", expected: "\(shape.reduce(1, *)) elements for \(newShape)", got: x.shape)
    }
    let out = Tensor(shape: shape, storage: x.rowMajorStorage)
    return record(out, op: "reshape", inputs: [x]) { gradient, _ in
        [Tensor(shape: x.shape, storage: gradient.rowMajorStorage)]
    }
}

/// Flattens dimensions from `startDimension` on: [N, C, H, W] → [N, C·H·W].
public func flatten(_ x: Tensor, from startDimension: Int = 1) throws(TensorError) -> Tensor {
    guard startDimension >= 0, startDimension < max(x.rank, 1) else {
        throw .invalidArgument(op: "flatten", detail: "start dimension \(startDimension) out of range for rank \(x.rank)")
    }
    return try reshape(x, Array(x.shape.prefix(startDimension)) + [x.shape.dropFirst(startDimension).reduce(1, *)])
}

/// Joins tensors along `dimension`; all other dimensions must agree.
public func concat(_ tensors: [Tensor], dimension: Int) throws(TensorError) -> Tensor {
    try traced("concat", inputs: tensors, ["dimension": .int(dimension)]) { () throws(TensorError) -> Tensor in
        try untracedConcat(tensors, dimension: dimension)
    }
}

private func untracedConcat(_ tensors: [Tensor], dimension: Int) throws(TensorError) -> Tensor {
    guard let first = tensors.first else { throw .invalidArgument(op: "concat", detail: "expected at least one tensor") }
    guard dimension >= 0, dimension < first.rank else {
        throw .invalidArgument(op: "concat", detail: "dimension \(dimension) out of range for rank \(first.rank)")
    }
    for tensor in tensors where tensor.rank != first.rank
        || zip(tensor.shape, first.shape).enumerated().contains(where: { $0.offset != dimension && $0.element.0 != $0.element.1 })
    {
        var expected = first.shape.map(String.init)
        expected[dimension] = "_"
        throw .shapeMismatch(op: "concat", expected: "shape [\(expected.joined(separator: ", "))]", got: tensor.shape)
    }
    var shape = first.shape
    shape[dimension] = tensors.map { $0.shape[dimension] }.reduce(0, +)
    let outer = first.shape.prefix(dimension).reduce(1, *)
    let inner = first.shape.dropFirst(dimension + 1).reduce(1, *)
    let out = Tensor(zeros: shape)
    var offset = 0
    let rowLength = shape[dimension] * inner
    for tensor in tensors {
        let length = tensor.shape[dimension] * inner
        for o in 0..<outer {
            (out.pointer + o * rowLength + offset).update(from: tensor.pointer + o * length, count: length)
        }
        offset += length
    }
    return record(out, op: "concat", inputs: tensors) { gradient, needs in
        var grads: [Tensor?] = []
        var offset = 0
        for (index, tensor) in tensors.enumerated() {
            let length = tensor.shape[dimension] * inner
            if needs[index] {
                let g = Tensor(zeros: tensor.shape)
                for o in 0..<outer {
                    (g.pointer + o * length).update(from: gradient.pointer + o * rowLength + offset, count: length)
                }
                grads.append(g)
            } else {
                grads.append(nil)
            }
            offset += length
        }
        return grads
    }
}

/// ResNet's parameter-free "option A" shortcut: keep every `stride`-th row and column, then add
/// `padBefore` and `padAfter` zero channels.
public func subsampleAndPadChannels(_ x: Tensor, stride: Int, padBefore: Int, padAfter: Int) throws(TensorError) -> Tensor {
    try traced("shortcut", inputs: [x], ["stride": .int(stride), "pad_before": .int(padBefore), "pad_after": .int(padAfter)]) {
        () throws(TensorError) -> Tensor in try untracedSubsampleAndPadChannels(x, stride: stride, padBefore: padBefore, padAfter: padAfter)
    }
}

private func untracedSubsampleAndPadChannels(_ x: Tensor, stride: Int, padBefore: Int, padAfter: Int) throws(TensorError) -> Tensor {
    try x.expectShape([-1, -1, -1, -1], "shortcut")
    guard stride > 0, padBefore >= 0, padAfter >= 0 else {
        throw .invalidArgument(op: "shortcut", detail: "expected a positive stride and non-negative padding")
    }
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let oh = (h + stride - 1) / stride, ow = (w + stride - 1) / stride
    let oc = c + padBefore + padAfter
    if let out = try subsampleAndPadChannelsBlocked(x, stride: stride, padBefore: padBefore, outputChannels: oc) {
        return out
    }
    let out = Tensor(zeros: [n, oc, oh, ow])
    let source = x.pointer, target = out.pointer
    let copy = {
        for b in 0..<n {
            for ch in 0..<c {
                for y in 0..<oh {
                    for xx in 0..<ow {
                        target[((b * oc + ch + padBefore) * oh + y) * ow + xx] = source[((b * c + ch) * h + y * stride) * w + xx * stride]
                    }
                }
            }
        }
    }
    copy()
    // Replayed by inference plans (activations in 8-lane blocks, on AVX2, come this way).
    CaptureRecorder.current?.recordHost(copy, retaining: [x.storage, out.storage])
    return record(out, op: "shortcut", inputs: [x]) { gradient, _ in
        let g = Tensor(zeros: x.shape)
        let gs = gradient.pointer, gt = g.pointer
        for b in 0..<n {
            for ch in 0..<c {
                for y in 0..<oh {
                    for xx in 0..<ow {
                        gt[((b * c + ch) * h + y * stride) * w + xx * stride] = gs[((b * oc + ch + padBefore) * oh + y) * ow + xx]
                    }
                }
            }
        }
        return [g]
    }
}

/// The option-A shortcut on an activation oneDNN left blocked (nChw8c or nChw16c, or nhwc),
/// written straight into the same channel blocking (16 for nhwc), and its gradient back into
/// the input's layout: the block's residual sum then reads it without converting the activation
/// to row-major and back (in ResNet-20 training those reorders and the row-major loops were
/// about 3% of a step). Nil for any other layout, or when the output channels do not fill blocks.
private func subsampleAndPadChannelsBlocked(_ x: Tensor, stride: Int, padBefore: Int, outputChannels oc: Int) throws(TensorError) -> Tensor? {
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    guard x.isBlocked, let inputLayout = x.layout else { return nil }
    // The output's block, where element (b, ch, y, 0) lives, and the step from one column to the next.
    let block: Int, base: (Int, Int, Int) -> Int, columnStep: Int
    if c % 16 == 0, oc % 16 == 0, try x.isStored(as: dnnl_aBcd16b) {
        block = 16
        base = { b, ch, y in ((b * (c / 16) + ch / 16) * h + y) * w * 16 + ch % 16 }
        columnStep = 16
    } else if c % 8 == 0, oc % 8 == 0, try x.isStored(as: dnnl_aBcd8b) {
        block = 8
        base = { b, ch, y in ((b * (c / 8) + ch / 8) * h + y) * w * 8 + ch % 8 }
        columnStep = 8
    } else if oc % 16 == 0, try x.isStored(as: dnnl_acdb) {
        block = 16
        base = { b, ch, y in (b * h + y) * w * c + ch }
        columnStep = c
    } else {
        return nil
    }
    let oh = (h + stride - 1) / stride, ow = (w + stride - 1) / stride
    let outShape = [n, oc, oh, ow]
    let outLayout = try plainDescriptor(outShape, block == 16 ? dnnl_aBcd16b : dnnl_aBcd8b)
    let outBlocks = oc / block, step = columnStep * stride
    /// Calls `body` with the offsets of each kept input row (b, ch, y·stride, 0) and of the
    /// output row it becomes (b, ch + padBefore, y, 0); the columns then step by `step` and `block`.
    func forEachRow(_ body: (_ from: Int, _ to: Int) -> Void) {
        for b in 0..<n {
            for ob in 0..<outBlocks {
                for lane in 0..<block {
                    let ch = ob * block + lane - padBefore
                    guard ch >= 0, ch < c else { continue }
                    for y in 0..<oh { body(base(b, ch, y * stride), (((b * outBlocks + ob) * oh + y) * ow) * block + lane) }
                }
            }
        }
    }
    let storage = TensorStorage(count: n * oc * oh * ow)  // zeros: the padded channels
    let source = x.storage.pointer, target = storage.pointer
    let copy = { forEachRow { from, to in for xx in 0..<ow { target[to + xx * block] = source[from + xx * step] } } }
    copy()
    // Inference plans replay the copy between the convolutions around it.
    CaptureRecorder.current?.recordHost(copy, retaining: [x.storage, storage])
    let out = Tensor(shape: outShape, storage: storage, layout: outLayout)
    return record(out, op: "shortcut", inputs: [x]) { gradient, _ throws(TensorError) in
        try gradient.convert(to: outLayout)
        let g = TensorStorage(count: x.storage.count)  // zeros: the rows and columns the stride skipped
        let gs = gradient.storage.pointer, gt = g.pointer
        forEachRow { from, to in for xx in 0..<ow { gt[from + xx * step] = gs[to + xx * block] } }
        return [Tensor(shape: x.shape, storage: g, layout: inputLayout)]
    }
}
