/// Convolution (+ bias) followed by an optional ReLU, for inference only: one oneDNN primitive
/// with ReLU as a post-op, so the activation never makes a second pass over memory. Records
/// no gradient; callers fold batch normalisation into `weight` and `bias` first.
public func fusedConvolutionForInference(
    _ x: Tensor, weight: Tensor, bias: Tensor, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
    dilation: (Int, Int) = (1, 1), groups: Int = 1, relu applyReLU: Bool
) throws(TensorError) -> Tensor {
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
    try bias.expectShape([geometry.outputChannels], "conv2d bias")
    if ComputeBackend.current == .dnnl {
        return try DNNLConvolution.forwardInference(geometry, input: x, weight: weight, bias: bias, relu: applyReLU)
    }
    let result: Result<Tensor, TensorError> = GradientMode.$isEnabled.withValue(false) {
        do throws(TensorError) {
            let out = try conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
            return .success(applyReLU ? relu(out) : out)
        } catch {
            return .failure(error)
        }
    }
    return try result.get()
}
