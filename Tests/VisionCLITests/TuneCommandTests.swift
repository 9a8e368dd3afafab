import Foundation
import Testing
import VisionTestSupport

/// `vision tune` end to end on the bundled digits.
@Suite struct TuneCommandTests {
    static let digits = Fixtures.path("datasets/digits")

    static func rows(_ path: String) throws -> [[String: String]] {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = lines.first else { return [] }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    /// The planted grid: a learning rate far too small cannot win, the refit is tested once, and
    /// best.yaml trains as it is.
    @Test func aPlantedGridFindsAWorkingLearningRateAndRefits() throws {
        let folder = try Fixtures.temporaryDirectory() + "/tune"
        let tune = try CLI.run([
            "tune", Self.digits, "--model", "lenet", "--image-size", "8", "--epochs", "5", "--grid", "lr=0.00001,0.003,0.05",
            "--grid", "batch_size=32,64", "--output", folder,
        ])
        #expect(tune.status == 0, "\(tune.standardError)")
        let rows = try Self.rows(folder + "/trials.csv")
        #expect(rows.count == 6)
        #expect(rows.map { $0["lr"] ?? "" } == ["1e-05", "1e-05", "0.003", "0.003", "0.05", "0.05"])
        let best = try #require(rows.max { Double($0["val_accuracy"] ?? "") ?? 0 < Double($1["val_accuracy"] ?? "") ?? 0 })
        #expect(best["lr"] != "1e-05")
        #expect(tune.standardOutput.contains("the test split is used now, for the first and only time"))
        let refit = try #require(tune.standardOutput.split(separator: "\n").first { $0.hasPrefix("refit test: accuracy ") })
        let accuracy = try #require(Double(refit.dropFirst("refit test: accuracy ".count).prefix { $0 != "%" }))
        #expect(accuracy > 90, "\(refit)")
        for name in ["trials.jsonl", "best.yaml", "best.vision", "report.html", "plan.json", "refit/best.vision"] {
            #expect(FileManager.default.fileExists(atPath: folder + "/" + name), "\(name)")
        }
        let report = try String(contentsOfFile: folder + "/report.html", encoding: .utf8)
        #expect(report.contains("<svg") && report.contains("Trials, best first"))
        let again = try CLI.run(["train", Self.digits, "--config", folder + "/best.yaml", "--output", folder + "/again", "--quiet"])
        #expect(again.status == 0, "\(again.standardError)")
    }

    /// kill -9 in the middle, then --resume: every trial runs to completion exactly once.
    @Test func aKilledSearchResumesAndRunsEachTrialOnce() throws {
        let folder = try Fixtures.temporaryDirectory() + "/tune"
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = [
            "tune", Self.digits, "--model", "lenet", "--image-size", "16", "--epochs", "3", "--grid", "lr=0.01,0.02,0.03,0.04",
            "--grid", "batch_size=32,64", "--no-refit", "--output", folder,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: folder + "/trials.jsonl", encoding: .utf8), text.split(separator: "\n").count >= 2 { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let before = try String(contentsOfFile: folder + "/trials.jsonl", encoding: .utf8).split(separator: "\n").count
        #expect(before >= 2 && before < 8)
        let resumed = try CLI.run(["tune", Self.digits, "--resume", folder])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(resumed.standardOutput.contains("\(before) trials done before"), "\(resumed.standardOutput)")
        let ids = try String(contentsOfFile: folder + "/trials.jsonl", encoding: .utf8).split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["id"] as? Int
        }
        #expect(ids == Array(1...8))
        #expect(try Self.rows(folder + "/trials.csv").allSatisfy { $0["status"] == "ok" })
    }

    /// The trials never read the test split: with every test image broken and --on-bad-image fail,
    /// the search succeeds; only the refit, which tests once, reads (and here fails on) them.
    @Test func theTestSplitIsNotReadBeforeTheRefit() throws {
        let folder = try Fixtures.temporaryDirectory()
        let tree = try WorkflowCommandTests.smallTree(["0", "1", "2"])
        let split = try CLI.run(["data", "split", tree, "--output", folder + "/split.json"])
        #expect(split.status == 0, "\(split.standardError)")
        let definition = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/split.json"))) as? [String: Any])
        let tests = try #require(definition["entries"] as? [[String: Any]]).filter { $0["split"] as? String == "test" }.compactMap { $0["path"] as? String }
        #expect(tests.count > 10)
        for path in tests { try Data("not an image".utf8).write(to: URL(fileURLWithPath: tree + "/" + path)) }
        let search = try CLI.run([
            "tune", tree, "--image-size", "8", "--epochs", "1", "--grid", "lr=0.01,0.05", "--on-bad-image", "fail", "--no-refit",
            "--output", folder + "/tune",
        ])
        #expect(search.status == 0, "\(search.standardError)")
        #expect(try Self.rows(folder + "/tune/trials.csv").allSatisfy { $0["status"] == "ok" })
        let withRefit = try CLI.run([
            "tune", tree, "--image-size", "8", "--epochs", "1", "--grid", "lr=0.01", "--on-bad-image", "fail", "--output", folder + "/refit",
        ])
        #expect(withRefit.status != 0)
        #expect(tests.contains { withRefit.standardError.contains($0) }, "\(withRefit.standardError)")
    }

    @Test func halvingSpendsFewerEpochsThanTheGrid() throws {
        let folder = try Fixtures.temporaryDirectory() + "/tune"
        let tune = try CLI.run([
            "tune", Self.digits, "--image-size", "8", "--epochs", "9", "--grid", "lr=0.001,0.01,0.03,0.05", "--grid", "batch_size=16,32,64",
            "--halving", "--no-refit", "--monitor", "f1_macro", "--output", folder, "--quiet",
        ])
        #expect(tune.status == 0, "\(tune.standardError)")
        let rows = try Self.rows(folder + "/trials.csv")
        #expect(rows.count == 12 + 4 + 2)
        #expect(Dictionary(grouping: rows, by: { $0["round"] ?? "" }).mapValues(\.count) == ["0": 12, "1": 4, "2": 2])
        #expect(Set(rows.filter { $0["round"] == "2" }.map { $0["epochs"] ?? "" }) == ["9"])
        let spent = rows.reduce(0) { $0 + (Int($1["epochs"] ?? "") ?? 0) }
        #expect(Double(spent) <= 0.5 * Double(12 * 9), "\(spent) epochs")
        // The promoted candidates were the best of their round.
        let first = rows.filter { $0["round"] == "0" }.sorted { Double($0["val_f1_macro"] ?? "") ?? 0 > Double($1["val_f1_macro"] ?? "") ?? 0 }
        #expect(Set(first.prefix(4).map { $0["candidate"] ?? "" }) == Set(rows.filter { $0["round"] == "1" }.map { $0["candidate"] ?? "" }))
    }

    /// A trial that fails (the loss explodes) is recorded with its reason; the search goes on.
    @Test func aFailedTrialIsRecordedAndTheSearchGoesOn() throws {
        let folder = try Fixtures.temporaryDirectory() + "/tune"
        let tune = try CLI.run([
            "tune", Self.digits, "--image-size", "8", "--epochs", "1", "--grid", "lr=10000000000,0.05", "--no-refit", "--output", folder,
        ])
        #expect(tune.status == 0, "\(tune.standardError)")
        let rows = try Self.rows(folder + "/trials.csv")
        #expect(rows.map { $0["status"] ?? "" } == ["failed", "ok"])
        #expect(rows[0]["error"]?.contains("NaN or infinite") == true, "\(rows)")
        #expect(tune.standardOutput.contains("best: trial 2"))
    }

    @Test func badSearchesFailBeforeAnyTraining() throws {
        let folder = try Fixtures.temporaryDirectory()
        let cases: [([String], String)] = [
            (["--grid", "lrr=0.1,0.2"], "did you mean 'lr'"),
            (["--grid", "batch_size=32,big"], "batch_size"),
            (["--grid", "lr=0.1", "--budget", "0s"], "--budget"),
            (["--grid", "model_config.widht=4", "--model", "defectnet"], "did you mean 'width'"),
            ([], "give the space"),
        ]
        for (index, (arguments, message)) in cases.enumerated() {
            let result = try CLI.run(["tune", Self.digits, "--output", folder + "/t\(index)"] + arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.standardError.contains(message), "\(arguments): \(result.standardError)")
            #expect(!FileManager.default.fileExists(atPath: folder + "/t\(index)"), "\(arguments)")
        }
    }

    /// Random search over a log range with 3-fold cross-validation, the model itself searched
    /// (the simplest model is shown beside the best), and a budget that stops new trials but still refits.
    @Test func randomFoldsModelsAndBudget() throws {
        let folder = try Fixtures.temporaryDirectory()
        let tree = try WorkflowCommandTests.smallTree(["0", "1", "2"])
        try "model: [linear, lenet]\nlr: {log: [0.001, 0.1]}\n".write(toFile: folder + "/space.yaml", atomically: true, encoding: .utf8)
        let search = try CLI.run([
            "tune", tree, "--image-size", "8", "--epochs", "2", "--space", folder + "/space.yaml", "--random", "4", "--folds", "3",
            "--seed", "5", "--output", folder + "/random",
        ])
        #expect(search.status == 0, "\(search.standardError)")
        let lines = try String(contentsOfFile: folder + "/random/trials.jsonl", encoding: .utf8).split(separator: "\n")
        let records = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(records.count == 4)
        for record in records where record["status"] as? String == "ok" {
            #expect((record["fold_scores"] as? [Double])?.count == 3)
            let lr = (record["parameters"] as? [String: Any])?["lr"] as? Double ?? 0
            #expect(lr >= 0.001 && lr <= 0.1)
        }
        let report = try String(contentsOfFile: folder + "/random/report.html", encoding: .utf8)
        #expect(report.contains("simplest model") || Set(records.compactMap { ($0["parameters"] as? [String: Any])?["model"] as? String }).count == 1)
        // The same seed draws the same trials.
        let again = try CLI.run([
            "tune", tree, "--image-size", "8", "--epochs", "1", "--space", folder + "/space.yaml", "--random", "4", "--seed", "5",
            "--no-refit", "--output", folder + "/again", "--quiet",
        ])
        #expect(again.status == 0, "\(again.standardError)")
        let first = try Self.rows(folder + "/random/trials.csv").map { [$0["model"] ?? "", $0["lr"] ?? ""] }
        let second = try Self.rows(folder + "/again/trials.csv").map { [$0["model"] ?? "", $0["lr"] ?? ""] }
        #expect(first == second)
        // A budget spent by the first trial: no more start, the refit still runs.
        let budget = try CLI.run([
            "tune", tree, "--image-size", "8", "--epochs", "1", "--grid", "lr=0.01,0.02,0.03,0.04,0.05", "--budget", "0.01s",
            "--output", folder + "/budget",
        ])
        #expect(budget.status == 0, "\(budget.standardError)")
        #expect(budget.standardOutput.contains("budget of"))
        #expect(try Self.rows(folder + "/budget/trials.csv").count < 5)
        #expect(budget.standardOutput.contains("refit test: accuracy"))
    }
}
