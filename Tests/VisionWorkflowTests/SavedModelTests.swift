import Foundation
import SafeTensors
import Testing
import VisionModelAPI
import VisionMetricAPI
import VisionMetrics
import VisionModels
import VisionNN
import VisionTensor
import VisionTestSupport
import VisionWorkflow

@Suite struct SavedModelTests {
    func sample() throws -> (ClassifierModel, SavedModelMetadata) {
        let model = try TrainerTests.registry().make("lenet", classes: 3, inputChannels: 1, inputSize: InputSize(8), seed: 1)
        var training = TrainingConfiguration()
        training.epochs = 3
        let metadata = SavedModelMetadata(
            model: ModelSpecification(plugin: "lenet"), classes: ["a", "b", "c"],
            preprocessing: Preprocessing(inputSize: InputSize(8), channels: 1, mean: [0.5], std: [0.25]), training: training,
            monitor: "val_accuracy", epoch: 3, metrics: ["val_accuracy": 0.9],
            split: [.init(path: "a/1.png", label: "a", split: "test")], datasetRoot: "/data", datasetFingerprint: "f00")
        return (model, metadata)
    }

    @Test func roundTripsWeightsAndMetadata() throws {
        let folder = try Fixtures.temporaryDirectory()
        let (model, metadata) = try sample()
        try SavedModel.write(model, metadata: metadata, to: folder + "/m.vision")
        let (weights, read) = try SavedModel.read(folder + "/m.vision")
        #expect(read == metadata)
        let other = try TrainerTests.registry().make("lenet", classes: 3, inputChannels: 1, inputSize: InputSize(8), seed: 99)
        try other.load(weights)
        #expect(other.stateDict().floatsOrEmpty("conv1.weight") == model.stateDict().floatsOrEmpty("conv1.weight"))
        #expect(weights.names.contains("fc2.weight"))
    }

    /// A version 1 file (before the model specification) still loads, as a stretched input.
    @Test func versionOneFilesStillRead() throws {
        let folder = try Fixtures.temporaryDirectory()
        let (model, _) = try sample()
        var file = model.stateDict()
        file.metadata = [
            "format": "pt",
            "vision": """
                {"formatVersion":1,"plugin":"lenet","pluginConfiguration":{},"classes":["a","b","c"],\
                "preprocessing":{"width":8,"height":8,"channels":1,"mean":[0.5],"std":[0.25]},"split":[],"datasetRoot":"/d",\
                "datasetFingerprint":"f","training":{"lr":"0.01","flip":"true","class_weights":"auto"},"metrics":{"val_accuracy":0.5},\
                "epochs":4,"createdBy":"vision"}
                """,
        ]
        try Data(file.serialized()).write(to: URL(fileURLWithPath: folder + "/old.vision"))
        let (_, metadata) = try SavedModel.read(folder + "/old.vision")
        #expect(metadata.formatVersion == 2 && metadata.plugin == "lenet" && metadata.epoch == 4)
        #expect(metadata.preprocessing.inputSize == InputSize(8) && metadata.preprocessing.resize == .stretch)
        #expect(metadata.training.lr == 0.01 && metadata.training.flip && metadata.training.classWeights == .auto)
        let loaded = try LoadedModel(path: folder + "/old.vision", registry: TrainerTests.registry())
        #expect(loaded.model.classes == 3)
    }

    @Test func damagedOrForeignFilesAreClearErrors() throws {
        let folder = try Fixtures.temporaryDirectory()
        let (model, metadata) = try sample()
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

    static func metrics() throws -> MetricRegistry {
        let registry = MetricRegistry()
        try registerBuiltinMetrics(in: registry)
        return registry
    }

    static func configuration(epochs: Int = 3) -> TrainingConfiguration {
        var c = TrainingConfiguration()
        c.model = "lenet"
        c.imageSize = ImageSize(width: 8, height: 8)
        c.epochs = epochs
        c.lr = 0.05
        c.seed = 3
        return c
    }

    static func train(_ c: TrainingConfiguration, root: String = digits, output: String) throws -> TrainingResult {
        try Trainer(TrainingSetup.Request(root: root, configuration: c, output: output), models: registry(), metrics: metrics(), log: { _ in })
            .run()
    }

    @Test func trainsOnDigitsAndTestsOnUnseenImages() throws {
        let output = try Fixtures.temporaryDirectory()
        let result = try Self.train(Self.configuration(), output: output)
        #expect(result.history.count == 3)
        #expect(try #require(result.history.last).trainLoss < (try #require(result.history.first)).trainLoss)
        #expect((result.bestValue ?? 0) > 0.6)
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
        #expect(try MetricsCSV.read(output + "/metrics.csv").map(\.epoch) == [1, 2, 3])

        // Evaluation reads the split from the model file: exactly the held-out images.
        let loaded = try LoadedModel(path: result.bestModelPath, registry: Self.registry())
        let evaluation = try ModelEvaluator.evaluate(
            loaded, root: Self.digits, split: .test, options: .init(suite: MetricSuite(registry: Self.metrics())))
        #expect(abs(evaluation.accuracy - test) < 1e-9)
        let metadata = loaded.metadata
        let testPaths = Set(metadata.split.filter { $0.split == "test" }.map(\.path))
        #expect(evaluation.predictions.count == testPaths.count)
        #expect(metadata.metrics["test_accuracy"] == test)
        #expect(metadata.preprocessing.channels == 1 && metadata.preprocessing.inputSize.width == 8)
        // best.vision records its own epoch and that epoch's validation figures, val_loss included.
        let best = try #require(result.bestEpoch)
        #expect(metadata.epoch == best)
        let record = try #require(result.history.first { $0.epoch == best })
        #expect(metadata.metrics["val_loss"] == record.valLoss && metadata.metrics["val_accuracy"] == record.valAccuracy)
        #expect(metadata.monitor == "val_accuracy")
    }

    @Test func sameSeedGivesIdenticalModelFiles() throws {
        let a = try Fixtures.temporaryDirectory(), b = try Fixtures.temporaryDirectory()
        _ = try Self.train(Self.configuration(epochs: 1), output: a)
        _ = try Self.train(Self.configuration(epochs: 1), output: b)
        let first = try Data(contentsOf: URL(fileURLWithPath: a + "/last.vision"))
        let second = try Data(contentsOf: URL(fileURLWithPath: b + "/last.vision"))
        // The metadata names the dataset root only, so the files must match byte for byte.
        #expect(first == second)
    }

    @Test func badInputsStopBeforeTraining() throws {
        let output = try Fixtures.temporaryDirectory()
        #expect(throws: (any Error).self) { _ = try Self.train(Self.configuration(), root: output + "/missing", output: output) }
        var zero = Self.configuration()
        zero.epochs = 0
        #expect { _ = try Self.train(zero, output: output) } throws: { "\($0)" == "epochs: expected a positive integer (at most 1000000), got '0'" }
    }
}

extension SafeTensors {
    /// The floats of `name`, or none when it is missing (for comparisons in tests).
    func floatsOrEmpty(_ name: String) -> [Float] { (try? floats(name)) ?? [] }
}
