import Foundation
#if canImport(Glibc)
import Glibc
#endif
import VisionModelAPI
import VisionModels
import VisionNN
import VisionTensor
import VisionTestSupport
import VisionYAMLModels

/// Shared helpers: a registry with the built-ins, fixed batches, a short training run.
enum ModelTesting {
    /// One OpenMP thread for the calling thread unless OMP_NUM_THREADS says otherwise: these
    /// tensors are tiny, and with two threads every op waits at a barrier for a thread the
    /// scheduler parked while another process loads the 2 cores (measured: ResNet-20 forward at
    /// batch 2, 0.7 s against 5 ms). `ComputeThreads.configure` cannot do it: libgomp reads
    /// OMP_NUM_THREADS when it is loaded, and `omp_set_num_threads` sets a per-thread value.
    static func useOneComputeThread() {
        guard ProcessInfo.processInfo.environment["OMP_NUM_THREADS"] == nil, let process = dlopen(nil, RTLD_NOW),
            let symbol = dlsym(process, "omp_set_num_threads")
        else { return }
        typealias SetThreads = @convention(c) (Int32) -> Void
        unsafeBitCast(symbol, to: SetThreads.self)(1)
    }

    /// The built-ins, on one compute thread (tests call this first, on the thread they run on).
    static func registry() throws -> ModelRegistry {
        useOneComputeThread()
        let registry = ModelRegistry()
        try registerBuiltinModels(in: registry)
        registry.register(format: YAMLModelFormat())
        return registry
    }

    /// A tensor of normal draws.
    static func random(_ shape: [Int], _ generator: inout SeededGenerator) -> Tensor {
        let t = Tensor(zeros: shape)
        for i in 0..<t.count { t.pointer[i] = generator.nextNormal() }
        return t
    }

    /// A fixed pseudo-random batch and labels 0, 1, … (mod classes).
    static func batch(_ size: Int, channels: Int, inputSize: InputSize, classes: Int, seed: UInt64 = 7) -> (Tensor, [Int]) {
        var generator = SeededGenerator(seed: seed)
        let images = Tensor(zeros: [size, channels, inputSize.height, inputSize.width])
        let p = images.pointer
        for i in 0..<images.count { p[i] = generator.nextNormal() }
        return (images, (0..<size).map { $0 % classes })
    }

    /// Loss before training and after `steps` SGD steps on the same batch, in training mode
    /// (batch statistics) but with dropout off, so that the two losses differ only by the steps.
    static func trainingLosses(
        _ model: ClassifierModel, images: Tensor, labels: [Int], steps: Int = 1, learningRate: Float = 0.01
    ) throws -> (before: Float, after: Float) {
        useOneComputeThread()
        model.train()
        setDropoutOff(model)
        let parameters = model.trainableParameters
        let optimizer = SGD(learningRate: learningRate, momentum: 0.9)
        var first: Float?
        for _ in 0..<steps {
            for parameter in parameters {
                parameter.grad = nil
                parameter.requiresGrad = true
            }
            let loss = try crossEntropy(model(images), targets: labels)
            if first == nil { first = loss.item }
            try backward(loss)
            try optimizer.step(parameters)
        }
        let final = try GradientMode.withoutGradients { try crossEntropy(model(images), targets: labels).item }
        return (first ?? .nan, final)
    }

    private static func setDropoutOff(_ module: Module) {
        if module is Dropout { module.eval() }
        for child in module.children { setDropoutOff(child.module) }
    }

    static func fixture(_ relative: String) -> String { Fixtures.path("models/" + relative) }
}
