import Testing
import VisionGoldenSupport
import VisionModelAPI
import VisionModels
import VisionNN
import VisionTensor

/// Several training steps on both backends give the same weights: catches state that goes
/// stale between steps (caches, momentum, layouts), which a one-step golden test cannot.
@Suite(.serialized) struct MultiStepTrainingTests {
    func train(_ backend: ComputeBackend) throws -> [Float] {
        try ComputeBackend.with(backend) {
            let model = try ModelRegistry().make(ResNetCIFARModel(depth: 8), classes: 4, inputChannels: 3, inputSize: InputSize(12), seed: 31)
            let optimizer = SGD(learningRate: 0.1, momentum: 0.9, weightDecay: 5e-4)
            let parameters = model.trainableParameters
            var data = SeededGenerator(seed: 32)
            for step in 0..<4 {
                let x = ModelTesting.random([4, 3, 12, 12], &data)
                for p in parameters { p.grad = nil; p.requiresGrad = true }
                let loss = try crossEntropy(model(x), targets: [step % 4, 1, 2, 3])
                try backward(loss)
                try optimizer.step(parameters)
                // Inference between steps, as validation does, must not leave stale copies behind.
                model.eval()
                _ = try GradientMode.withoutGradients { try model(x) }
                model.train()
            }
            return parameters.flatMap(\.scalars)
        }
    }

    @Test func backendsAgreeAfterSeveralSteps() throws {
        let dnnl = try train(.dnnl), reference = try train(.reference)
        var difference = 0.0, size = 0.0
        for (a, b) in zip(dnnl, reference) { difference += Double((a - b) * (a - b)); size += Double(b * b) }
        #expect(dnnl.count == reference.count)
        #expect((difference / size).squareRoot() < 1e-4, "relative L2 \((difference / size).squareRoot())")
    }
}
