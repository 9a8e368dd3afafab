import Testing
import VisionNN
import VisionTensor

/// Inference folds batch norm into the convolution and fuses ReLU; it must give what the
/// separate ops give, and notice when a weight changes.
@Suite struct FusedInferenceTests {
    @Test(arguments: [
        (16, 16, 1, true), (16, 16, 1, false), (32, 32, 1, true), (16, 32, 2, true), (3, 16, 1, true), (20, 12, 1, true),
    ])
    func convolutionWithResidualMatchesSeparateOps(_ inputs: Int, _ outputs: Int, _ stride: Int, _ relu: Bool) throws {
        var generator = SeededGenerator(seed: UInt64(inputs * 100 + outputs + stride))
        let x = GradientCheck.random([2, inputs, 12, 10], &generator)
        let weight = GradientCheck.random([outputs, inputs, 3, 3], &generator, scale: 0.2)
        let bias = GradientCheck.random([outputs], &generator)
        let (oh, ow) = ((12 - 1) / stride + 1, (10 - 1) / stride + 1)
        let residual = GradientCheck.random([2, outputs, oh, ow], &generator)
        let expected = try GradientMode.withoutGradients { () throws -> [Float] in
            let sum = try add(conv2d(x, weight: weight, bias: bias, stride: (stride, stride), padding: (1, 1)), residual)
            return (relu ? VisionTensor.relu(sum) : sum).scalars
        }
        for backend in ComputeBackend.allCases {
            try ComputeBackend.with(backend) {
                // A blocked residual: the output of another inference convolution.
                let blockedResidual = try fusedConvolutionForInference(
                    residual, weight: identityWeight(outputs), bias: Tensor(zeros: [outputs]), padding: (1, 1), relu: false)
                for residualInput in [residual, blockedResidual] {
                    let fused = try GradientMode.withoutGradients {
                        try fusedConvolutionForInference(
                            x, weight: weight, bias: bias, stride: (stride, stride), padding: (1, 1), adding: residualInput, relu: relu)
                    }
                    #expect(fused.shape == [2, outputs, oh, ow])
                    let got = fused.scalars
                    let worst = zip(expected, got).map { abs($0 - $1) / (1 + abs($0)) }.max() ?? 0
                    #expect(worst <= 1e-4, "\(backend) inputs \(inputs) outputs \(outputs) stride \(stride): off by \(worst)")
                }
            }
        }
        let wrong = Tensor(zeros: [2, outputs, oh + 1, ow])
        #expect(throws: TensorError.self) {
            try GradientMode.withoutGradients {
                try fusedConvolutionForInference(x, weight: weight, bias: bias, stride: (stride, stride), padding: (1, 1), adding: wrong, relu: relu)
            }
        }
    }

    /// A 3×3 kernel that copies each channel (centre tap 1).
    func identityWeight(_ channels: Int) -> Tensor {
        let w = Tensor(zeros: [channels, channels, 3, 3])
        for c in 0..<channels { w.pointer[(c * channels + c) * 9 + 4] = 1 }
        return w
    }

    /// The option-A shortcut on an activation left blocked by oneDNN gives what it gives on
    /// row-major values.
    @Test(arguments: [(16, 8, 2), (32, 16, 2), (16, 0, 1)])
    func blockedShortcutMatchesRowMajor(_ channels: Int, _ pad: Int, _ stride: Int) throws {
        var generator = SeededGenerator(seed: UInt64(channels + pad))
        let x = GradientCheck.random([2, channels, 9, 8], &generator)
        let expected = try GradientMode.withoutGradients {
            try subsampleAndPadChannels(x, stride: stride, padBefore: pad, padAfter: pad).scalars
        }
        let blocked = try GradientMode.withoutGradients {
            try fusedConvolutionForInference(x, weight: identityWeight(channels), bias: Tensor(zeros: [channels]), padding: (1, 1), relu: false)
        }
        #expect(blocked.isBlocked)
        let got = try GradientMode.withoutGradients {
            try subsampleAndPadChannels(blocked, stride: stride, padBefore: pad, padAfter: pad)
        }
        #expect(got.shape == [2, channels + 2 * pad, (9 + stride - 1) / stride, (8 + stride - 1) / stride])
        for (a, b) in zip(expected, got.scalars) { #expect(abs(a - b) <= 1e-5) }
    }
}
