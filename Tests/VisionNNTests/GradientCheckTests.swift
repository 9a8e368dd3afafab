import Foundation
import Testing
import VisionNN
import VisionTensor

/// Finite-difference checks: the analytic gradient of L = Σ f(x)·r (r random) against
/// (L(x+h) − L(x−h)) / 2h, in Float64-free Float32 with a tolerance that fits h = 1e-2.
enum GradientCheck {
    static func random(_ shape: [Int], _ generator: inout SeededGenerator, scale: Float = 1) -> Tensor {
        let t = Tensor(zeros: shape)
        for i in 0..<t.count { t.pointer[i] = generator.nextNormal() * scale }
        return t
    }

    /// Checks d/d(each input) of Σ f(inputs)·r. Returns the worst relative error.
    @discardableResult
    static func check(_ inputs: [Tensor], tolerance: Float = 2e-2, sourceLocation: SourceLocation = #_sourceLocation,
                      _ f: ([Tensor]) throws -> Tensor) throws -> Float {
        var generator = SeededGenerator(seed: 99)
        for input in inputs { input.requiresGrad = true; input.grad = nil }
        let output = try f(inputs)
        let weights = random(output.shape, &generator)
        try backward(sum(try multiply(output, weights)))
        let analytic = inputs.map { $0.grad?.scalars ?? [Float](repeating: 0, count: $0.count) }
        func loss() throws -> Double {
            let y = try GradientMode.withoutGradients { try f(inputs) }
            var total: Double = 0
            for i in 0..<y.count { total += Double(y.pointer[i]) * Double(weights.pointer[i]) }
            return total
        }
        var worst: Float = 0
        let h: Float = 1e-2
        for (index, input) in inputs.enumerated() {
            for i in 0..<input.count {
                let saved = input.pointer[i]
                input.pointer[i] = saved + h
                let plus = try loss()
                input.pointer[i] = saved - h
                let minus = try loss()
                input.pointer[i] = saved
                let numeric = Float((plus - minus) / Double(2 * h))
                let error = abs(numeric - analytic[index][i]) / max(1, abs(numeric))
                worst = max(worst, error)
                #expect(error <= tolerance, "input \(index)[\(i)]: numeric \(numeric), analytic \(analytic[index][i])",
                        sourceLocation: sourceLocation)
            }
        }
        return worst
    }
}

@Suite(.serialized) struct CompositionGradientTests {
    @Test func convThenBatchNorm() throws {
        var generator = SeededGenerator(seed: 5)
        let w = GradientCheck.random([3, 2, 3, 3], &generator, scale: 0.5)
        let gamma = GradientCheck.random([3], &generator), beta = GradientCheck.random([3], &generator)
        let x = GradientCheck.random([2, 2, 5, 5], &generator)
        try GradientCheck.check([x]) {
            try batchNorm2d(conv2d($0[0], weight: w, padding: (1, 1)), weight: gamma, bias: beta,
                            runningMean: Tensor(zeros: [3]), runningVariance: Tensor.full([3], 1), training: true)
        }
    }

    @Test func batchNormTwice() throws {
        var generator = SeededGenerator(seed: 6)
        let x = GradientCheck.random([2, 3, 4, 4], &generator)
        let gamma = GradientCheck.random([3], &generator), beta = GradientCheck.random([3], &generator)
        try GradientCheck.check([x]) {
            let y = try batchNorm2d($0[0], weight: gamma, bias: beta, runningMean: Tensor(zeros: [3]), runningVariance: Tensor.full([3], 1), training: true)
            return try batchNorm2d(y, weight: gamma, bias: beta, runningMean: Tensor(zeros: [3]), runningVariance: Tensor.full([3], 1), training: true)
        }
    }

    @Test func residualAdd() throws {
        var generator = SeededGenerator(seed: 7)
        let w = GradientCheck.random([2, 2, 3, 3], &generator, scale: 0.5)
        let x = GradientCheck.random([1, 2, 4, 4], &generator)
        try GradientCheck.check([x]) { try add(conv2d($0[0], weight: w, padding: (1, 1)), $0[0]) }
    }
}
