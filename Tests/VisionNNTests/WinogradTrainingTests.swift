import Dispatch
import Foundation
import Testing
import VisionNN
import VisionTensor

/// oneDNN runs 3×3 stride-1 convolutions with 32+ channels on 8×8+ maps as Winograd, in all
/// three training passes: output, input gradient and weight (and bias) gradients must match the
/// plain-Swift reference within rounding, on shapes that take it and shapes that do not.
@Suite struct WinogradTrainingTests {
    @Test(arguments: [(2, 64, 8, false), (2, 32, 16, true), (8, 64, 8, false), (3, 48, 9, true), (2, 16, 16, true), (2, 64, 4, false)])
    func convolutionPassesMatchTheReference(_ n: Int, _ c: Int, _ size: Int, _ withBias: Bool) throws {
        var results: [[[Float]]] = []
        for backend in ComputeBackend.allCases {
            try ComputeBackend.with(backend) {
                var generator = SeededGenerator(seed: UInt64(n * 1000 + c + size))
                let x = GradientCheck.random([n, c, size, size], &generator)
                x.requiresGrad = true
                let w = GradientCheck.random([c, c, 3, 3], &generator, scale: 0.1)
                w.requiresGrad = true
                let b = withBias ? GradientCheck.random([c], &generator) : nil
                b?.requiresGrad = true
                let dy = GradientCheck.random([n, c, size, size], &generator)
                let y = try conv2d(x, weight: w, bias: b, stride: (1, 1), padding: (1, 1))
                try backward(y, seed: dy)
                results.append([y.scalars, x.grad?.scalars ?? [], w.grad?.scalars ?? [], b?.grad?.scalars ?? []])
            }
        }
        for (k, part) in ["output", "input gradient", "weight gradient", "bias gradient"].enumerated() {
            #expect(results[0][k].count == results[1][k].count)
            let scale = results[1][k].map { abs($0) }.max() ?? 1
            let worst = zip(results[0][k], results[1][k]).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-4 * max(scale, 1), "\(part): off by \(worst) at scale \(scale)")
        }
    }

    /// Cached primitives are shared by threads: four threads training the same convolution at
    /// once (each with its own scratchpad) must each get what one thread alone gets.
    @Test func concurrentRunsOfOnePrimitiveAgree() throws {
        @Sendable func run(_ seed: UInt64) throws -> [Float] {
            var generator = SeededGenerator(seed: seed)
            let x = GradientCheck.random([4, 32, 16, 16], &generator)
            x.requiresGrad = true
            let w = GradientCheck.random([32, 32, 3, 3], &generator, scale: 0.1)
            w.requiresGrad = true
            let dy = GradientCheck.random([4, 32, 16, 16], &generator)
            let y = try conv2d(x, weight: w, bias: nil, stride: (1, 1), padding: (1, 1))
            try backward(y, seed: dy)
            return y.scalars + (x.grad?.scalars ?? []) + (w.grad?.scalars ?? [])
        }
        let expected = try (0..<4).map { try run(UInt64($0)) }
        let results = Results(count: 4)
        DispatchQueue.concurrentPerform(iterations: 4) { index in
            for _ in 0..<3 { results.set(index, try? run(UInt64(index))) }
        }
        for index in 0..<4 {
            let got = try #require(results.get(index))
            let worst = zip(expected[index], got).map { abs($0 - $1) }.max() ?? 0
            #expect(got.count == expected[index].count)
            #expect(worst <= 1e-4, "thread \(index): off by \(worst)")
        }
    }
}

/// Per-thread results, written under a lock.
private final class Results: @unchecked Sendable {
    private var values: [[Float]?]
    private let lock = NSLock()
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: [Float]?) { lock.withLock { values[index] = value } }
    func get(_ index: Int) -> [Float]? { lock.withLock { values[index] } }
}
