import Testing
import VisionNN
import VisionTensor

/// Inference folds batch norm into the convolution and fuses ReLU; it must give what the
/// separate ops give, and notice when a weight changes.
@Suite struct FusedInferenceTests {
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

    @Test(arguments: ["resnet20", "defectnet"])
    func foldedMatchesSeparateOps(_ name: String) throws {
        let model = try ReferenceModels.make(name, inputChannels: 3, classes: 4, inputSize: (32, 32), seed: 5)
        randomize(model, seed: 6)
        model.eval()
        var generator = SeededGenerator(seed: 7)
        let x = GradientCheck.random([3, 3, 32, 32], &generator)
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
