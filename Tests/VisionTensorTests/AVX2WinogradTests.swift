import CWinograd
import Foundation
import Testing
@testable import VisionTensor

/// Our Winograd F(4×4, 3×3) (used where oneDNN's effective ISA is AVX2) gives what oneDNN's
/// direct convolution gives, in all three training passes and in fused inference, on odd and
/// even map sizes, with and without bias. Forced on, so that it is checked on AVX-512 machines.
@Suite(.enabled(if: vision_winograd_supported() != 0, "needs a CPU with AVX2 and FMA"))
struct AVX2WinogradTests {
    static func values(_ count: Int, _ phase: Double) -> [Float] {
        (0..<count).map { Float(sin(Double($0) * 0.731 + phase)) }
    }

    /// F(4×4, 3×3) in fp32 differs from direct convolution by rounding, about 1e-5 of the
    /// values' scale (as oneDNN's own F(4×4, 3×3) does).
    static let tolerance: Float = 5e-5

    /// Largest difference relative to the reference's largest magnitude.
    static func relativeError(_ a: [Float], _ b: [Float]) -> Float {
        let scale = max(b.map(abs).max() ?? 0, 1e-6)
        return zip(a, b).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
    }

    /// Whether a padding-1 convolution of `x` by `w` (and `b`) takes our kernels.
    static func applies(_ x: Tensor, _ w: Tensor, _ b: Tensor?) throws -> Bool {
        AVX2Winograd.applies(try ConvolutionGeometry.checked(x, weight: w, bias: b, stride: (1, 1), padding: (1, 1), dilation: (1, 1), groups: 1))
    }

    struct Result {
        var output: [Float], gradInput: [Float], gradWeight: [Float], gradBias: [Float]?
    }

    static func train(_ winograd: Bool, batch: Int, inputs: Int, outputs: Int, height: Int, width: Int, bias: Bool) throws -> Result {
        try AVX2Winograd.$forced.withValue(winograd) {
            let x = try Tensor(values(batch * inputs * height * width, 0), shape: [batch, inputs, height, width])
            let w = try Tensor(values(outputs * inputs * 9, 1).map { $0 * 0.2 }, shape: [outputs, inputs, 3, 3])
            let b = bias ? try Tensor(values(outputs, 2), shape: [outputs]) : nil
            for t in [x, w] + (b.map { [$0] } ?? []) { t.requiresGrad = true }
            let y = try conv2d(x, weight: w, bias: b, padding: (1, 1))
            if winograd { #expect(try Self.applies(x, w, b)) }
            let r = try Tensor(values(y.count, 3), shape: y.shape)
            try backward(sum(multiply(y, r)))
            return Result(output: y.scalars, gradInput: try #require(x.grad).scalars, gradWeight: try #require(w.grad).scalars,
                          gradBias: try b.map { try #require($0.grad).scalars })
        }
    }

    @Test(arguments: [(2, 16, 16, 16, 16, false), (4, 32, 24, 13, 11, true), (3, 16, 64, 11, 10, false), (2, 64, 32, 16, 16, true)])
    func trainingMatchesDirect(_ batch: Int, _ inputs: Int, _ outputs: Int, _ height: Int, _ width: Int, _ bias: Bool) throws {
        let expected = try Self.train(false, batch: batch, inputs: inputs, outputs: outputs, height: height, width: width, bias: bias)
        let got = try Self.train(true, batch: batch, inputs: inputs, outputs: outputs, height: height, width: width, bias: bias)
        #expect(Self.relativeError(got.output, expected.output) < Self.tolerance)
        #expect(Self.relativeError(got.gradInput, expected.gradInput) < Self.tolerance)
        #expect(Self.relativeError(got.gradWeight, expected.gradWeight) < Self.tolerance)
        if let expectedBias = expected.gradBias { #expect(Self.relativeError(try #require(got.gradBias), expectedBias) < Self.tolerance) }
    }

    /// Inference with bias, a residual and ReLU fused, as folded ResNet blocks run it (plans
    /// replaying it: InferencePlanTests, whose ResNet-20 passes take it on any CPU with AVX2).
    @Test(arguments: [(false, false), (true, true), (false, true)])
    func fusedInferenceMatchesDirect(_ residual: Bool, _ relu: Bool) throws {
        let shape = [3, 32, 12, 12]
        func run(_ winograd: Bool) throws -> [Float] {
            try AVX2Winograd.$forced.withValue(winograd) {
                try GradientMode.withoutGradients {
                    let x = try Tensor(Self.values(shape.reduce(1, *), 0), shape: shape)
                    let w = try Tensor(Self.values(32 * 32 * 9, 1).map { $0 * 0.1 }, shape: [32, 32, 3, 3])
                    let b = try Tensor(Self.values(32, 2), shape: [32])
                    let extra = residual ? try Tensor(Self.values(shape.reduce(1, *), 4), shape: shape) : nil
                    if winograd { #expect(try Self.applies(x, w, b)) }
                    return try fusedConvolutionForInference(x, weight: w, bias: b, padding: (1, 1), adding: extra, relu: relu).scalars
                }
            }
        }
        let expected = try run(false), got = try run(true)
        #expect(Self.relativeError(got, expected) < Self.tolerance)
        if relu { #expect(got.contains(0) && got.allSatisfy { $0 >= 0 }) }
    }

    /// Turned off, on a layer it does not cover, or on too small a map, oneDNN computes.
    @Test func coverage() throws {
        func geometry(_ c: Int, _ k: Int, stride: Int = 1, padding: Int = 1, kernel: Int = 3, batch: Int = 8, size: Int = 8) -> ConvolutionGeometry {
            ConvolutionGeometry(batch: batch, inputChannels: c, inputHeight: size, inputWidth: size, outputChannels: k, kernelHeight: kernel,
                                kernelWidth: kernel, strideHeight: stride, strideWidth: stride, paddingHeight: padding, paddingWidth: padding,
                                dilationHeight: 1, dilationWidth: 1, groups: 1)
        }
        AVX2Winograd.$forced.withValue(true) {
            #expect(AVX2Winograd.applies(geometry(16, 32)))
            #expect(!AVX2Winograd.applies(geometry(16, 32, stride: 2)))
            #expect(!AVX2Winograd.applies(geometry(12, 16)))
            #expect(!AVX2Winograd.applies(geometry(8, 16)))
            #expect(AVX2Winograd.applies(geometry(128, 128)))
            #expect(!AVX2Winograd.applies(geometry(128, 256)))
            #expect(!AVX2Winograd.applies(geometry(16, 16, padding: 0)))
            #expect(!AVX2Winograd.applies(geometry(16, 16, padding: 0, kernel: 1)))
            #expect(!AVX2Winograd.applies(geometry(16, 16, batch: 1, size: 4)))  // 4 tiles: too few to share out
        }
        AVX2Winograd.$forced.withValue(false) { #expect(!AVX2Winograd.applies(geometry(16, 32))) }
    }

    /// oneDNN's own Winograd (AVX-512, F(4×4, 3×3), weights kept 4× their size) is left out of
    /// one-image inference, where it gained nothing; training and larger batches keep it.
    @Test(.enabled(if: DNNLConvolution.winogradEnabled)) func oneImageInferenceSkipsOneDNNWinograd() throws {
        func geometry(batch: Int) -> ConvolutionGeometry {
            ConvolutionGeometry(batch: batch, inputChannels: 64, inputHeight: 8, inputWidth: 8, outputChannels: 64, kernelHeight: 3,
                                kernelWidth: 3, strideHeight: 1, strideWidth: 1, paddingHeight: 1, paddingWidth: 1,
                                dilationHeight: 1, dilationWidth: 1, groups: 1)
        }
        GradientMode.withoutGradients {
            #expect(!DNNLConvolution.usesWinograd(geometry(batch: 1)))
            #expect(DNNLConvolution.usesWinograd(geometry(batch: 2)))
        }
        #expect(DNNLConvolution.usesWinograd(geometry(batch: 1)))
    }
}
