/// Convolution (+ bias), then optionally `residual` added, then an optional ReLU, for inference
/// only: one oneDNN primitive with the sum and ReLU as post-ops, so the activation never makes
/// a second pass over memory. Records no gradient; callers fold batch normalisation into
/// `weight` and `bias` first. `residual` must have the convolution's output shape.
public func fusedConvolutionForInference(
    _ x: Tensor, weight: Tensor, bias: Tensor, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
    dilation: (Int, Int) = (1, 1), groups: Int = 1, adding residual: Tensor? = nil, relu applyReLU: Bool
) throws(TensorError) -> Tensor {
    let geometry = try ConvolutionGeometry.checked(
        x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    if let residual, residual.shape != geometry.outputShape {
        throw .shapeMismatch(op: "conv2d + residual", expected: "a residual of shape \(geometry.outputShape)", got: residual.shape)
    }
    if let counted = OperationCount.counted(geometry.multiplyAccumulates, shape: geometry.outputShape) { return counted }
    if ComputeBackend.current == .dnnl {
        return try DNNLConvolution.forwardInference(geometry, input: x, weight: weight, bias: bias, residual: residual, relu: applyReLU)
    }
    let result: Result<Tensor, TensorError> = GradientMode.$isEnabled.withValue(false) {
        do throws(TensorError) {
            var out = try conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
            if let residual { out = try add(out, residual) }
            return .success(applyReLU ? relu(out) : out)
        } catch {
            return .failure(error)
        }
    }
    return try result.get()
}
