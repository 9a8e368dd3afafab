import CDNNL
import Foundation
import Testing
@testable import VisionTensor

/// Large elementwise sums (residual connections, gradient accumulation) go through oneDNN's
/// binary primitive; they must give exactly what the Swift loop gives, row-major and blocked.
@Suite struct ParallelSumTests {
    func tensor(_ shape: [Int], phase: Double) throws -> Tensor {
        try Tensor((0..<shape.reduce(1, *)).map { Float(sin(Double($0) * 0.013 + phase)) }, shape: shape)
    }

    @Test(arguments: [nil, "nChw8c", "nChw16c"])
    func largeSumMatchesLoop(_ layout: String?) throws {
        let shape = [2, 16, 32, 32]
        #expect(shape.reduce(1, *) >= Kernels.parallelSumThreshold)
        let a = try tensor(shape, phase: 0), b = try tensor(shape, phase: 1)
        let expected = zip(a.scalars, b.scalars).map { $0 + $1 }
        if let layout {
            let tag = layout == "nChw8c" ? dnnl_aBcd8b : dnnl_aBcd16b
            try a.convert(to: plainDescriptor(shape, tag))
            try b.convert(to: plainDescriptor(shape, tag))
        }
        let sum = try GradientMode.withoutGradients { try add(a, b) }
        #expect(sum.isBlocked == (layout != nil))
        #expect(sum.scalars == expected)
    }

    /// A leaf used twice collects the sum of both gradients.
    @Test func gradientAccumulationMatchesLoop() throws {
        let shape = [4, 8, 32, 32]
        let x = try tensor(shape, phase: 0), w1 = try tensor(shape, phase: 2), w2 = try tensor(shape, phase: 3)
        x.requiresGrad = true
        try backward(add(sum(multiply(x, w1)), sum(multiply(x, w2))))
        let expected = zip(w1.scalars, w2.scalars).map { $0 + $1 }
        #expect(try #require(x.grad).scalars == expected)
    }
}
