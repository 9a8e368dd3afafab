import Foundation
import Testing
import VisionImage
import VisionTestSupport

@Suite struct DataCommandTests {
    /// ROOT/CLASS/i.png with `count` files per class (listing never decodes them).
    static func tree(_ counts: [String: Int]) throws -> String {
        let root = try Fixtures.temporaryDirectory() + "/data"
        for (name, count) in counts {
            try FileManager.default.createDirectory(atPath: "\(root)/\(name)", withIntermediateDirectories: true)
            for i in 0..<count { _ = FileManager.default.createFile(atPath: "\(root)/\(name)/\(i).png", contents: Data("x".utf8)) }
        }
        return root
    }

    /// A failure: non-zero exit, one line on standard error naming `path` and saying `expected`.
    static func expectOneLineError(_ result: CLIResult, naming path: String, saying expected: String) {
        #expect(result.status != 0)
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 1, "\(result.standardError)")
        #expect(result.standardError.contains(path + ": "), "\(result.standardError)")
        #expect(result.standardError.contains(expected), "\(result.standardError)")
    }

    @Test func smallClassesGetValAndTest() throws {
        let root = try Self.tree(["cat": 3, "dog": 4])
        let result = try CLI.run(["data", "split", root])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.lines.contains { $0.hasPrefix("split: keyed-hash-threshold-v2, seed 0") })
        for name in ["cat", "dog"] {
            let row = result.lines.first { $0.hasPrefix(name + " ") }?.split(separator: " ").dropFirst().compactMap { Int($0) }
            #expect(row?.count == 3 && row?.allSatisfy { $0 >= 1 } == true, "\(result.standardOutput)")
        }
    }

    @Test func checkAndInspectNameTheSplitFile() throws {
        let root = try Self.tree(["cat": 6, "dog": 6])
        let split = (root as NSString).deletingLastPathComponent + "/split.json"
        let made = try CLI.run(["data", "split", root, "--output", split])
        #expect(made.status == 0, "\(made.standardError)")
        let matches = try CLI.run(["data", "split", root, "--check", split])
        #expect(matches.status == 0, "\(matches.standardError)")
        #expect(matches.standardOutput.contains("\(split): matches"))

        // A file gone from the dataset, another added.
        try FileManager.default.removeItem(atPath: root + "/cat/0.png")
        _ = FileManager.default.createFile(atPath: root + "/dog/new.png", contents: Data("x".utf8))
        let expected = "1 file listed is not in the dataset (first: cat/0.png) and 1 dataset file is not listed (first: dog/new.png)"
        Self.expectOneLineError(try CLI.run(["data", "split", root, "--check", split]), naming: split, saying: expected)
        Self.expectOneLineError(try CLI.run(["data", "inspect", root, "--split", split]), naming: split, saying: expected)

        let notes = (root as NSString).deletingLastPathComponent + "/notes.json"
        _ = FileManager.default.createFile(atPath: notes, contents: Data("train: everything\n".utf8))
        Self.expectOneLineError(try CLI.run(["data", "split", root, "--check", notes]), naming: notes, saying: "not JSON")
        let missing = (root as NSString).deletingLastPathComponent + "/missing.json"
        Self.expectOneLineError(try CLI.run(["data", "inspect", root, "--split", missing]), naming: missing, saying: "no such file")
    }

    /// `--using MODEL.vision`: the model's features propose candidates too, verified like the
    /// hash candidates; recompressed copies filed under the other class are class leaks.
    @Test func aModelsFeaturesProposeCandidatesAndLeaksAreFound() throws {
        let root = try Fixtures.temporaryDirectory() + "/parts"
        try SyntheticDefects.write(to: root, perClass: 20)
        let goods = try FileManager.default.contentsOfDirectory(atPath: root + "/good").sorted().prefix(4)
        for name in goods {
            let image = try ImageDecoder.decode(contentsOf: "\(root)/good/\(name)", options: DecodeOptions(layout: .gray)).image
            try Data(try JPEGEncoder.encode(image, quality: 50)).write(to: URL(fileURLWithPath: "\(root)/defect/copy-\(name).jpg"))
        }
        let run = try Fixtures.temporaryDirectory() + "/run"
        let train = try CLI.run(["train", root, "--model", "lenet", "--image-size", "32", "--epochs", "1", "--output", run, "--quiet"])
        #expect(train.status == 0, "\(train.standardError)")
        let inspect = try CLI.run(["data", "inspect", root, "--using", run + "/best.vision", "--json"])
        #expect(inspect.status == 0, "\(inspect.standardError)")
        #expect(inspect.standardError.contains("candidate pairs from the features of 44 images"), "\(inspect.standardError)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(inspect.standardOutput.utf8)) as? [String: Any])
        // Each copy sits in a group with its original, and that group is a class leak.
        let groups = try #require(document["near_duplicate_groups"] as? [[String: Any]]).compactMap { $0["paths"] as? [String] }
        let leaks = try #require(document["leakage"] as? [[String: Any]]).filter { $0["kind"] as? String == "class" }
        for name in goods {
            let pair: Set = ["\(root)/good/\(name)", "\(root)/defect/copy-\(name).jpg"]
            #expect(groups.contains { Set($0).isSuperset(of: pair) }, "\(name): \(groups)")
            #expect(leaks.contains { Set($0["paths"] as? [String] ?? []).isSuperset(of: pair) && ($0["score"] as? Double ?? 0) > 0.9 }, "\(name)")
        }
    }
}
