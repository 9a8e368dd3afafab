import Foundation
import Testing
import VisionTestSupport

/// The redesigned workflow from the command line: plugin configuration, any metric as the
/// monitor, self-contained model files, the one preprocessing, benchmarks of any model.
@Suite struct WorkflowCommandTests {
    static let digits = Fixtures.path("datasets/digits")

    /// Two or three digit classes in a temporary tree (fast to train).
    static func smallTree(_ labels: [String] = ["0", "1", "2"]) throws -> String {
        let folder = try Fixtures.temporaryDirectory() + "/tree"
        for label in labels {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: digits + "/" + label, toPath: folder + "/" + label)
        }
        return folder
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func aConfiguredPluginMonitoredByMacroF1() throws {
        let run = try Fixtures.temporaryDirectory() + "/run"
        let train = try CLI.run([
            "train", Self.digits, "--model", "defectnet", "--model-config", "width=8", "--model-config", "stages=2", "--monitor", "f1_macro",
            "--image-size", "16", "--epochs", "3", "--output", run,
        ])
        #expect(train.status == 0, "\(train.standardError)")
        #expect(train.standardOutput.contains("best val_f1_macro"))
        // best.vision holds the latest epoch of metrics.csv whose validation macro-F1 is within one
        // binomial standard error (over the validation images) of the highest so far.
        let csv = try String(contentsOfFile: run + "/metrics.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let column = try #require(csv.first?.firstIndex(of: "val_f1_macro"))
        let scores = csv.dropFirst().map { (Int($0[0]) ?? 0, Double($0[column]) ?? -1) }
        let splitLine = try #require(train.lines.first { $0.hasPrefix("data: ") }, "\(train.standardOutput)")
        let validation = try #require(Int(splitLine.components(separatedBy: " / val ").last?.prefix { $0.isNumber } ?? ""))
        var peak = -Double.infinity, bestEpoch = 0
        for (epoch, value) in scores {
            peak = max(peak, value)
            if value >= peak - (peak * (1 - peak) / Double(validation)).squareRoot() { bestEpoch = epoch }
        }
        let inspect = try CLI.run(["inspect", run + "/best.vision"])
        #expect(inspect.standardOutput.contains("model            defectnet stages=2 width=8"), "\(inspect.standardOutput)")
        #expect(inspect.standardOutput.contains("monitor          val_f1_macro"))
        #expect(inspect.standardOutput.contains("epoch            \(bestEpoch)"))
        let document = try Self.json(try CLI.run(["inspect", run + "/best.vision", "--json"]).standardOutput)
        let model = try #require(document["model"] as? [String: Any])
        #expect(model["plugin"] as? String == "defectnet")
        #expect((model["configuration"] as? [String: Any])?["width"] as? Int == 8)
        #expect(document["monitor"] as? String == "val_f1_macro")
        #expect(document["epoch"] as? Int == bestEpoch)
        #expect((document["metrics"] as? [String: Double])?["val_loss"] != nil)
        // evaluate rebuilds the same architecture from the file alone.
        let evaluate = try CLI.run(["evaluate", run + "/best.vision", Self.digits, "--json"])
        #expect(evaluate.status == 0, "\(evaluate.standardError)")
        let report = try Self.json(evaluate.standardOutput)
        #expect(report["accuracy"] is Double && report["baseline_accuracy"] is Double)
        // An unknown configuration key is refused with the plugin's suggestion, before any folder exists.
        let typo = try CLI.run(["train", Self.digits, "--model", "defectnet", "--model-config", "widht=8", "--output", run + "-typo"])
        #expect(typo.status != 0)
        #expect(typo.standardError.contains("model 'defectnet': unknown configuration key 'widht' (did you mean 'width'?)"), "\(typo.standardError)")
        #expect(!FileManager.default.fileExists(atPath: run + "-typo"))
        // Resuming with another model would leave unloadable files: refused, and the run is untouched.
        let before = try Data(contentsOf: URL(fileURLWithPath: run + "/last.vision"))
        let other = try CLI.run(["train", Self.digits, "--resume", run, "--model", "lenet", "--epochs", "4"])
        #expect(other.status != 0)
        #expect(other.standardError.contains("is a 'defectnet' model"), "\(other.standardError)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: run + "/last.vision")) == before)
    }

    @Test func aYAMLModelFileStandsAloneAfterTheYAMLIsGone() throws {
        let folder = try Fixtures.temporaryDirectory()
        let yaml = folder + "/net.yaml"
        try FileManager.default.copyItem(atPath: Fixtures.path("models/plugins/tinynet.yaml"), toPath: yaml)
        let tree = try Self.smallTree()
        let train = try CLI.run(["train", tree, "--model", yaml, "--image-size", "12", "--epochs", "1", "--output", folder + "/run", "--quiet"])
        #expect(train.status == 0, "\(train.standardError)")
        try FileManager.default.removeItem(atPath: yaml)
        let evaluate = try CLI.run(["evaluate", folder + "/run/best.vision", tree])
        #expect(evaluate.status == 0, "\(evaluate.standardError)")
        let infer = try CLI.run(["infer", folder + "/run/best.vision", tree + "/1"])
        #expect(infer.status == 0, "\(infer.standardError)")
        let inspect = try CLI.run(["inspect", folder + "/run/best.vision"])
        #expect(inspect.standardOutput.contains("tinynet (yaml definition stored in the file)"), "\(inspect.standardOutput)")
    }

    @Test func nonSquareInputsAndCentreCrops() throws {
        let folder = try Fixtures.temporaryDirectory()
        let tree = try Self.smallTree(["0", "1"])
        let wide = try CLI.run([
            "train", tree, "--model", "defectnet", "--model-config", "width=4", "--model-config", "stages=3", "--image-size", "96x64",
            "--epochs", "1", "--output", folder + "/wide", "--quiet",
        ])
        #expect(wide.status == 0, "\(wide.standardError)")
        let wideInspect = try CLI.run(["inspect", folder + "/wide/best.vision"])
        #expect(wideInspect.standardOutput.contains("input            1×64×96"), "\(wideInspect.standardOutput)")
        #expect(try CLI.run(["evaluate", folder + "/wide/best.vision", tree]).status == 0)
        let cropped = try CLI.run([
            "train", tree, "--image-size", "16", "--resize", "center_crop", "--epochs", "1", "--output", folder + "/crop", "--quiet",
        ])
        #expect(cropped.status == 0, "\(cropped.standardError)")
        let inspect = try CLI.run(["inspect", folder + "/crop/best.vision"])
        #expect(inspect.standardOutput.contains("resize center_crop 0.875"), "\(inspect.standardOutput)")
        let evaluate = try Self.json(try CLI.run(["evaluate", folder + "/crop/best.vision", tree, "--json"]).standardOutput)
        #expect((evaluate["accuracy"] as? Double ?? 0) > 0.8)
        let badSize = try CLI.run(["train", tree, "--image-size", "96x", "--output", folder + "/bad"])
        #expect(badSize.status != 0)
        #expect(badSize.standardError.contains("image-size"))
    }

    @Test func unreadableImagesAreSkippedOrFailByChoice() throws {
        let tree = try Self.smallTree(["0", "1"])
        let broken = tree + "/0/broken.png"
        try FileManager.default.copyItem(atPath: Fixtures.path("images/pngsuite/corrupt/xcsn0g01.png"), toPath: broken)
        let folder = try Fixtures.temporaryDirectory()
        let skipped = try CLI.run(["train", tree, "--image-size", "8", "--epochs", "1", "--output", folder + "/skip"])
        #expect(skipped.status == 0, "\(skipped.standardError)")
        #expect(skipped.standardOutput.contains("broken.png"), "\(skipped.standardOutput)")
        let failing = try CLI.run(["train", tree, "--image-size", "8", "--epochs", "1", "--on-bad-image", "fail", "--output", folder + "/fail"])
        #expect(failing.status != 0)
        #expect(failing.standardError.contains("broken.png"), "\(failing.standardError)")
        // A dataset whose every file is unreadable: one error naming them, not a shape error.
        let junk = folder + "/junk"
        for label in ["a", "b"] {
            try FileManager.default.createDirectory(atPath: junk + "/" + label, withIntermediateDirectories: true)
            for index in 0..<12 {
                try FileManager.default.copyItem(atPath: Fixtures.path("images/pngsuite/corrupt/xcsn0g01.png"), toPath: "\(junk)/\(label)/\(index).png")
            }
        }
        let none = try CLI.run(["train", junk, "--image-size", "8", "--epochs", "1", "--channels", "1", "--output", folder + "/none"])
        #expect(none.status != 0)
        #expect(none.standardError.contains("none of the"), "\(none.standardError)")
        #expect(none.standardError.contains(".png"))
    }

    @Test func benchmarksBuildAnyModelThroughTheRegistry() throws {
        let train = try CLI.run(["bench", "train", "--model", "mobilenetv2", "--input", "3,32,32", "--batch-size", "2", "--steps", "1", "--json"])
        #expect(train.status == 0, "\(train.standardError)")
        let trained = try Self.json(train.standardOutput)
        #expect(trained["images_per_second"] is Double && trained["latency_ms"] is Double)
        let infer = try CLI.run([
            "bench", "infer", "--model", Fixtures.path("models/plugins/tinynet.yaml"), "--batch", "2", "--steps", "1", "--threads", "1", "--json",
        ])
        #expect(infer.status == 0, "\(infer.standardError)")
        #expect(try Self.json(infer.standardOutput)["images_per_second"] is Double)
    }
}

/// Review findings on the workflow, each pinned.
@Suite struct WorkflowEdgeCaseTests {
    @Test func aMonitorThatCannotBeComputedStopsWithTheReason() throws {
        let folder = try Fixtures.temporaryDirectory()
        let tree = try WorkflowCommandTests.smallTree(["0", "1", "2"])
        let run = try CLI.run(["train", tree, "--image-size", "8", "--epochs", "2", "--monitor", "precision_at_recall", "--output", folder + "/a"])
        #expect(run.status != 0)
        #expect(run.standardError.contains("the monitored val_precision_at_recall cannot be computed on the validation split"), "\(run.standardError)")
        // Averages of score metrics are known on more than two classes.
        let auc = try CLI.run(["train", tree, "--image-size", "8", "--epochs", "1", "--monitor", "roc_auc_macro", "--output", folder + "/b", "--quiet"])
        #expect(auc.status == 0, "\(auc.standardError)")
        let typo = try CLI.run(["train", tree, "--image-size", "8", "--metrics", "f1_macr", "--output", folder + "/c"])
        #expect(typo.standardError.contains("--metrics"), "\(typo.standardError)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/c/config.yaml"))
        let crop = try CLI.run(["train", tree, "--resize", "center_crop", "--crop-fraction", "1e-300", "--output", folder + "/d"])
        #expect(crop.standardError.contains("crop_fraction: expected a number in [0.05, 1]"), "\(crop.standardError)")
    }

    @Test func resumingAndFineTuningRefuseOptionsTheWeightsCannotTake() throws {
        let folder = try Fixtures.temporaryDirectory()
        let tree = try WorkflowCommandTests.smallTree(["0", "1"])
        let base = try CLI.run([
            "train", tree, "--model", "defectnet", "--model-config", "width=4", "--model-config", "stages=2", "--image-size", "8",
            "--epochs", "2", "--output", folder + "/base", "--quiet",
        ])
        #expect(base.status == 0, "\(base.standardError)")
        let width = try CLI.run(["train", tree, "--init-from", folder + "/base/best.vision", "--model-config", "width=8", "--output", folder + "/w"])
        #expect(width.status != 0)
        #expect(width.standardError.contains("its weights do not fit"), "\(width.standardError)")
        // Fine-tuning may change the input size (convolutions take any); channels it may not.
        let size = try CLI.run(["train", tree, "--init-from", folder + "/base/best.vision", "--image-size", "16", "--epochs", "1", "--output", folder + "/s"])
        #expect(size.status == 0, "\(size.standardError)")
        #expect(size.standardOutput.contains("input size: 16 (the saved model was trained at 8; its convolutions take either)"), "\(size.standardOutput)")
        let channels = try CLI.run(["train", tree, "--init-from", folder + "/base/best.vision", "--channels", "3", "--output", folder + "/c"])
        #expect(channels.status != 0)
        #expect(channels.standardError.contains("was trained with another input: channels 3 (saved: 1)"), "\(channels.standardError)")
        // A flatten + linear layer fixes the size: its weights do not fit, in one line.
        let lenet = try CLI.run(["train", tree, "--model", "lenet", "--image-size", "8", "--epochs", "1", "--output", folder + "/l", "--quiet"])
        #expect(lenet.status == 0, "\(lenet.standardError)")
        let resized = try CLI.run(["train", tree, "--init-from", folder + "/l/best.vision", "--image-size", "16", "--output", folder + "/l16"])
        #expect(resized.status != 0 && resized.standardError.contains("do not fit"), "\(resized.standardError)")
        // Fine-tuning without naming the model builds the saved one (defectnet, not the default lenet).
        let tuned = try CLI.run(["train", tree, "--init-from", folder + "/base/best.vision", "--epochs", "1", "--output", folder + "/t", "--quiet"])
        #expect(tuned.status == 0, "\(tuned.standardError)")
        // Resuming with another monitor finds the best epoch so far in metrics.csv.
        let resumed = try CLI.run(["train", tree, "--resume", folder + "/base", "--epochs", "3", "--monitor", "val_loss"])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(resumed.standardOutput.contains("best epoch so far by val_loss"), "\(resumed.standardOutput)")
    }

    @Test func modelConfigFlagsChangeTheFilesKeysOneByOne() throws {
        let folder = try Fixtures.temporaryDirectory()
        let tree = try WorkflowCommandTests.smallTree(["0", "1"])
        let config = folder + "/train.yaml"
        try "model: defectnet\nmodel_config: {width: 4, stages: 2}\nimage_size: 8\nepochs: 1\n".write(toFile: config, atomically: true, encoding: .utf8)
        let run = try CLI.run(["train", tree, "--config", config, "--model-config", "width=6", "--output", folder + "/run", "--quiet"])
        #expect(run.status == 0, "\(run.standardError)")
        let used = try String(contentsOfFile: folder + "/run/config.yaml", encoding: .utf8)
        #expect(used.contains("model_config: {\"stages\":2,\"width\":6}"), "\(used)")
    }
}
