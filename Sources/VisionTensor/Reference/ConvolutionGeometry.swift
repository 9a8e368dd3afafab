/// The sizes of a 2-D convolution or pooling window, and its output size (PyTorch's rule:
/// floor((H + 2p - d(k-1) - 1) / s) + 1).
public struct ConvolutionGeometry: Hashable, Sendable {
    public var batch: Int
    public var inputChannels: Int
    public var inputHeight: Int
    public var inputWidth: Int
    public var outputChannels: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var strideHeight: Int
    public var strideWidth: Int
    public var paddingHeight: Int
    public var paddingWidth: Int
    public var dilationHeight: Int
    public var dilationWidth: Int
    public var groups: Int

    public var outputHeight: Int {
        (inputHeight + 2 * paddingHeight - dilationHeight * (kernelHeight - 1) - 1) / strideHeight + 1
    }
    public var outputWidth: Int {
        (inputWidth + 2 * paddingWidth - dilationWidth * (kernelWidth - 1) - 1) / strideWidth + 1
    }
    public var inputShape: [Int] { [batch, inputChannels, inputHeight, inputWidth] }
    public var outputShape: [Int] { [batch, outputChannels, outputHeight, outputWidth] }
    public var weightShape: [Int] { [outputChannels, inputChannels / groups, kernelHeight, kernelWidth] }

    /// Checks sizes that would otherwise give an empty or negative output.
    func validate(_ op: String) throws(TensorError) {
        guard strideHeight > 0, strideWidth > 0, dilationHeight > 0, dilationWidth > 0, paddingHeight >= 0,
            paddingWidth >= 0, kernelHeight > 0, kernelWidth > 0
        else {
            throw .invalidArgument(op: op, detail: "expected positive kernel, stride and dilation and non-negative padding")
        }
        guard groups > 0, inputChannels % groups == 0, outputChannels % groups == 0 else {
            throw .invalidArgument(
                op: op, detail: "expected channels divisible by groups \(groups), got \(inputChannels) in, \(outputChannels) out")
        }
        let reachHeight = inputHeight + 2 * paddingHeight
        let reachWidth = inputWidth + 2 * paddingWidth
        guard reachHeight >= dilationHeight * (kernelHeight - 1) + 1, reachWidth >= dilationWidth * (kernelWidth - 1) + 1 else {
            throw .shapeMismatch(
                op: op,
                expected: "an input of at least \(dilationHeight * (kernelHeight - 1) + 1 - 2 * paddingHeight)×\(dilationWidth * (kernelWidth - 1) + 1 - 2 * paddingWidth) for a \(kernelHeight)×\(kernelWidth) window",
                got: inputShape)
        }
    }
}
