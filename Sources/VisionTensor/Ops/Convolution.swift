func untracedConv2d(
    _ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
    dilation: (Int, Int) = (1, 1), groups: Int = 1
) throws(TensorError) -> Tensor {
    let geometry = try ConvolutionGeometry.checked(x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    if let counted = OperationCount.counted(geometry.multiplyAccumulates, shape: geometry.outputShape) { return counted }
    let out = try Convolution.forward(geometry, input: x, weight: weight, bias: bias)
    let inputs = [x, weight] + (bias.map { [$0] } ?? [])
    let x0 = x.detached(), w0 = weight.detached()
    return record(out, op: "conv2d", inputs: inputs) { gradient, needs throws(TensorError) in
        let (gradInput, gradWeight, gradBias) = try Convolution.backward(
            geometry, input: x0, weight: w0, gradOutput: gradient, needs: (needs[0], needs[1], needs.count > 2 && needs[2]))
        return [gradInput, gradWeight] + (needs.count > 2 ? [gradBias] : [])
    }
}

extension ConvolutionGeometry {
    /// The geometry of convolving `x` with `weight`, after checking every shape involved.
    static func checked(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int),
                        groups: Int) throws(TensorError) -> ConvolutionGeometry {
        try x.expectShape([-1, -1, -1, -1], "conv2d input (N, C, H, W)")
        try weight.expectShape([-1, -1, -1, -1], "conv2d weight (O, I/groups, kH, kW)")
        let geometry = ConvolutionGeometry(
            batch: x.shape[0], inputChannels: x.shape[1], inputHeight: x.shape[2], inputWidth: x.shape[3],
            outputChannels: weight.shape[0], kernelHeight: weight.shape[2], kernelWidth: weight.shape[3],
            strideHeight: stride.0, strideWidth: stride.1, paddingHeight: padding.0, paddingWidth: padding.1,
            dilationHeight: dilation.0, dilationWidth: dilation.1, groups: groups)
        try geometry.validate("conv2d")
        guard weight.shape[1] * groups == x.shape[1] else {
            throw .shapeMismatch(
                op: "conv2d", expected: "input with \(weight.shape[1] * groups) channels for weight \(weight.shape)", got: x.shape)
        }
        if let bias { try bias.expectShape([geometry.outputChannels], "conv2d bias") }
        return geometry
    }
}

/// Dispatches convolution to oneDNN or the reference loops.
enum Convolution {
    static func forward(_ g: ConvolutionGeometry, input: Tensor, weight: Tensor, bias: Tensor?) throws(TensorError) -> Tensor {
        if ComputeBackend.current == .dnnl { return try DNNLConvolution.forward(g, input: input, weight: weight, bias: bias) }
        let out = Tensor(zeros: g.outputShape)
        ReferenceConvolution.forward(g, input: input.pointer, weight: weight.pointer, bias: bias?.pointer, output: out.pointer)
        return out
    }

    static func backward(_ g: ConvolutionGeometry, input: Tensor, weight: Tensor, gradOutput: Tensor, needs: (Bool, Bool, Bool))
        throws(TensorError) -> (Tensor?, Tensor?, Tensor?)
    {
        if ComputeBackend.current == .dnnl {
            return try DNNLConvolution.backward(g, input: input, weight: weight, gradOutput: gradOutput, needs: needs)
        }
        let gradInput = needs.0 ? Tensor(zeros: g.inputShape) : nil
        let gradWeight = needs.1 ? Tensor(zeros: g.weightShape) : nil
        let gradBias = needs.2 ? Tensor(zeros: [g.outputChannels]) : nil
        ReferenceConvolution.backward(
            g, input: input.pointer, weight: weight.pointer, gradOutput: gradOutput.pointer, gradInput: gradInput?.pointer,
            gradWeight: gradWeight?.pointer, gradBias: gradBias?.pointer)
        return (gradInput, gradWeight, gradBias)
    }
}

/// 2-D convolution of NCHW `x` with OIHW `weight` (O, I/groups, kH, kW) and optional bias [O].
public func conv2d(
    _ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
    dilation: (Int, Int) = (1, 1), groups: Int = 1
) throws(TensorError) -> Tensor {
    try traced(
        "conv2d", inputs: [x, weight] + (bias.map { [$0] } ?? []),
        ["stride": .ints([stride.0, stride.1]), "padding": .ints([padding.0, padding.1]), "dilation": .ints([dilation.0, dilation.1]),
         "groups": .int(groups)]
    ) { () throws(TensorError) -> Tensor in
        try untracedConv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}
