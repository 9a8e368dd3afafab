import Foundation
import Testing
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
}
