import Testing
import VisionGoldenSupport
import VisionModelAPI
import VisionModels
import VisionNN
import VisionTensor

/// Whole models in inference fold batch norm into the convolution and fuse ReLU; they must give
/// what the separate ops give, and notice when a weight changes.
@Suite struct FusedModelInferenceTests {
    func randomize(_ model: Module, seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        for (_, tensor) in model.namedParameters() + model.namedBuffers() {
            for i in 0..<tensor.count { tensor.pointer[i] = generator.nextNormal() * 0.3 + (tensor.count > 0 ? 0 : 0) }
            tensor.markModified()
        }
        for (name, tensor) in model.namedBuffers() where name.hasSuffix("running_var") {
            for i in 0..<tensor.count { tensor.pointer[i] = abs(tensor.pointer[i]) + 0.5 }
            tensor.markModified()
        }
    }

    /// conv + bias (+ residual) (+ ReLU) in one primitive against the ops one by one, on shapes
    /// that take Winograd (3×3, stride 1, 16-channel blocks), direct convolution, and a residual
    /// that arrives row-major or blocked.
    @Test(arguments: ["resnet20", "defectnet"])
    func foldedMatchesSeparateOps(_ name: String) throws {
        let model = try ModelTesting.registry().make(name, classes: 4, inputChannels: 3, inputSize: InputSize(32), seed: 5)
        randomize(model, seed: 6)
        model.eval()
        var generator = SeededGenerator(seed: 7)
        let x = ModelTesting.random([3, 3, 32, 32], &generator)
        let separate = try model(x).scalars  // a tape is recorded: no folding
        let fused = try GradientMode.withoutGradients { try model(x) }.scalars
        for (a, b) in zip(separate, fused) { #expect(abs(a - b) <= 1e-4 + 1e-4 * abs(a)) }
        // Changing a weight in place (as an optimizer does) invalidates the folded copy.
        let first = model.namedParameters()[0].tensor
        for i in 0..<first.count { first.pointer[i] *= 0.5 }
        first.markModified()
        let changedSeparate = try model(x).scalars
        let changedFused = try GradientMode.withoutGradients { try model(x) }.scalars
        #expect(changedSeparate != separate)
        for (a, b) in zip(changedSeparate, changedFused) { #expect(abs(a - b) <= 1e-4 + 1e-4 * abs(a)) }
    }
}
