import Foundation
import Testing
import VisionImage
import VisionTestSupport

/// A defect trial from the command line on a synthetic set (a bright square is the defect):
/// the input size chosen from the data, `--tta` on evaluate and infer, `vision explain`.
@Suite(.serialized) struct DefectTrialCommandTests {
    static func trained() throws -> (root: String, model: String, train: CLIResult) {
        let folder = try Fixtures.temporaryDirectory()
        let root = folder + "/parts"
        try SyntheticDefects.write(to: root, perClass: 40)
        let train = try CLI.run([
            "train", root, "--model", "defectnet", "--model-config", "stages=3", "--epochs", "8", "--batch-size", "8", "--optimizer", "adam",
            "--lr", "0.003", "--seed", "1", "--augment-preset", "defects", "--good-class", "good", "--target-recall", "0.9", "--output", folder + "/run",
        ])
        return (root, folder + "/run/best.vision", train)
    }

    @Test func trainEvaluateInferAndExplain() throws {
        let (root, model, train) = try Self.trained()
        #expect(train.status == 0, "\(train.standardError)")
        // 96 × 64 images: trained at their size (defectnet's default is 64 × 64), and said why.
        #expect(train.standardOutput.contains("input size: 96x64 (median of"), "\(train.standardOutput)")
        #expect(train.standardOutput.contains("--image-size chooses otherwise"))
        let report = try String(contentsOfFile: (model as NSString).deletingLastPathComponent + "/report.html", encoding: .utf8)
        #expect(report.contains("Precision–recall") && report.contains("operating point"), "the precision–recall curve with its point")

        // --tta: the four flips of the defects preset on a non-square input, said on stderr.
        let plain = try WorkflowCommandTests.json(try CLI.run(["evaluate", model, root, "--json"]).standardOutput)
        let evaluate = try CLI.run(["evaluate", model, root, "--json", "--tta"])
        #expect(evaluate.status == 0, "\(evaluate.standardError)")
        #expect(evaluate.standardError.contains("softmax averaged over 4 views (horizontal and vertical flips)"), "\(evaluate.standardError)")
        let augmented = try WorkflowCommandTests.json(evaluate.standardOutput)
        #expect(augmented["tta_views"] as? Int == 4 && plain["tta_views"] as? Int == 1)
        #expect((augmented["accuracy"] as? Double ?? 0) >= 0.75)
        let infer = try CLI.run(["infer", model, root + "/defect", "--tta", "--format", "jsonl"])
        #expect(infer.status == 0 && infer.lines.count == 40, "\(infer.standardError)")
        #expect(infer.standardError.contains("4 views"))

        // explain: one heat map per image, drawn at a whole multiple of the input size.
        let heat = try Fixtures.temporaryDirectory() + "/heat"
        let explain = try CLI.run(["explain", model, root + "/defect/000.png", root + "/good/000.png", "--save-to", heat, "--class", "defect"])
        #expect(explain.status == 0, "\(explain.standardError)")
        #expect(explain.standardOutput.contains("2 explained, 0 failed"), "\(explain.standardOutput)")
        for name in ["000.gradcam.png", "000-2.gradcam.png"] {
            let image = try ImageDecoder.decode(contentsOf: heat + "/" + name).image
            #expect(image.width == 288 && image.height == 192 && image.channels == 3)
        }
        let jsonl = try CLI.run(["explain", model, root + "/defect/001.png", "--save-to", heat, "--jsonl"])
        let line = try WorkflowCommandTests.json(try #require(jsonl.lines.first))
        #expect(line["explained"] as? String == line["predicted"] as? String && (line["feature_map"] as? [Int]) == [8, 12])

        // Bad input: one line each, nothing written for it.
        let unknown = try CLI.run(["explain", model, root + "/defect/000.png", "--save-to", heat, "--class", "scratch"])
        #expect(unknown.status != 0 && unknown.standardError.contains("--class 'scratch' is not one of the model's classes: defect, good"))
        let missing = try CLI.run(["explain", model, root + "/nothing.png", "--save-to", heat])
        #expect(missing.status == 1 && missing.standardOutput.contains("0 explained, 1 failed"))
    }

    @Test func epochsComeFromTheComputeBudgetUnlessGiven() throws {
        let folder = try Fixtures.temporaryDirectory()
        let root = folder + "/parts"
        try SyntheticDefects.write(to: root, perClass: 10)
        // 20 small images cost next to nothing: the budget's most, said, recorded and trained.
        let run = try CLI.run(["train", root, "--model", "defectnet", "--model-config", "stages=2", "--model-config", "width=4", "--seed", "1", "--output", folder + "/auto"])
        #expect(run.status == 0, "\(run.standardError)")
        let line = try #require(run.lines.first { $0.hasPrefix("epochs: ") }, "\(run.standardOutput)")
        #expect(line.hasPrefix("epochs: 60 (a budget of 5 T multiply-accumulates over ") && line.hasSuffix(", at most 60; --epochs chooses otherwise)"), "\(line)")
        let config = try String(contentsOfFile: folder + "/auto/config.yaml", encoding: .utf8)
        #expect(config.contains("epochs: 60"), "\(config)")
        let history = try String(contentsOfFile: folder + "/auto/metrics.csv", encoding: .utf8)
        #expect(history.split(separator: "\n").count == 61, "a header and 60 epochs")
        // Given, it is kept and nothing is said.
        let given = try CLI.run(["train", root, "--model", "defectnet", "--model-config", "stages=2", "--model-config", "width=4", "--epochs", "2", "--output", folder + "/given"])
        #expect(given.status == 0 && !given.lines.contains { $0.hasPrefix("epochs: ") }, "\(given.standardOutput)")
    }

    @Test func imbalancedDataGetsSquareRootWeightsAndAutoTheFullOnes() throws {
        let folder = try Fixtures.temporaryDirectory()
        let root = folder + "/parts"
        try SyntheticDefects.write(to: root, perClass: 40)
        // 40 good parts, 10 defects: 4× imbalance.
        for index in 10..<40 { try FileManager.default.removeItem(atPath: root + String(format: "/defect/%03d.png", index)) }
        func weights(_ extra: [String]) throws -> [String: Double] {
            let run = try CLI.run(["train", root, "--model", "defectnet", "--epochs", "1", "--batch-size", "8", "--output", folder + "/run-\(extra.count)"] + extra)
            #expect(run.status == 0, "\(run.standardError)")
            let line = try #require(run.lines.first { $0.hasPrefix("class weights: ") }, "\(run.standardOutput)")
            var out: [String: Double] = [:]
            for part in line.dropFirst("class weights: ".count).split(separator: ",") {
                let pair = part.split(separator: " ")
                out[String(pair[0])] = Double(pair[1])
            }
            return out
        }
        // By default the square root of inverse frequency; `auto` the full weights.
        let inverse = try weights(["--class-weights", "auto"]), root2 = try weights([])
        #expect(inverse.keys.sorted() == ["defect", "good"] && (inverse["defect"] ?? 0) > 2 * (inverse["good"] ?? 0))
        for (name, value) in inverse { #expect(abs((root2[name] ?? 0) - value.squareRoot()) < 0.01, "\(name)") }
    }

    @Test func modelsWithoutFeatureMapsCannotBeExplained() throws {
        let folder = try Fixtures.temporaryDirectory()
        let digits = Fixtures.path("datasets/digits")
        let train = try CLI.run(["train", digits, "--model", "linear", "--image-size", "8", "--epochs", "1", "--output", folder + "/run"])
        #expect(train.status == 0, "\(train.standardError)")
        let explain = try CLI.run(["explain", folder + "/run/best.vision", digits + "/3", "--save-to", folder + "/heat"])
        #expect(explain.status != 0)
        #expect(explain.standardError.contains("has no convolutional feature maps"), "\(explain.standardError)")
        #expect(explain.standardError.split(separator: "\n").count == 1)
    }
}

/// `vision train --folds K`: K runs on train + val, each image validated exactly once, the test
/// split untouched; mean ± standard deviation; then the final model.
@Suite struct CrossValidationCommandTests {
    struct Split: Decodable {
        struct Entry: Decodable { var path: String, split: String }
        var entries: [Entry]
    }

    @Test func foldsCoverTrainPlusValOnceAndLeaveTheTestSplitAlone() throws {
        let folder = try Fixtures.temporaryDirectory() + "/run"
        let digits = Fixtures.path("datasets/digits")
        let train = try CLI.run(["train", digits, "--image-size", "8", "--epochs", "2", "--folds", "3", "--seed", "4", "--output", folder])
        #expect(train.status == 0, "\(train.standardError)")
        #expect(train.standardOutput.contains("cross-validation, 3 folds of train + val (test untouched)"), "\(train.standardOutput)")
        #expect(train.standardOutput.contains("cross-validated val_accuracy"))
        let summary = try WorkflowCommandTests.json(try String(contentsOfFile: folder + "/folds.json", encoding: .utf8))
        #expect((summary["folds"] as? [Any])?.count == 3)
        let mean = try #require(summary["mean"] as? [String: Double]), std = try #require(summary["std"] as? [String: Double])
        #expect((mean["val_accuracy"] ?? 0) > 0.3 && std["val_accuracy"] != nil && mean["val_loss"] != nil)
        func split(_ path: String) throws -> [String: String] {
            let decoded = try JSONDecoder().decode(Split.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            return Dictionary(decoded.entries.map { ($0.path, $0.split) }, uniquingKeysWith: { a, _ in a })
        }
        let final = try split(folder + "/split.json")
        var validatedOnce: [String: Int] = [:]
        for fold in 1...3 {
            #expect(FileManager.default.fileExists(atPath: folder + "/folds/fold-\(fold)/best.vision"))
            let foldSplit = try split(folder + "/folds/fold-\(fold)/split.json")
            for (path, name) in foldSplit {
                #expect((name == "test") == (final[path] == "test"), "\(path)")
                if name == "val" { validatedOnce[path, default: 0] += 1 }
            }
        }
        let pool = final.filter { $0.value != "test" }.keys
        #expect(Set(validatedOnce.keys) == Set(pool) && validatedOnce.values.allSatisfy { $0 == 1 })
        #expect(FileManager.default.fileExists(atPath: folder + "/best.vision"))
        let bad = try CLI.run(["train", digits, "--folds", "1", "--output", folder + "2"])
        #expect(bad.status != 0 && bad.standardError.contains("--folds must be between 2 and 100, got 1"))
    }
}
