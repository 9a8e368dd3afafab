import CDNNL
import CWinograd
import Foundation

/// Winograd convolution of our own (`Sources/CWinograd`: F(4×4, 3×3) in all three passes) for
/// 3×3 stride-1 padding-1 convolutions whose channels fill 8-lane blocks, on activations in
/// nChw8c, the layout oneDNN's AVX2 kernels use around it. Where oneDNN runs AVX2 code (oneDNN
/// 2.6 has no Winograd for AVX2) it serves inference and all three training passes. Where
/// oneDNN runs AVX-512 code it serves inference only: there ResNet-20 at batch 64 ran
/// 4,135–4,330 images/s with it against 3,038–3,198 with oneDNN's AVX-512 Winograd, while
/// training came out even (782–907 against 801–815 images/s), so it stays with oneDNN's
/// kernels. `VISION_WINOGRAD=0` turns it off (with oneDNN's Winograd); `VISION_WINOGRAD=avx2`
/// uses it wherever it applies, on any CPU with AVX2.
enum AVX2Winograd {
    /// Where it runs: "everywhere" (oneDNN runs AVX2 code, or `VISION_WINOGRAD=avx2`),
    /// "inference" (oneDNN runs AVX-512 code) or "never" (turned off, or no AVX2 and FMA).
    enum Scope { case everywhere, inference, never }

    static let scope: Scope = {
        guard DNNLConvolution.winogradEnabled, vision_winograd_supported() != 0 else { return .never }
        if ProcessInfo.processInfo.environment["VISION_WINOGRAD"] == "avx2" { return .everywhere }
        let isa = CPUFeatures.effectiveISA
        if isa.hasPrefix("avx2") { return .everywhere }
        return isa.hasPrefix("avx512") ? .inference : .never
    }()

    /// Tests force it on (to check it on an AVX-512 machine) or off (for oneDNN's answer).
    @TaskLocal static var forced: Bool?

    static var inScope: Bool {
        if let forced { return forced }
        switch scope {
        case .everywhere: return true
        case .inference: return !GradientMode.isEnabled
        case .never: return false
        }
    }

    /// Layers narrower than this stay with oneDNN's direct kernels. Maps with too few 4×4
    /// tiles to give each thread two blocks do too (at batch 1 the 8×8 maps ran slower).
    static let minimumChannels = 16

    /// Wider layers stay with oneDNN too, for now: the kernels do not block the channel sums
    /// for the cache, so a 512×512 layer streams its 36 MB of transformed weights for every
    /// block of tiles. ResNet-18 at 224×224, AVX2, against oneDNN alone: with every layer,
    /// training 2× slower and inference 17% slower; up to 64 channels +13% and +19%; up to 128
    /// +15% and +30%; up to 256 training slower again.
    static let maximumChannels = 128

    static func applies(_ g: ConvolutionGeometry) -> Bool {
        guard inScope else { return false }
        return g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideHeight == 1 && g.strideWidth == 1
            && g.paddingHeight == 1 && g.paddingWidth == 1 && g.dilationHeight == 1 && g.dilationWidth == 1 && g.groups == 1
            && g.inputChannels % 8 == 0 && g.outputChannels % 8 == 0
            && g.inputChannels >= minimumChannels && g.outputChannels >= minimumChannels
            && g.inputChannels <= maximumChannels && g.outputChannels <= maximumChannels
            && vision_winograd_worthwhile(Int32(g.batch), Int32(g.inputHeight), Int32(g.inputWidth)) != 0
    }

    private static func blocked(_ shape: [Int]) throws(TensorError) -> dnnl_memory_desc_t {
        try plainDescriptor(shape, dnnl_aBcd8b)
    }

    /// `weight` transformed for the forward pass (`flip` false) or the backward-data pass; in
    /// inference the copy is kept until the weight changes, as oneDNN's reordered weights are.
    private static func transformed(_ weight: Tensor, _ g: ConvolutionGeometry, flip: Bool) -> TensorStorage {
        let storage = weight.rowMajorStorage
        let layout = "winograd F(4x4,3x3) " + (flip ? "backward-data" : "forward")
        let cacheable = !GradientMode.isEnabled
        if cacheable, let cached = WeightCache.shared.lookup(storage, version: weight.version, layout: layout) { return cached }
        let count = vision_winograd_weights_count(Int32(g.inputChannels), Int32(g.outputChannels))
        let u = CaptureRecorder.$current.withValue(nil) { TensorStorage(uninitializedCount: count) }
        vision_winograd_transform_weights(storage.pointer, Int32(g.outputChannels), Int32(g.inputChannels), flip ? 1 : 0, u.pointer)
        if cacheable { WeightCache.shared.store(u, for: storage, version: weight.version, layout: layout) }
        return u
    }

    /// relu?(conv(input, weight) + bias + residual), output in nChw8c.
    static func forward(_ g: ConvolutionGeometry, input: Tensor, weight: Tensor, bias: Tensor?, residual: Tensor?, relu: Bool)
        throws(TensorError) -> Tensor
    {
        try input.convert(to: blocked(g.inputShape))
        let outputLayout = try blocked(g.outputShape)
        try residual?.convert(to: outputLayout)
        let u = transformed(weight, g, flip: false)
        let output = TensorStorage(uninitializedCount: g.outputShape.reduce(1, *))
        let biasStorage = bias?.rowMajorStorage
        let (source, target, extra) = (input.storage, output, residual?.storage)
        let run = {
            vision_winograd_forward(
                source.pointer, u.pointer, biasStorage?.pointer, extra?.pointer, target.pointer, Int32(g.batch), Int32(g.inputChannels),
                Int32(g.outputChannels), Int32(g.inputHeight), Int32(g.inputWidth), relu ? 1 : 0)
        }
        guard run() == 0 else { throw .backend(op: "conv2d winograd", detail: "no memory for the transformed tiles") }
        // Inference plans replay it between the primitives around it.
        CaptureRecorder.current?.recordHost({ _ = run() }, retaining: [source, u, target] + [biasStorage, extra].compactMap { $0 })
        return Tensor(shape: g.outputShape, storage: output, layout: outputLayout)
    }

    /// dL/dx: dL/dy convolved with the kernels turned 180°, input and output channels swapped.
    static func backwardData(_ g: ConvolutionGeometry, weight: Tensor, gradOutput: Tensor) throws(TensorError) -> Tensor {
        try gradOutput.convert(to: blocked(g.outputShape))
        let u = transformed(weight, g, flip: true)
        let result = TensorStorage(uninitializedCount: g.inputShape.reduce(1, *))
        let status = vision_winograd_forward(
            gradOutput.storage.pointer, u.pointer, nil, nil, result.pointer, Int32(g.batch), Int32(g.outputChannels),
            Int32(g.inputChannels), Int32(g.inputHeight), Int32(g.inputWidth), 0)
        guard status == 0 else { throw .backend(op: "conv2d winograd backward data", detail: "no memory for the transformed tiles") }
        return Tensor(shape: g.inputShape, storage: result, layout: try blocked(g.inputShape))
    }

    /// dL/dw (row-major OIHW) and, with `bias`, dL/db.
    static func backwardWeights(_ g: ConvolutionGeometry, input: Tensor, gradOutput: Tensor, bias: Bool)
        throws(TensorError) -> (Tensor, Tensor?)
    {
        try input.convert(to: blocked(g.inputShape))
        try gradOutput.convert(to: blocked(g.outputShape))
        let gradWeight = Tensor(shape: g.weightShape, storage: TensorStorage(uninitializedCount: g.weightShape.reduce(1, *)))
        let gradBias = bias ? Tensor(zeros: [g.outputChannels]) : nil
        let status = vision_winograd_backward_weights(
            input.storage.pointer, gradOutput.storage.pointer, gradWeight.storage.pointer, gradBias?.storage.pointer,
            Int32(g.batch), Int32(g.inputChannels), Int32(g.outputChannels), Int32(g.inputHeight), Int32(g.inputWidth))
        guard status == 0 else { throw .backend(op: "conv2d winograd backward weights", detail: "no memory for the transformed tiles") }
        return (gradWeight, gradBias)
    }
}
