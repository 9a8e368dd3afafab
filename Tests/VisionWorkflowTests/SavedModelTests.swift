import Foundation
import SafeTensors
import Testing
import VisionModelAPI
import VisionModels
import VisionNN
import VisionTensor
import VisionTestSupport
import VisionWorkflow

@Suite struct SavedModelTests {
    func sample() -> (LeNet, SavedModelMetadata) {
        var generator = SeededGenerator(seed: 1)
        let model = LeNet(inputChannels: 1, classes: 3, inputSize: (8, 8), generator: &generator)
        let metadata = SavedModelMetadata(
            plugin: "lenet", classes: ["a", "b", "c"],
            preprocessing: .init(width: 8, height: 8, channels: 1, mean: [0.5], std: [0.25]),
            split: [.init(path: "a/1.png", label: "a", split: "test")], datasetRoot: "/data", datasetFingerprint: "f00",
            training: ["epochs": "3"], metrics: ["val_accuracy": 0.9], epochs: 3)
        return (model, metadata)
    }

    @Test func roundTripsWeightsAndMetadata() throws {
        let folder = try Fixtures.temporaryDirectory()
        let (model, metadata) = sample()
        try SavedModel.write(model, metadata: metadata, to: folder + "/m.vision")
        let (weights, read) = try SavedModel.read(folder + "/m.vision")
        #expect(read == metadata)
        var generator = SeededGenerator(seed: 99)
        let other = LeNet(inputChannels: 1, classes: 3, inputSize: (8, 8), generator: &generator)
        try other.load(weights)
        #expect(other.conv1.weight.scalars == model.conv1.weight.scalars)
        #expect(weights.names.contains("fc2.weight"))
    }

    @Test func damagedOrForeignFilesAreClearErrors() throws {
        let folder = try Fixtures.temporaryDirectory()
        let (model, metadata) = sample()
        let path = folder + "/m.vision"
        try SavedModel.write(model, metadata: metadata, to: path)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))

        try Data(bytes.prefix(bytes.count - 100)).write(to: URL(fileURLWithPath: folder + "/truncated.vision"))
        #expect { _ = try SavedModel.read(folder + "/truncated.vision") } throws: { "\($0)".contains("not a vision model file") }

        var newer = metadata
        newer.formatVersion = 99
        try SavedModel.write(model, metadata: newer, to: folder + "/newer.vision")
        #expect { _ = try SavedModel.read(folder + "/newer.vision") } throws: { "\($0)".contains("format version 99 is newer") }

        var plain = SafeTensors()
        plain.set("w", SafeTensorsEntry(floats: [1], shape: [1]))
        try Data(plain.serialized()).write(to: URL(fileURLWithPath: folder + "/plain.safetensors"))
        #expect { _ = try SavedModel.read(folder + "/plain.safetensors") } throws: { "\($0)".contains("without vision's metadata") }

        var tampered = bytes
        if let index = tampered.firstIndex(of: UInt8(ascii: "{")) { tampered[index + 1] = UInt8(ascii: "!") }
        try Data(tampered).write(to: URL(fileURLWithPath: folder + "/tampered.vision"))
        #expect(throws: SavedModelError.self) { _ = try SavedModel.read(folder + "/tampered.vision") }

        #expect { _ = try SavedModel.read(folder + "/missing.vision") } throws: { "\($0)".contains("cannot read the model file") }
    }
}

@Suite(.serialized) struct TrainerTests {
    static let digits = Fixtures.path("datasets/digits")

    static func registry() throws -> ModelRegistry {
        let registry = ModelRegistry()
        try registerBuiltinModels(in: registry)
        return registry
    }

    func configuration(epochs: Int = 3) -> TrainingConfiguration {
        var c = TrainingConfiguration()
        c.model = "lenet"
        c.imageSize = 8
        c.epochs = epochs
        c.learningRate = 0.05
        c.seed = 3
        return c
    }

    @Test func trainsOnDigitsAndTestsOnUnseenImages() throws {
        let output = try Fixtures.temporaryDirectory()
        let result = try Trainer(root: Self.digits, configuration: configuration(), output: output, registry: Self.registry(), log: { _ in }).run()
        #expect(result.history.count == 3)
        #expect(result.history.last!.trainLoss < result.history.first!.trainLoss)
        #expect(result.bestValAccuracy > 0.6)
        let test = try #require(result.testAccuracy)
        #expect(test > 0.6)
        let report = try String(contentsOfFile: output + "/report.html", encoding: .utf8)
        for section in ["Training curves", "Confusion matrix", "Precision and recall per class", "Most confident mistakes", "<polyline"] {
            #expect(report.contains(section), "\(section)")
        }
        // Self-contained: no scripts, styles or images fetched from anywhere.
        #expect(!report.contains("src=\"http") && !report.contains("href=\"http") && !report.contains("<script"))
        for name in ["best.vision", "last.vision", "metrics.csv"] {
            #expect(FileManager.default.fileExists(atPath: output + "/" + name), "\(name)")
        }
        let csv = try String(contentsOfFile: output + "/metrics.csv", encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 4)
        #expect(csv.hasPrefix("epoch,train_loss,train_accuracy,val_loss,val_accuracy,learning_rate"))

        // Evaluation reads the split from the model file: exactly the held-out images.
        let evaluation = try Evaluator.evaluate(modelPath: result.bestModelPath, root: Self.digits, split: "test", registry: Self.registry())
        #expect(abs(evaluation.accuracy - test) < 1e-9)
        let (_, metadata) = try SavedModel.read(result.bestModelPath)
        let testPaths = Set(metadata.split.filter { $0.split == "test" }.map(\.path))
        #expect(evaluation.targets.count == testPaths.count)
        #expect(metadata.metrics["test_accuracy"] == test)
        #expect(metadata.preprocessing.channels == 1 && metadata.preprocessing.width == 8)
    }

    @Test func sameSeedGivesIdenticalModelFiles() throws {
        let a = try Fixtures.temporaryDirectory(), b = try Fixtures.temporaryDirectory()
        _ = try Trainer(root: Self.digits, configuration: configuration(epochs: 1), output: a, registry: Self.registry(), log: { _ in }).run()
        _ = try Trainer(root: Self.digits, configuration: configuration(epochs: 1), output: b, registry: Self.registry(), log: { _ in }).run()
        let first = try Data(contentsOf: URL(fileURLWithPath: a + "/last.vision"))
        let second = try Data(contentsOf: URL(fileURLWithPath: b + "/last.vision"))
        // The metadata names the dataset root only, so the files must match byte for byte.
        #expect(first == second)
    }

    @Test func badInputsStopBeforeTraining() throws {
        let output = try Fixtures.temporaryDirectory()
        #expect(throws: (any Error).self) {
            _ = try Trainer(root: output + "/missing", configuration: configuration(), output: output, registry: Self.registry(), log: { _ in }).run()
        }
        var zero = configuration()
        zero.epochs = 0
        #expect { _ = try Trainer(root: Self.digits, configuration: zero, output: output, registry: Self.registry(), log: { _ in }).run() } throws: {
            "\($0)".contains("must be positive")
        }
    }
}
