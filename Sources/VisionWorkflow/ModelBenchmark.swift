import Foundation
import VisionModelAPI
import VisionNN
import VisionTensor

/// Measures training and inference throughput on synthetic data, of any model the registry
/// builds (built-in, YAML or a plugin).
public enum ModelBenchmark {
    public struct Result: Codable, Sendable {
        public var model: String
        public var batch: Int
        public var input: [Int]
        public var threads: Int
        public var imagesPerSecond: Double
        public var medianStepMilliseconds: Double
        public var peakMemoryMegabytes: Double
        /// oneDNN's instruction set in this run.
        public var isa: String = CPUFeatures.effectiveISA
        /// Arithmetic rate: 2 × the forward pass's multiply-accumulates per image (× 3 for a
        /// training step: forward, backward to the data and to the weights) × images per second.
        public var gigaflopsPerSecond: Double?

        enum CodingKeys: String, CodingKey {
            case model, batch, input, threads, isa
            case imagesPerSecond = "images_per_second"
            case medianStepMilliseconds = "latency_ms"
            case peakMemoryMegabytes = "peak_memory_mb"
            case gigaflopsPerSecond = "gflops"
        }
    }

    /// Forward + backward + SGD-momentum step: warm-up, then the median of `blocks` timed
    /// blocks of `steps` steps each.
    public static func training(_ model: ClassifierModel, name: String, batch: Int, input: [Int], classes: Int, steps: Int = 10,
                                blocks: Int = 5, threads: Int) throws -> Result {
        model.train()
        var generator = SeededGenerator(seed: 2)
        let images = Tensor(zeros: [batch] + input)
        for i in 0..<images.count { images.pointer[i] = generator.nextNormal() }
        let labels = (0..<batch).map { $0 % classes }
        let parameters = model.trainableParameters
        let optimizer = SGD(learningRate: 0.01, momentum: 0.9)
        func step() throws {
            for parameter in parameters { parameter.grad = nil; parameter.requiresGrad = true }
            let loss = try crossEntropy(model(images), targets: labels)
            try backward(loss)
            try optimizer.step(parameters)
        }
        var result = try measure(name: name, batch: batch, input: input, threads: threads, steps: steps, blocks: blocks, step)
        result.gigaflopsPerSecond = try rate(model, input: input, imagesPerSecond: result.imagesPerSecond, passes: 3)
        return result
    }

    /// Eval-mode forward passes with no tape.
    public static func inference(_ model: ClassifierModel, name: String, batch: Int, input: [Int], steps: Int = 20, blocks: Int = 5,
                                 threads: Int) throws -> Result {
        model.eval()
        var generator = SeededGenerator(seed: 2)
        // Two batches in turn, as real inputs differ (an inference plan is only trusted once
        // it has reproduced a pass on other data).
        let batches = (0..<2).map { _ in
            let images = Tensor(zeros: [batch] + input)
            for i in 0..<images.count { images.pointer[i] = generator.nextNormal() }
            return images
        }
        let planned = PlannedInference(model)
        var turn = 0
        var result = try GradientMode.withoutGradients {
            try measure(name: name, batch: batch, input: input, threads: threads, steps: steps, blocks: blocks) {
                turn += 1
                _ = try planned(batches[turn % 2])
            }
        }
        result.gigaflopsPerSecond = try rate(model, input: input, imagesPerSecond: result.imagesPerSecond, passes: 1)
        return result
    }

    /// GFLOP/s: 2 × the forward multiply-accumulates of one image × `passes` × images per second.
    private static func rate(_ model: ClassifierModel, input: [Int], imagesPerSecond: Double, passes: Int) throws -> Double {
        let macs = try ModelComplexity.multiplyAccumulates(model, inputChannels: input[0], inputSize: InputSize(height: input[1], width: input[2]))
        return (2 * Double(macs) * Double(passes) * imagesPerSecond / 1e9 * 10).rounded() / 10
    }

    private static func measure(name: String, batch: Int, input: [Int], threads: Int, steps: Int, blocks: Int,
                                _ step: () throws -> Void) throws -> Result {
        for _ in 0..<3 { try step() }  // warm-up: primitive creation, JIT, first-touch memory
        var perStep: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<max(blocks, 1) {
            let start = clock.now
            for _ in 0..<max(steps, 1) { try step() }
            perStep.append((clock.now - start).seconds / Double(max(steps, 1)))
        }
        perStep.sort()
        let median = perStep[perStep.count / 2]
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Result(
            model: name, batch: batch, input: input, threads: threads, imagesPerSecond: Double(batch) / median,
            medianStepMilliseconds: median * 1000, peakMemoryMegabytes: Double(usage.ru_maxrss) / 1024)
    }
}
