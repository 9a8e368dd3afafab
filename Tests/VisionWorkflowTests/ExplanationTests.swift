import Foundation
import Testing
import VisionData
import VisionImage
import VisionModelAPI
import VisionTestSupport
@testable import VisionWorkflow

/// Grad-CAM on a model trained where the only difference between the classes is a bright
/// square: the heat must sit on the square. The same run checks the input chosen from the data
/// and test-time augmentation.
@Suite(.serialized) struct ExplanationTests {
    @Test func theHeatSitsOnTheSquare() throws {
        let root = try Fixtures.temporaryDirectory() + "/parts"
        let squares = try SyntheticDefects.write(to: root, perClass: 40)
        var c = TrainingConfiguration()
        c.model = "defectnet"
        c.modelConfig = ["stages": .int(3)]
        c.epochs = 8
        c.optimizer = .adam
        c.lr = 0.003
        c.batchSize = 8
        c.seed = 1
        c.augmentPreset = .defects
        var lines: [String] = []
        let output = try Fixtures.temporaryDirectory()
        var request = TrainingSetup.Request(root: root, configuration: c, output: output)
        request.chosenKeys = ["model", "model_config", "epochs", "optimizer", "lr", "batch_size", "seed", "augment_preset"]
        let result = try Trainer(request, models: TrainerTests.registry(), metrics: TrainerTests.metrics(), log: { lines.append($0) }).run()
        // 96 × 64 images, larger than defectnet's default 64 × 64: trained at their size, and said.
        #expect(lines.contains { $0.hasPrefix("input size: 96x64 (median of") }, "\(lines)")
        let loaded = try LoadedModel(path: result.bestModelPath, registry: TrainerTests.registry())
        #expect(loaded.metadata.preprocessing.inputSize == InputSize(height: 64, width: 96))
        #expect((result.testAccuracy ?? 0) >= 0.85, "\(lines)")

        let predictor = try Predictor(loaded)
        let p = loaded.metadata.preprocessing
        let defect = try #require(loaded.metadata.classes.firstIndex(of: "defect"))
        var onSquare = 0
        for (path, square) in squares.sorted(by: { $0.key < $1.key }).prefix(12) {
            let input = try predictor.input(from: ImageDecoder.decode(contentsOf: path, options: predictor.decodeOptions).image)
            let heat = try #require(GradCAM.heatMaps(loaded.model, inputs: input, shape: [1, 1, 64, 96], classes: [defect]).first)
            #expect(heat.height == 8 && heat.width == 12 && heat.explained == defect)
            var (inside, outside, insideCount, outsideCount) = (0.0, 0.0, 0, 0)
            var peak = (value: -1.0, x: 0, y: 0)
            for y in 0..<64 {
                for x in 0..<96 {
                    let value = Double(heat.value(x: Double(x), y: Double(y), inputWidth: 96, inputHeight: 64))
                    if value > peak.value { peak = (value, x, y) }
                    if (square.x..<(square.x + square.side)).contains(x) && (square.y..<(square.y + square.side)).contains(y) {
                        inside += value
                        insideCount += 1
                    } else {
                        outside += value
                        outsideCount += 1
                    }
                }
            }
            // The peak within one feature cell (8 px) of the square, and the square hotter than the rest.
            let near = (square.x - 8...(square.x + square.side + 8)).contains(peak.x) && (square.y - 8...(square.y + square.side + 8)).contains(peak.y)
            if near && inside / Double(insideCount) > 2 * outside / Double(outsideCount) { onSquare += 1 }
            // The overlay is an RGB image at least 256 pixels on its longer side.
            let image = try HeatMapImage.render(input: input, preprocessing: p, heat: heat)
            #expect(image.channels == 3 && image.width == 288 && image.height == 192)
        }
        #expect(onSquare >= 11, "heat on the square in \(onSquare) of 12 defect images")

        // Test-time augmentation: the flips of the defects preset (the input is not square).
        let views = try #require(TestTimeAugmentation(for: loaded.metadata))
        #expect(views.views.count == 4)
        let options = ModelEvaluator.Options(suite: try MetricSuite(registry: TrainerTests.metrics()), tta: views)
        let augmented = try ModelEvaluator.evaluate(loaded, root: root, split: .test, options: options)
        #expect(augmented.accuracy >= 0.85)
        for row in 0..<augmented.predictions.count {
            let sum = augmented.predictions.probabilities[(row * 2)..<(row * 2 + 2)].reduce(0, +)
            #expect(abs(sum - 1) < 1e-4)
        }
    }

    @Test func aModelWithoutFeatureMapsSaysSo() throws {
        let model = try TrainerTests.registry().make("linear", classes: 2, inputChannels: 1, inputSize: InputSize(8))
        #expect { _ = try GradCAM.heatMaps(model, inputs: [Float](repeating: 0, count: 64), shape: [1, 1, 8, 8]) } throws: { error in
            "\(error)".contains("no convolutional feature maps")
        }
    }

    @Test func everyBuiltInConvolutionalModelExplainsItsOwnLogits() throws {
        let registry = try TrainerTests.registry()
        for (name, size) in [("lenet", 28), ("defectnet", 32), ("resnet20", 32), ("mobilenetv2", 32), ("vgg11", 32), ("resnet18", 32)] {
            guard registry.names().contains(name) else { continue }
            let model = try registry.make(name, classes: 3, inputChannels: 3, inputSize: InputSize(size), seed: 2)
            let inputs = (0..<(3 * size * size)).map { Float(($0 * 37) % 101) / 50 - 1 }
            let heat = try #require(GradCAM.heatMaps(model, inputs: inputs, shape: [1, 3, size, size]).first, "\(name)")
            #expect(heat.values.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(name)")
            #expect(abs(heat.probabilities.reduce(0, +) - 1) < 1e-4, "\(name)")
        }
    }
}
