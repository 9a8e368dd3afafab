import Foundation
import Testing
import VisionGoldenSupport
import VisionTensor

/// Synchronised batch norm (`--sync-bn`): with no other process it is PyTorch's batch norm; a
/// batch split between two "ranks" (threads summing through a shared reducer) normalises and
/// differentiates exactly as the whole batch does in one.
@Suite struct SyncBatchNormTests {
    /// One process: the sum over every process is its own numbers.
    struct Alone: StatisticsReducer {
        func sum(_ values: inout [Double]) throws {}
    }

    /// Two threads' numbers, summed: each call waits for the other thread's matching call.
    final class Pair: @unchecked Sendable {
        private let condition = NSCondition()
        private var deposited: [[Double]] = []
        private var result: [Double] = []
        private var generation = 0

        struct Side: StatisticsReducer {
            let pair: Pair
            func sum(_ values: inout [Double]) throws { values = pair.exchange(values) }
        }

        func exchange(_ values: [Double]) -> [Double] {
            condition.lock()
            defer { condition.unlock() }
            let mine = generation
            deposited.append(values)
            if deposited.count == 2 {
                result = zip(deposited[0], deposited[1]).map { $0 + $1 }
                deposited = []
                generation += 1
                condition.broadcast()
            } else {
                while generation == mine { condition.wait() }
            }
            return result
        }
    }

    @Test func aloneMatchesPyTorch() throws {
        let golden = try Golden("batchnorm2d_train")
        let x = try golden.tensor("input", requiresGrad: true)
        let w = try golden.tensor("weight", requiresGrad: true)
        let b = try golden.tensor("bias", requiresGrad: true)
        let mean = try golden.tensor("running_mean"), variance = try golden.tensor("running_var")
        let y = try BatchNormSynchronization.$reducer.withValue(Alone()) {
            try batchNorm2d(x, weight: w, bias: b, runningMean: mean, runningVariance: variance, training: true)
        }
        try golden.expectClose(y, "output")
        try golden.expectClose(mean, "running_mean_out")
        try golden.expectClose(variance, "running_var_out")
        try backward(try goldenLoss(y, golden.tensor("grad_output")))
        try golden.expectClose(x.grad, "grad_input")
        try golden.expectClose(w.grad, "grad_weight")
        try golden.expectClose(b.grad, "grad_bias")
    }

    @Test(arguments: [false, true])
    func splitBatchMatchesWholeBatch(fusedReLU: Bool) throws {
        let (n, c, h, w) = (6, 3, 5, 4)
        var generator = SeededGenerator(seed: 7)
        let values = (0..<(n * c * h * w)).map { _ in Float.random(in: -2...3, using: &generator) }
        let upstream = (0..<(n * c * h * w)).map { _ in Float.random(in: -1...1, using: &generator) }
        let gamma = [Float](arrayLiteral: 0.5, 1.5, -0.7), beta = [Float](arrayLiteral: 0.1, -0.2, 0.3)
        @Sendable func normalize(_ x: Tensor, _ weight: Tensor, _ bias: Tensor, _ mean: Tensor, _ variance: Tensor) throws -> Tensor {
            fusedReLU
                ? try batchNorm2dReLU(x, weight: weight, bias: bias, runningMean: mean, runningVariance: variance, training: true)
                : try batchNorm2d(x, weight: weight, bias: bias, runningMean: mean, runningVariance: variance, training: true)
        }

        // The whole batch in one process (oneDNN).
        let x = try Tensor(values, shape: [n, c, h, w], requiresGrad: true)
        let weight = try Tensor(gamma, shape: [c], requiresGrad: true), bias = try Tensor(beta, shape: [c], requiresGrad: true)
        let mean = Tensor(zeros: [c]), variance = Tensor.full([c], 1)
        let y = try normalize(x, weight, bias, mean, variance)
        try backward(y, seed: try Tensor(upstream, shape: y.shape))

        // Each half in its own thread, the statistics summed between them. The upstream gradient
        // is the whole batch's, so each half's parameter gradients are its part of the sum.
        let pair = Pair()
        let half = n / 2 * c * h * w
        let finished = DispatchGroup()
        nonisolated(unsafe) var outputs = [[Float]](repeating: [], count: 2)
        nonisolated(unsafe) var inputGradients = [[Float]](repeating: [], count: 2)
        nonisolated(unsafe) var parameterGradients = [[Float]](repeating: [], count: 2)
        nonisolated(unsafe) var runningStatistics = [[Float]](repeating: [], count: 2)
        nonisolated(unsafe) var failures: [String] = []
        for side in 0..<2 {
            finished.enter()
            Thread {
                defer { finished.leave() }
                do {
                    let part = Array(values[(side * half)..<((side + 1) * half)])
                    let xs = try Tensor(part, shape: [n / 2, c, h, w], requiresGrad: true)
                    let ws = try Tensor(gamma, shape: [c], requiresGrad: true), bs = try Tensor(beta, shape: [c], requiresGrad: true)
                    let ms = Tensor(zeros: [c]), vs = Tensor.full([c], 1)
                    try BatchNormSynchronization.$reducer.withValue(Pair.Side(pair: pair)) {
                        let ys = try normalize(xs, ws, bs, ms, vs)
                        outputs[side] = ys.scalars
                        try backward(ys, seed: try Tensor(Array(upstream[(side * half)..<((side + 1) * half)]), shape: ys.shape))
                    }
                    inputGradients[side] = xs.grad?.scalars ?? []
                    parameterGradients[side] = (ws.grad?.scalars ?? []) + (bs.grad?.scalars ?? [])
                    runningStatistics[side] = ms.scalars + vs.scalars
                } catch {
                    failures.append("\(error)")
                }
            }.start()
        }
        finished.wait()
        #expect(failures.isEmpty, "\(failures)")
        func expectClose(_ a: [Float], _ b: [Float], _ what: String) {
            #expect(a.count == b.count, "\(what): \(a.count) values, expected \(b.count)")
            let worst = zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
            #expect(worst < 1e-5, "\(what): largest difference \(worst)")
        }
        expectClose(outputs[0] + outputs[1], y.scalars, "output")
        expectClose(inputGradients[0] + inputGradients[1], x.grad?.scalars ?? [], "input gradient")
        let summed = zip(parameterGradients[0], parameterGradients[1]).map { $0 + $1 }
        expectClose(summed, (weight.grad?.scalars ?? []) + (bias.grad?.scalars ?? []), "weight and bias gradients")
        expectClose(runningStatistics[0], mean.scalars + variance.scalars, "running statistics (rank 0)")
        expectClose(runningStatistics[1], mean.scalars + variance.scalars, "running statistics (rank 1)")
    }
}
