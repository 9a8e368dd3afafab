import Testing
import VisionGoldenSupport
import VisionNN
import VisionTensor

/// Finite-difference checks of every op on tiny random inputs, odd shapes included: 1×1
/// images, batch 1, non-square, padding larger than the kernel's half. Inputs to kinked ops
/// (ReLU, hardswish, max) are kept away from their kinks so that central differences are valid.
@Suite struct OpGradientCheckTests {
    var generator = SeededGenerator(seed: 11)

    mutating func random(_ shape: [Int], scale: Float = 1) -> Tensor { GradientCheck.random(shape, &generator, scale: scale) }

    /// Values spread apart (no ties within 0.05) and away from 0 and ±3 (kinks).
    mutating func spread(_ shape: [Int]) -> Tensor {
        let t = Tensor(zeros: shape)
        var values = (0..<t.count).map { Float($0) * 0.05 + 0.13 }
        values.shuffle(using: &generator)
        for i in 0..<t.count { t.pointer[i] = (i % 2 == 0 ? 1 : -1) * values[i] }
        return t
    }

    @Test(arguments: [
        // (N, Cin, H, W, Cout, k, stride, padding, dilation, groups)
        [1, 1, 1, 1, 2, 3, 1, 1, 1, 1],  // 1×1 image
        [1, 2, 3, 5, 3, 3, 1, 2, 1, 1],  // non-square, padding larger than half the kernel
        [2, 2, 5, 4, 2, 3, 2, 1, 1, 1],  // stride 2
        [1, 4, 5, 5, 4, 3, 1, 2, 2, 1],  // dilation 2
        [1, 4, 4, 3, 6, 3, 1, 1, 1, 2],  // groups 2
        [2, 3, 4, 4, 3, 3, 1, 1, 1, 3],  // depthwise
        [1, 3, 2, 3, 2, 1, 1, 0, 1, 1],  // 1×1 kernel
    ])
    mutating func convolution(_ c: [Int]) throws {
        let x = random([c[0], c[1], c[2], c[3]])
        let w = random([c[4], c[1] / c[9], c[5], c[5]], scale: 0.5)
        let b = random([c[4]])
        try onEachBackend { _ in
            try GradientCheck.check([x, w, b]) {
                try conv2d($0[0], weight: $0[1], bias: $0[2], stride: (c[6], c[6]), padding: (c[7], c[7]),
                           dilation: (c[8], c[8]), groups: c[9])
            }
        }
    }

    @Test mutating func linearLayer() throws {
        let x = random([1, 5]), w = random([3, 5]), b = random([3])
        try onEachBackend { _ in try GradientCheck.check([x, w, b]) { try linear($0[0], weight: $0[1], bias: $0[2]) } }
    }

    @Test(arguments: [true, false])
    mutating func batchNormalization(_ training: Bool) throws {
        let x = random([2, 3, 2, 3]), gamma = random([3]), beta = random([3])
        let variance = Tensor.full([3], 1.5)
        try GradientCheck.check([x, gamma, beta]) {
            try batchNorm2d($0[0], weight: $0[1], bias: $0[2], runningMean: Tensor.full([3], 0.2), runningVariance: variance,
                            training: training)
        }
    }

    @Test mutating func pooling() throws {
        let x = spread([1, 2, 5, 7])
        try GradientCheck.check([x]) { try maxPool2d($0[0], kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        try GradientCheck.check([x]) { try maxPool2d($0[0], kernel: (2, 2)) }
        try GradientCheck.check([x]) { try avgPool2d($0[0], kernel: (3, 3), stride: (2, 2), padding: (1, 1), countIncludePad: true) }
        try GradientCheck.check([x]) { try avgPool2d($0[0], kernel: (3, 3), stride: (1, 1), padding: (1, 1), countIncludePad: false) }
        try GradientCheck.check([x]) { try adaptiveAvgPool2d($0[0], outputSize: (2, 3)) }
        let single = spread([1, 1, 1, 1])
        try GradientCheck.check([single]) { try globalAvgPool2d($0[0]) }
    }

    @Test(arguments: [Activation.relu, .leakyRelu(slope: 0.1), .silu, .sigmoid, .tanh, .gelu, .geluTanh, .hardswish, .relu6])
    mutating func activations(_ kind: Activation) throws {
        let x = spread([1, 2, 3, 3])
        if kind == .relu6 { for i in 0..<x.count { x.pointer[i] *= 8 } }  // reach past 6, away from the kinks
        try onEachBackend { _ in try GradientCheck.check([x]) { activation($0[0], kind) } }
    }

    @Test mutating func arithmeticAndShapes() throws {
        let x = random([2, 3, 2, 2]), b = random([1, 3, 1, 1]), y = random([2, 3, 2, 2]), row = random([2])
        try GradientCheck.check([x, b]) { try add($0[0], $0[1]) }
        try GradientCheck.check([x, y]) { try multiply($0[0], $0[1]) }
        try GradientCheck.check([x, row]) { try multiply($0[0], $0[1]) }
        try GradientCheck.check([x, y]) { try concat([$0[0], $0[1]], dimension: 1) }
        try GradientCheck.check([x]) { try reshape($0[0], [4, -1]) }
        try GradientCheck.check([x]) { try flatten($0[0]) }
        try GradientCheck.check([x]) { try subsampleAndPadChannels($0[0], stride: 2, padBefore: 1, padAfter: 2) }
        try GradientCheck.check([x]) { scaled($0[0], by: -2.5) }
        try GradientCheck.check([x]) { mean($0[0]) }
    }

    @Test mutating func softmaxesAndLoss() throws {
        let x = random([3, 4]), image = random([1, 3, 2, 2])
        try GradientCheck.check([x]) { try softmax($0[0], dimension: 1) }
        try GradientCheck.check([x]) { try logSoftmax($0[0], dimension: 0) }
        try GradientCheck.check([image]) { try softmax($0[0], dimension: 1) }
        try GradientCheck.check([x]) { try crossEntropy($0[0], targets: [0, 3, 1]) }
        try GradientCheck.check([x]) { try crossEntropy($0[0], targets: [2, 2, 1], classWeights: [1, 2, 0.5, 3], labelSmoothing: 0.2) }
        let one = random([1, 1])
        try GradientCheck.check([one]) { try crossEntropy($0[0], targets: [0]) }
    }

    @Test func dropoutKeepsExpectationAndRoutesGradients() throws {
        var generator = SeededGenerator(seed: 1)
        let x = Tensor.full([10_000], 1)
        x.requiresGrad = true
        let y = try dropout(x, probability: 0.25, generator: &generator)
        let kept = y.scalars.filter { $0 != 0 }
        #expect(abs(Float(kept.count) / 10_000 - 0.75) < 0.02)
        #expect(kept.allSatisfy { abs($0 - 1 / 0.75) < 1e-6 })
        try backward(sum(y))
        #expect(x.grad?.scalars == y.scalars)
    }

    @Test func shapeErrorsSayWhatWasExpected() throws {
        let x = Tensor(zeros: [1, 3, 4, 4]), w = Tensor(zeros: [8, 2, 3, 3])
        #expect { _ = try conv2d(x, weight: w) } throws: {
            "\($0)" == "conv2d: expected input with 2 channels for weight [8, 2, 3, 3], got [1, 3, 4, 4]"
        }
        #expect { _ = try linear(Tensor(zeros: [2, 5]), weight: Tensor(zeros: [3, 4])) } throws: {
            "\($0)" == "linear input (N, 4): expected shape [_, 4], got [2, 5]"
        }
        #expect { _ = try maxPool2d(Tensor(zeros: [1, 1, 1, 1]), kernel: (2, 2)) } throws: { "\($0)".contains("expected an input of at least 2×2") }
        #expect { _ = try add(Tensor(zeros: [2, 3]), Tensor(zeros: [4])) } throws: { "\($0)".contains("broadcastable") }
        #expect { _ = try crossEntropy(Tensor(zeros: [2, 3]), targets: [0, 3]) } throws: { "\($0)".contains("target 3 out of range for 3 classes") }
        #expect { _ = try Tensor([1, 2, 3], shape: [2, 2]) } throws: { "\($0)".contains("expected 4 values") }
    }

    @Test func inferenceRecordsNothing() throws {
        let w = Tensor.full([2, 2], 1)
        w.requiresGrad = true
        let y = try GradientMode.withoutGradients { try linear(Tensor.full([1, 2], 1), weight: w) }
        #expect(!y.requiresGrad)
        #expect(throws: TensorError.self) { try backward(sum(y)) }
    }

    @Test func noGradientForInputsThatNeedNone() throws {
        // The input batch needs no gradient: only the weight's is computed.
        let x = Tensor.full([1, 1, 3, 3], 1)
        let w = Tensor.full([1, 1, 3, 3], 1)
        w.requiresGrad = true
        try backward(sum(try conv2d(x, weight: w, padding: (1, 1))))
        #expect(x.grad == nil)
        #expect(w.grad != nil)
    }
}

@Suite struct FusedNormReLUTests {
    @Test(arguments: [true, false])
    func matchesSeparateOpsOnBothBackends(_ training: Bool) throws {
        var generator = SeededGenerator(seed: 21)
        let x = GradientCheck.random([2, 3, 4, 5], &generator), gamma = GradientCheck.random([3], &generator)
        let beta = GradientCheck.random([3], &generator)
        func run(_ fused: Bool) throws -> ([Float], [Float]) {
            let input = x.copy()
            input.requiresGrad = true
            let mean = Tensor(zeros: [3]), variance = Tensor.full([3], 1.5)
            let y = fused
                ? try batchNorm2dReLU(input, weight: gamma, bias: beta, runningMean: mean, runningVariance: variance, training: training)
                : relu(try batchNorm2d(input, weight: gamma, bias: beta, runningMean: mean, runningVariance: variance, training: training))
            try backward(sum(try multiply(y, Tensor.full(y.shape, 0.7))))
            return (y.scalars, input.grad?.scalars ?? [])
        }
        let (separateY, separateGrad) = try run(false)
        let (fusedY, fusedGrad) = try run(true)
        for (a, b) in zip(separateY, fusedY) { #expect(abs(a - b) < 1e-5) }
        for (a, b) in zip(separateGrad, fusedGrad) { #expect(abs(a - b) < 1e-5) }
        #expect(fusedGrad.count == x.count)
    }
}
