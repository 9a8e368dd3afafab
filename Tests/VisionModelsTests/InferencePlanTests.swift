import Testing
import VisionModelAPI
import VisionModels
import VisionNN
import VisionTensor

/// A recorded forward pass replays to what an eager pass gives, on other data; plans are
/// dropped when weights change, and a model computing outside oneDNN is never planned.
@Suite struct InferencePlanTests {
    func model(_ name: String, seed: UInt64 = 5) throws -> ClassifierModel {
        let model = try ModelTesting.registry().make(name, classes: 4, inputChannels: 3, inputSize: InputSize(32), seed: seed)
        model.eval()
        return model
    }

    func worst(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) / (1 + abs($0)) }.max() ?? .infinity
    }

    /// Every built-in kind of step: Winograd and direct convolutions with fused residuals,
    /// option-A shortcuts (computed in Swift, replayed as host steps), pooling, the linear head;
    /// at batch 1 and 3.
    @Test(arguments: ["resnet20", "defectnet", "lenet", "mobilenetv2"])
    func replayMatchesEagerPassOnOtherData(_ name: String) throws {
        let model = try model(name)
        let channels = model.inputChannels, size = 32
        for batch in [1, 3] {
            var generator = SeededGenerator(seed: UInt64(batch))
            let captured = ModelTesting.random([batch, channels, size, size], &generator)
            let other = ModelTesting.random([batch, channels, size, size], &generator)
            try GradientMode.withoutGradients {
                let expectedCaptured = try model(captured.copy()).scalars
                let expectedOther = try model(other.copy()).scalars
                let (output, plan) = try InferencePlan.capture(input: captured.copy()) { try model($0) }
                let unwrapped = try #require(plan, "\(name): nothing was captured")
                #expect(unwrapped.stepCount >= 3)
                #expect(worst(output.scalars, expectedCaptured) <= 1e-5)
                let replayed = try other.scalars.withUnsafeBufferPointer { try unwrapped.run($0) }
                #expect(replayed.shape == [batch, 4])
                #expect(worst(replayed.scalars, expectedOther) <= 1e-5, "\(name) batch \(batch)")
                // And back: the plan keeps no state between runs.
                let again = try captured.scalars.withUnsafeBufferPointer { try unwrapped.run($0) }
                #expect(worst(again.scalars, expectedCaptured) <= 1e-5)
            }
        }
    }

    @Test func plannedInferenceServesFromThePlanAndDropsItWhenAWeightChanges() throws {
        let model = try model("resnet20")
        let planned = PlannedInference(model)
        var generator = SeededGenerator(seed: 9)
        let inputs = (0..<4).map { _ in ModelTesting.random([2, 3, 32, 32], &generator) }
        try GradientMode.withoutGradients {
            let eager = try inputs.map { try model($0.copy()).scalars }
            for (index, input) in inputs.enumerated() {
                #expect(planned.hasPlan(for: [2, 3, 32, 32]) == (index >= 2), "call \(index)")
                #expect(worst(try planned(input.copy()).scalars, eager[index]) <= 1e-5, "call \(index)")
            }
            #expect(!planned.hasPlan(for: [1, 3, 32, 32]))
            // An in-place change (as an optimizer makes) invalidates the plan.
            let weight = model.namedParameters()[0].tensor
            for i in 0..<weight.count { weight.pointer[i] *= 0.5 }
            let changed = try model(inputs[0].copy()).scalars
            #expect(worst(changed, eager[0]) > 1e-3)
            #expect(worst(try planned(inputs[0].copy()).scalars, changed) <= 1e-5)
            #expect(!planned.hasPlan(for: [2, 3, 32, 32]))
        }
        // Training mode or a recorded tape: always eager.
        model.train()
        _ = try planned(inputs[1].copy())
        _ = try planned(inputs[2].copy())
        #expect(!planned.hasPlan(for: [2, 3, 32, 32]))
    }

    /// A model that doubles its input in Swift before the network: a capture cannot see that
    /// step, so the check against the first pass fails and the model stays eager, and right.
    @Test func modelComputingOutsideOneDNNStaysEager() throws {
        final class DoublingFirst: Module {
            let inner: Module
            init(_ inner: Module) { self.inner = inner }
            override var children: [(name: String, module: Module)] { [("inner", inner)] }
            override func forward(_ x: Tensor) throws -> Tensor {
                let doubled = Tensor(zeros: x.shape)
                for i in 0..<x.count { doubled.pointer[i] = 2 * x.values[i] }
                return try inner(doubled)
            }
        }
        let model = DoublingFirst(try model("lenet"))
        model.eval()
        let planned = PlannedInference(model)
        var generator = SeededGenerator(seed: 3)
        try GradientMode.withoutGradients {
            for call in 0..<4 {
                let input = ModelTesting.random([1, 3, 32, 32], &generator)
                let expected = try model(input.copy()).scalars
                #expect(worst(try planned(input).scalars, expected) <= 1e-5, "call \(call)")
            }
        }
        #expect(!planned.hasPlan(for: [1, 3, 32, 32]))
    }
}

extension InferencePlanTests {
    /// A pass that makes more buffers than the limit is not planned (and not held meanwhile).
    @Test func passOverTheByteLimitIsNotPlanned() throws {
        let model = try model("resnet20")
        var generator = SeededGenerator(seed: 4)
        let input = ModelTesting.random([2, 3, 32, 32], &generator)
        try GradientMode.withoutGradients {
            let expected = try model(input.copy()).scalars
            let (output, plan) = try InferencePlan.capture(input: input.copy(), byteLimit: 100_000) { try model($0) }
            #expect(plan == nil)
            #expect(worst(output.scalars, expected) <= 1e-5)
            let (_, unlimited) = try InferencePlan.capture(input: input.copy()) { try model($0) }
            #expect(try #require(unlimited).retainedBytes > 100_000)
        }
    }
}
