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

        enum CodingKeys: String, CodingKey {
            case model, batch, input, threads
            case imagesPerSecond = "images_per_second"
            case medianStepMilliseconds = "latency_ms"
            case peakMemoryMegabytes = "peak_memory_mb"
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
        return try measure(name: name, batch: batch, input: input, threads: threads, steps: steps, blocks: blocks, step)
    }

    /// Eval-mode forward passes with no tape.
    public static func inference(_ model: ClassifierModel, name: String, batch: Int, input: [Int], steps: Int = 20, blocks: Int = 5,
                                 threads: Int) throws -> Result {
        model.eval()
        var generator = SeededGenerator(seed: 2)
        let images = Tensor(zeros: [batch] + input)
        for i in 0..<images.count { images.pointer[i] = generator.nextNormal() }
        return try GradientMode.withoutGradients {
            try measure(name: name, batch: batch, input: input, threads: threads, steps: steps, blocks: blocks) { _ = try model(images) }
        }
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
