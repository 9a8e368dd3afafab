import Foundation
import Testing
import VisionImage
import VisionTestSupport

@Suite struct TrainCommandTests {
    @Test func trainThenEvaluateOnHeldOutImages() throws {
        let output = try Fixtures.temporaryDirectory() + "/run"
        let digits = Fixtures.path("datasets/digits")
        let train = try CLI.run(["train", digits, "--model", "lenet", "--image-size", "8", "--epochs", "2", "--output", output, "--quiet"])
        #expect(train.status == 0, "\(train.standardError)")
        #expect(train.standardOutput.contains("test accuracy"))
        let evaluate = try CLI.run(["evaluate", output + "/best.vision", digits, "--split", "test", "--json"])
        #expect(evaluate.status == 0, "\(evaluate.standardError)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(evaluate.standardOutput.utf8)) as? [String: Any])
        for key in ["accuracy", "baseline_accuracy", "metrics", "per_class", "confusion_matrix", "mistakes"] {
            #expect(document[key] != nil, "\(key)")
        }
        #expect((document["confusion_matrix"] as? [[Int]])?.count == 10)

        // Chosen metrics and the operating point for one class.
        let chosen = try CLI.run([
            "evaluate", output + "/best.vision", digits, "--json", "--metrics", "balanced_accuracy,f1,roc_auc",
            "--positive-class", "8", "--target-recall", "0.9",
        ])
        #expect(chosen.status == 0, "\(chosen.standardError)")
        let chosenDocument = try #require(try JSONSerialization.jsonObject(with: Data(chosen.standardOutput.utf8)) as? [String: Any])
        // Every metric value by name, each an object with at least "value"; the defaults are always there.
        let values = try #require(chosenDocument["metrics"] as? [String: [String: Any]])
        for name in ["accuracy", "balanced_accuracy", "f1", "f1_macro", "recall_weighted", "roc_auc", "roc_auc_macro", "loss"] {
            #expect(values[name]?["value"] is Double, "\(name)")
        }
        #expect((chosenDocument["accuracy"] as? Double) == (values["accuracy"]?["value"] as? Double))
        let point = try #require((chosenDocument["operating_points"] as? [String: [String: Double]])?["precision_at_recall"])
        #expect(point["threshold"] != nil && point["value"] != nil)
        let unknownMetric = try CLI.run(["evaluate", output + "/best.vision", digits, "--metrics", "f11"])
        #expect(unknownMetric.status != 0)
        #expect(unknownMetric.standardError.contains("did you mean 'f1'"))
        let unknownClass = try CLI.run(["evaluate", output + "/best.vision", digits, "--positive-class", "defect", "--target-recall", "0.9"])
        #expect(unknownClass.status != 0)
        #expect(unknownClass.standardError.contains("'defect' is not one of the model's classes"))
        // An existing run is never overwritten unless asked.
        let again = try CLI.run(["train", digits, "--image-size", "8", "--epochs", "1", "--output", output, "--quiet"])
        #expect(again.status != 0)
        #expect(again.standardError.contains("already holds a run"))
    }

    @Test func badInputsAreOneLineErrors() throws {
        let folder = try Fixtures.temporaryDirectory()
        let missing = try CLI.run(["train", folder + "/nope", "--output", folder + "/r"])
        #expect(missing.status != 0)
        #expect(missing.standardError.contains("nope"))
        let model = try CLI.run(["train", Fixtures.path("datasets/digits"), "--model", "resnet99"])
        #expect(model.status != 0)
        #expect(model.standardError.contains("unknown model 'resnet99'"))
        _ = FileManager.default.createFile(atPath: folder + "/broken.vision", contents: Data("garbage".utf8))
        let broken = try CLI.run(["evaluate", folder + "/broken.vision", Fixtures.path("datasets/digits")])
        #expect(broken.status != 0)
        #expect(broken.standardError.contains("broken.vision"))
    }
}

@Suite struct InferCommandTests {
    @Test func predictsFilesFoldersAndStandardInput() throws {
        let output = try Fixtures.temporaryDirectory() + "/run"
        let digits = Fixtures.path("datasets/digits")
        let train = try CLI.run(["train", digits, "--image-size", "8", "--epochs", "2", "--output", output, "--quiet"])
        #expect(train.status == 0, "\(train.standardError)")
        let model = output + "/best.vision"
        let bad = Fixtures.path("images/pngsuite/corrupt/xcsn0g01.png")
        let result = try CLI.run(["infer", model, digits + "/3/0003.png", bad, digits + "/7", "--format", "jsonl", "--top-k", "3"])
        #expect(result.status == 1)  // one file failed
        let lines = result.lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.count == 2 + 179)  // one file, the corrupt one, and the 179 sevens
        #expect(lines[0]["path"] as? String == digits + "/3/0003.png")
        #expect((lines[0]["top"] as? [[String: Any]])?.count == 3)
        #expect(lines[0]["label"] != nil && lines[0]["probability"] != nil)
        #expect((lines[1]["error"] as? String)?.contains("CRC error") == true)
        let sevens = lines.dropFirst(2).filter { $0["label"] as? String == "7" }.count
        #expect(sevens > 100)
        let piped = try CLI.run(["infer", model, "-", "--format", "csv"], input: digits + "/3/0003.png\n" + digits + "/5/0005.png\n")
        #expect(piped.status == 0, "\(piped.standardError)")
        #expect(piped.lines.first == "path,label,probability,error")
        #expect(piped.lines.count == 3)
    }
}

@Suite struct FineTuneTests {
    @Test func initFromAModelWithAnotherClassCountReplacesTheHead() throws {
        let folder = try Fixtures.temporaryDirectory()
        let digits = Fixtures.path("datasets/digits")
        let base = try CLI.run(["train", digits, "--image-size", "8", "--epochs", "1", "--output", folder + "/base", "--quiet"])
        #expect(base.status == 0, "\(base.standardError)")
        // Fresh data: three of the classes only.
        for label in ["0", "1", "2"] {
            try FileManager.default.copyItem(atPath: digits + "/" + label, toPath: folder + "/three/" + label)
        }
        let tuned = try CLI.run([
            "train", folder + "/three", "--init-from", folder + "/base/best.vision", "--epochs", "2", "--class-weights", "auto",
            "--balanced-sampling", "--output", folder + "/tuned",
        ])
        #expect(tuned.status == 0, "\(tuned.standardError)")
        #expect(tuned.standardOutput.contains("fine-tuning"))
        #expect(tuned.standardOutput.contains("10 → 3 classes"))
        #expect(tuned.standardOutput.contains("class weights"))
        let evaluate = try CLI.run(["evaluate", folder + "/tuned/best.vision", folder + "/three", "--json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(evaluate.standardOutput.utf8)) as? [String: Any])
        #expect((document["confusion_matrix"] as? [[Int]])?.count == 3)
        #expect((document["accuracy"] as? Double ?? 0) > 0.8)
    }
}

@Suite struct TrainConfigFileTests {
    @Test func configFileOptionsAndFlagsThatOverrideThem() throws {
        let folder = try Fixtures.temporaryDirectory()
        let config = folder + "/train.yaml"
        try "model: lenet\nepochs: 1\nimage_size: 8\nbatch_size: 32\nlr: 0.05\n".write(toFile: config, atomically: true, encoding: .utf8)
        let run = try CLI.run(["train", Fixtures.path("datasets/digits"), "--config", config, "--epochs", "2", "--output", folder + "/run"])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput.contains("epoch  2/2"))  // the flag beat the file
        let used = try String(contentsOfFile: folder + "/run/config.yaml", encoding: .utf8)
        #expect(used.contains("epochs: 2") && used.contains("batch_size: 32") && used.contains("image_size: 8"))
        #expect(FileManager.default.fileExists(atPath: folder + "/run/split.json"))

        let bad = folder + "/bad.yaml"
        try "epochs: 1\nbatch_sise: 32\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try CLI.run(["train", Fixtures.path("datasets/digits"), "--config", bad, "--output", folder + "/nope"])
        #expect(refused.status != 0)
        #expect(refused.standardError.contains("bad.yaml:2: batch_sise: unknown key"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/nope"))
    }
}

@Suite struct ResumeTests {
    @Test func killNineMidRunThenResume() throws {
        let folder = try Fixtures.temporaryDirectory() + "/run"
        let digits = Fixtures.path("datasets/digits")
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = ["train", digits, "--image-size", "16", "--epochs", "30", "--output", folder, "--quiet"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait for the first finished epoch, then kill without warning, mid-way through the next.
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: folder + "/metrics.csv", encoding: .utf8), text.split(separator: "\n").count >= 2 { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Thread.sleep(forTimeInterval: 0.2)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        // Whatever moment the kill hit, the model file is whole.
        let inspect = try CLI.run(["evaluate", folder + "/last.vision", digits, "--json"])
        #expect(inspect.status == 0, "\(inspect.standardError)")
        let resumed = try CLI.run(["train", digits, "--resume", folder, "--epochs", "3"])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(resumed.standardOutput.contains("resuming"))
        let rows = try String(contentsOfFile: folder + "/metrics.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        let epochs = rows.compactMap { Int($0.split(separator: ",").first ?? "") }
        #expect(epochs == Array(1...epochs.count))  // each epoch once, in order
        #expect(epochs.count >= 3)
    }

    /// A resumed run keeps the split it started with; when the data changed since, it stops
    /// and says so instead of quietly moving images between train and test.
    @Test func resumeKeepsTheRunsSplit() throws {
        let folder = try Fixtures.temporaryDirectory()
        let data = folder + "/digits"
        try FileManager.default.copyItem(atPath: Fixtures.path("datasets/digits"), toPath: data)
        let first = try CLI.run(["train", data, "--image-size", "8", "--epochs", "1", "--output", folder + "/run", "--quiet"])
        #expect(first.status == 0, "\(first.standardError)")
        let split = try String(contentsOfFile: folder + "/run/split.json", encoding: .utf8)
        let resumed = try CLI.run(["train", data, "--resume", folder + "/run", "--epochs", "2", "--quiet"])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(try String(contentsOfFile: folder + "/run/split.json", encoding: .utf8) == split)
        let some = try FileManager.default.contentsOfDirectory(atPath: data + "/3").sorted()[0]
        try FileManager.default.copyItem(atPath: data + "/3/" + some, toPath: data + "/3/added-" + some)
        let grown = try CLI.run(["train", data, "--resume", folder + "/run", "--epochs", "3", "--quiet"])
        #expect(grown.status != 0)
        #expect(grown.standardError.contains("split.json"), "\(grown.standardError)")
        #expect(grown.standardError.split(separator: "\n").count == 1)
    }

    @Test func resumeNeedsARun() throws {
        let folder = try Fixtures.temporaryDirectory()
        let result = try CLI.run(["train", Fixtures.path("datasets/digits"), "--resume", folder])
        #expect(result.status != 0)
        #expect(result.standardError.contains("no last.vision to resume from"))
    }
}

@Suite struct InterruptTests {
    @Test func controlCFinishesTheStepSavesAndExits() throws {
        let folder = try Fixtures.temporaryDirectory() + "/run"
        let digits = Fixtures.path("datasets/digits")
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = ["train", digits, "--image-size", "16", "--epochs", "30", "--output", folder, "--quiet"]
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: folder + "/metrics.csv", encoding: .utf8), text.split(separator: "\n").count >= 2 { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(process.processIdentifier, SIGINT)
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        #expect(message.contains("interrupted during epoch"))
        #expect(message.contains("--resume"))
        let resumed = try CLI.run(["train", digits, "--resume", folder, "--epochs", "3", "--quiet"])
        #expect(resumed.status == 0, "\(resumed.standardError)")
    }
}

@Suite struct EarlyStopAndInspectTests {
    @Test func patienceStopsEarlyAndInspectDescribesTheModel() throws {
        let folder = try Fixtures.temporaryDirectory() + "/run"
        let digits = Fixtures.path("datasets/digits")
        // A learning rate far too small: validation accuracy stalls, and patience 1 stops it.
        let run = try CLI.run(["train", digits, "--image-size", "8", "--epochs", "30", "--lr", "0.000001", "--patience", "1", "--output", folder])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput.contains("early stop"))
        let rows = try String(contentsOfFile: folder + "/metrics.csv", encoding: .utf8).split(separator: "\n").count - 1
        #expect(rows < 30)
        let inspect = try CLI.run(["inspect", folder + "/best.vision"])
        #expect(inspect.status == 0, "\(inspect.standardError)")
        for field in ["format version", "lenet", "classes          10", "input            1×8×8", "split train"] {
            #expect(inspect.standardOutput.contains(field), "\(field)")
        }
        let json = try CLI.run(["inspect", folder + "/best.vision", "--json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        #expect(document["plugin"] as? String == "lenet")
        let broken = try CLI.run(["inspect", digits + "/0/0000.png"])
        #expect(broken.status != 0)
        #expect(broken.standardError.contains("0000.png"))
    }
}

@Suite struct TrainBadInputTests {
    @Test func nanLossEmptyDataAndUnknownClasses() throws {
        let folder = try Fixtures.temporaryDirectory()
        let digits = Fixtures.path("datasets/digits")
        _ = FileManager.default.createFile(atPath: folder + "/a-file", contents: Data("x".utf8))
        let unwritable = try CLI.run(["train", digits, "--output", folder + "/a-file", "--quiet"])
        #expect(unwritable.status != 0)
        #expect(unwritable.standardError.contains("exists and is not a folder"))
        let monitorLoss = try CLI.run(["train", digits, "--image-size", "8", "--epochs", "2", "--monitor", "val_loss", "--output", folder + "/loss", "--quiet"])
        #expect(monitorLoss.status == 0, "\(monitorLoss.standardError)")
        let badMonitor = try CLI.run(["train", digits, "--monitor", "val_f11", "--output", folder + "/monitor"])
        #expect(badMonitor.status != 0)
        #expect(badMonitor.standardError.contains("unknown metric 'f11'; did you mean 'f1'?"), "\(badMonitor.standardError)")
        let noAverage = try CLI.run(["train", digits, "--monitor", "accuracy_macro", "--output", folder + "/monitor"])
        #expect(noAverage.standardError.contains("has no macro average; use 'accuracy'"), "\(noAverage.standardError)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/monitor"))

        let exploding = try CLI.run(["train", digits, "--image-size", "8", "--epochs", "2", "--lr", "10000000000", "--output", folder + "/nan", "--quiet"])
        #expect(exploding.status != 0)
        #expect(exploding.standardError.contains("NaN or infinite"))
        #expect(exploding.standardError.contains("lower the learning rate"))

        try FileManager.default.createDirectory(atPath: folder + "/empty", withIntermediateDirectories: true)
        let empty = try CLI.run(["train", folder + "/empty", "--output", folder + "/r1"])
        #expect(empty.status != 0)
        #expect(empty.standardError.contains("Couldn't find any class folder"))

        // A model trained on three digits, evaluated on data with a class it never saw.
        for label in ["0", "1", "2"] { try FileManager.default.copyItem(atPath: digits + "/" + label, toPath: folder + "/three/" + label) }
        for label in ["0", "1", "2", "3"] { try FileManager.default.copyItem(atPath: digits + "/" + label, toPath: folder + "/four/" + label) }
        let trained = try CLI.run(["train", folder + "/three", "--image-size", "8", "--epochs", "1", "--output", folder + "/r2", "--quiet"])
        #expect(trained.status == 0, "\(trained.standardError)")
        let unknown = try CLI.run(["evaluate", folder + "/r2/best.vision", folder + "/four"])
        #expect(unknown.status != 0)
        #expect(unknown.standardError.contains("classes the model does not know: 3"))
    }
}

/// On a pre-split tree (train/ and test/ only) the val images are carved from train/; the
/// model file records them, and evaluation finds them there rather than under train.
@Suite struct PresplitEvaluationTests {
    @Test func evaluateUsesTheCarvedValidationImages() throws {
        let folder = try Fixtures.temporaryDirectory()
        let digits = Fixtures.path("datasets/digits")
        for label in ["0", "1"] {
            let files = try FileManager.default.contentsOfDirectory(atPath: digits + "/" + label).sorted()
            for (split, names) in [("train", files.prefix(60)), ("test", files.suffix(20))] {
                try FileManager.default.createDirectory(atPath: "\(folder)/tree/\(split)/\(label)", withIntermediateDirectories: true)
                for name in names { try FileManager.default.copyItem(atPath: "\(digits)/\(label)/\(name)", toPath: "\(folder)/tree/\(split)/\(label)/\(name)") }
            }
        }
        let trained = try CLI.run(["train", folder + "/tree", "--image-size", "8", "--epochs", "1", "--output", folder + "/run", "--quiet"])
        #expect(trained.status == 0, "\(trained.standardError)")
        let entries = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/run/split.json"))) as? [String: Any])
        let splits = try #require(entries["entries"] as? [[String: Any]]).compactMap { $0["split"] as? String }
        for split in ["train", "val", "test"] {
            let result = try CLI.run(["evaluate", folder + "/run/best.vision", folder + "/tree", "--split", split, "--json"])
            #expect(result.status == 0, "\(split): \(result.standardError)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
            #expect(report["images"] as? Int == splits.filter { $0 == split }.count, "\(split)")
        }
        #expect(splits.filter { $0 == "val" }.count > 0)
        #expect(splits.filter { $0 == "test" }.count == 40)
    }
}
/// Imbalanced data gets macro-F1 and class weights by default, said in the log; the user's own
/// choices are left alone, and a resumed run keeps what its first run chose.
@Suite struct ImbalanceDefaultTests {
    @Test func imbalancedDataIsHandledByDefaultAndSaidSo() throws {
        let tree = try Fixtures.temporaryDirectory() + "/tree"
        let digits = Fixtures.path("datasets/digits")
        try FileManager.default.createDirectory(atPath: tree + "/1", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: digits + "/0", toPath: tree + "/0")
        for name in try FileManager.default.contentsOfDirectory(atPath: digits + "/1").sorted().prefix(30) {
            try FileManager.default.copyItem(atPath: digits + "/1/" + name, toPath: tree + "/1/" + name)
        }
        let folder = try Fixtures.temporaryDirectory()
        let run = try CLI.run(["train", tree, "--image-size", "8", "--epochs", "1", "--output", folder + "/a"])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput.contains("imbalanced training data: 143 images in the largest class, 24 in the smallest (6.0×)"), "\(run.standardOutput)")
        #expect(run.standardOutput.contains("best val_f1_macro"))
        let config = try String(contentsOfFile: folder + "/a/config.yaml", encoding: .utf8)
        #expect(config.contains("monitor: \"f1_macro\"") && config.contains("class_weights: \"sqrt\""), "\(config)")
        // Resumed with more epochs: the first run's choices hold, without a second message.
        let resumed = try CLI.run(["train", tree, "--resume", folder + "/a", "--epochs", "2"])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(!resumed.standardOutput.contains("imbalanced training data"))
        #expect(resumed.standardOutput.contains("best val_f1_macro"))
        // The user's monitor stays; the loss weighting is still chosen.
        let chosen = try CLI.run(["train", tree, "--image-size", "8", "--epochs", "1", "--output", folder + "/b", "--monitor", "val_accuracy"])
        #expect(chosen.standardOutput.contains("so vision weights the loss by the square root of inverse class frequency"), "\(chosen.standardOutput)")
        #expect(chosen.standardOutput.contains("best val_accuracy"))
        // Balanced data: nothing changes.
        let balanced = try CLI.run(["train", digits, "--image-size", "8", "--epochs", "1", "--output", folder + "/c"])
        #expect(!balanced.standardOutput.contains("imbalanced"))
    }
}

/// --augment-preset and --augment: said in the log, seeded, the same whatever the worker count.
@Suite struct AugmentCommandTests {
    @Test func augmentationIsSaidAndIndependentOfWorkers() throws {
        let digits = Fixtures.path("datasets/digits")
        let folder = try Fixtures.temporaryDirectory()
        var histories: [String] = []
        for workers in ["0", "2"] {
            let run = try CLI.run([
                "train", digits, "--image-size", "8", "--epochs", "1", "--augment-preset", "defects", "--augment", "noise=0.02,erase=0.25",
                "--workers", workers, "--output", folder + "/w" + workers,
            ])
            #expect(run.status == 0, "\(run.standardError)")
            #expect(run.standardOutput.contains("augmentation: horizontal flips, vertical flips, quarter turns, brightness ±0.1, contrast ±0.1, noise σ 0.02, erasing p 0.25"), "\(run.standardOutput)")
            // Every figure but the timings.
            let rows = try String(contentsOfFile: folder + "/w" + workers + "/metrics.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
            let timing = Set(["seconds", "images_per_second"])
            let keep = rows[0].indices.filter { !timing.contains(rows[0][$0]) }
            histories.append(rows.map { row in keep.map { row[$0] }.joined(separator: ",") }.joined(separator: "\n"))
        }
        #expect(histories[0] == histories[1])
        let bad = try CLI.run(["train", digits, "--augment", "hflip,twirl", "--output", folder + "/bad"])
        #expect(bad.status != 0)
        #expect(bad.standardError.contains("augment: expected hflip, vflip, rot90") && bad.standardError.split(separator: "\n").count == 1, "\(bad.standardError)")
    }
}

/// Gray saved as RGB is seen as gray: one input channel, said by train and data inspect.
@Suite struct GrayStoredAsRGBTests {
    @Test func grayAsRGBTrainsOnOneChannelAndIsReported() throws {
        let digits = Fixtures.path("datasets/digits")
        let tree = try Fixtures.temporaryDirectory() + "/tree"
        for label in ["0", "1"] {
            try FileManager.default.createDirectory(atPath: tree + "/" + label, withIntermediateDirectories: true)
            for name in try FileManager.default.contentsOfDirectory(atPath: digits + "/" + label).sorted().prefix(40) {
                let gray = try ImageDecoder.decode(contentsOf: digits + "/" + label + "/" + name).image
                let rgb = try Image(width: gray.width, height: gray.height, channels: 3, pixels: gray.pixels.flatMap { [$0, $0, $0] })
                try PNGEncoder.write(rgb, to: tree + "/" + label + "/" + name)
            }
        }
        let folder = try Fixtures.temporaryDirectory()
        let train = try CLI.run(["train", tree, "--image-size", "8", "--epochs", "1", "--output", folder + "/run"])
        #expect(train.status == 0, "\(train.standardError)")
        #expect(train.standardOutput.contains("channels: 1 (64 of 64 sampled training images store gray as RGB (R = G = B); --channels chooses otherwise)"), "\(train.standardOutput)")
        let inspect = try CLI.run(["data", "inspect", tree])
        #expect(inspect.standardOutput.contains("gray stored as RGB: 80 of 80 images have R = G = B"), "\(inspect.standardOutput)")
        // Real colour is colour.
        var colour = try Image(width: 8, height: 8, channels: 3)
        for i in stride(from: 0, to: colour.pixels.count, by: 3) { colour.pixels[i] = 200 }
        #expect(!colour.storesGrayAsColour())
        #expect(try Image(width: 4, height: 4, channels: 3, pixels: [UInt8](repeating: 90, count: 48)).storesGrayAsColour())
        #expect(!(try Image(width: 4, height: 4, channels: 1, pixels: [UInt8](repeating: 90, count: 16))).storesGrayAsColour())
    }
}
