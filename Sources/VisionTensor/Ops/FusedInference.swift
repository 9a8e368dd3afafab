/// Convolution (+ bias) followed by an optional ReLU, for inference only: one oneDNN primitive
/// with ReLU as a post-op, so the activation never makes a second pass over memory. Records
/// no gradient; callers fold batch normalisation into `weight` and `bias` first.
public func fusedConvolutionForInference(
    _ x: Tensor, weight: Tensor, bias: Tensor, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
    dilation: (Int, Int) = (1, 1), groups: Int = 1, relu applyReLU: Bool
) throws(TensorError) -> Tensor {
    let geometry = try ConvolutionGeometry.checked(
        x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
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
