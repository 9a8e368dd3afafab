/// Max pooling (padding acts as -inf; floor mode).
public func maxPool2d(_ x: Tensor, kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) throws(TensorError) -> Tensor {
    let s = stride ?? kernel
    return try traced(
        "maxpool2d", inputs: [x], ["kernel": .ints([kernel.0, kernel.1]), "stride": .ints([s.0, s.1]), "padding": .ints([padding.0, padding.1])]
    ) { () throws(TensorError) -> Tensor in try untracedMaxPool2d(x, kernel: kernel, stride: stride, padding: padding) }
}

private func untracedMaxPool2d(_ x: Tensor, kernel: (Int, Int), stride: (Int, Int)?, padding: (Int, Int)) throws(TensorError) -> Tensor {
    let g = try poolingGeometry(x, kernel: kernel, stride: stride ?? kernel, padding: padding, op: "maxpool2d")
    if ComputeBackend.current == .dnnl { return try dnnlPool(x, g, .max, op: "maxpool2d") }
    let out = Tensor(zeros: g.outputShape)
    var argmax = [Int32](repeating: 0, count: out.count)
    argmax.withUnsafeMutableBufferPointer { ReferencePooling.maxForward(g, input: x.pointer, output: out.pointer, argmax: $0.baseAddress!) }
    let argmaxFinal = argmax
    return record(out, op: "maxpool2d", inputs: [x]) { gradient, _ in
        let gi = Tensor(zeros: g.inputShape)
        let s = gradient.pointer, t = gi.pointer
        for i in 0..<argmaxFinal.count where argmaxFinal[i] >= 0 { t[Int(argmaxFinal[i])] += s[i] }
        return [gi]
    }
}

/// Average pooling; `countIncludePad` divides by the whole window, else by the cells inside.
public func avgPool2d(_ x: Tensor, kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                      countIncludePad: Bool = true) throws(TensorError) -> Tensor {
    let s = stride ?? kernel
    return try traced(
        "avgpool2d", inputs: [x],
        ["kernel": .ints([kernel.0, kernel.1]), "stride": .ints([s.0, s.1]), "padding": .ints([padding.0, padding.1]),
         "count_include_pad": .int(countIncludePad ? 1 : 0)]
    ) { () throws(TensorError) -> Tensor in try untracedAvgPool2d(x, kernel: kernel, stride: stride, padding: padding, countIncludePad: countIncludePad) }
}

private func untracedAvgPool2d(_ x: Tensor, kernel: (Int, Int), stride: (Int, Int)?, padding: (Int, Int),
                               countIncludePad: Bool) throws(TensorError) -> Tensor {
    let g = try poolingGeometry(x, kernel: kernel, stride: stride ?? kernel, padding: padding, op: "avgpool2d")
    if ComputeBackend.current == .dnnl { return try dnnlPool(x, g, .average(includePadding: countIncludePad), op: "avgpool2d") }
    let out = Tensor(zeros: g.outputShape)
    ReferencePooling.averageForward(g, includePadding: countIncludePad, input: x.pointer, output: out.pointer)
    return record(out, op: "avgpool2d", inputs: [x]) { gradient, _ in
        let gi = Tensor(zeros: g.inputShape)
        ReferencePooling.averageBackward(g, includePadding: countIncludePad, gradOutput: gradient.pointer, gradInput: gi.pointer)
        return [gi]
    }
}

/// Adaptive average pooling to `outputSize`, with PyTorch's windows:
/// start = floor(i·H/out), end = ceil((i+1)·H/out).
public func adaptiveAvgPool2d(_ x: Tensor, outputSize: (Int, Int)) throws(TensorError) -> Tensor {
    try traced("adaptive_avgpool2d", inputs: [x], ["output_size": .ints([outputSize.0, outputSize.1])]) { () throws(TensorError) -> Tensor in
        try untracedAdaptiveAvgPool2d(x, outputSize: outputSize)
    }
}

private func untracedAdaptiveAvgPool2d(_ x: Tensor, outputSize: (Int, Int)) throws(TensorError) -> Tensor {
    try x.expectShape([-1, -1, -1, -1], "adaptive_avgpool2d input (N, C, H, W)")
    guard outputSize.0 > 0, outputSize.1 > 0 else {
        throw .invalidArgument(op: "adaptive_avgpool2d", detail: "expected a positive output size")
    }
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (oh, ow) = outputSize
    if ComputeBackend.current == .dnnl && h % oh == 0 && w % ow == 0 {
        // Equal windows: plain average pooling with kernel = stride = input / output.
        let g = PoolingGeometry(
            batch: n, channels: c, inputHeight: h, inputWidth: w, kernelHeight: h / oh, kernelWidth: w / ow,
            strideHeight: h / oh, strideWidth: w / ow, paddingHeight: 0, paddingWidth: 0)
        return try dnnlPool(x, g, .average(includePadding: true), op: "adaptive_avgpool2d")
    }
    func window(_ i: Int, _ outSize: Int, _ inSize: Int) -> Range<Int> {
        (i * inSize / outSize)..<(((i + 1) * inSize + outSize - 1) / outSize)
    }
    let out = Tensor(zeros: [n, c, oh, ow])
    let s = x.pointer, t = out.pointer
    for plane in 0..<(n * c) {
        for oy in 0..<oh {
            let rows = window(oy, oh, h)
            for ox in 0..<ow {
                let columns = window(ox, ow, w)
                var total: Float = 0
                for y in rows { for xx in columns { total += s[(plane * h + y) * w + xx] } }
                t[(plane * oh + oy) * ow + ox] = total / Float(rows.count * columns.count)
            }
        }
    }
    return record(out, op: "adaptive_avgpool2d", inputs: [x]) { gradient, _ in
        let gi = Tensor(zeros: x.shape)
        let gs = gradient.pointer, gt = gi.pointer
        for plane in 0..<(n * c) {
            for oy in 0..<oh {
                let rows = window(oy, oh, h)
                for ox in 0..<ow {
                    let columns = window(ox, ow, w)
                    let share = gs[(plane * oh + oy) * ow + ox] / Float(rows.count * columns.count)
                    for y in rows { for xx in columns { gt[(plane * h + y) * w + xx] += share } }
                }
            }
        }
        return [gi]
    }
}

/// Global average pooling: [N, C, H, W] → [N, C, 1, 1].
public func globalAvgPool2d(_ x: Tensor) throws(TensorError) -> Tensor {
    try adaptiveAvgPool2d(x, outputSize: (1, 1))
}

private func poolingGeometry(_ x: Tensor, kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), op: String) throws(TensorError) -> PoolingGeometry {
    try x.expectShape([-1, -1, -1, -1], "\(op) input (N, C, H, W)")
    let g = PoolingGeometry(
        batch: x.shape[0], channels: x.shape[1], inputHeight: x.shape[2], inputWidth: x.shape[3],
        kernelHeight: kernel.0, kernelWidth: kernel.1, strideHeight: stride.0, strideWidth: stride.1,
        paddingHeight: padding.0, paddingWidth: padding.1)
    try g.validate(op)
    return g
}

private func dnnlPool(_ x: Tensor, _ g: PoolingGeometry, _ kind: DNNLPooling.Kind, op: String) throws(TensorError) -> Tensor {
    let (out, saved) = try DNNLPooling.forward(x, g, kind: kind)
    return record(out, op: op, inputs: [x]) { gradient, _ throws(TensorError) in
        [try DNNLPooling.backward(gradient, g, kind: kind, saved: saved)]
    }
}
