import Foundation
import Testing
import VisionTestSupport

/// `vision data issues` on the bundled digits with 5% of the labels flipped on purpose.
@Suite(.serialized) struct DataIssuesCommandTests {
    /// The digits, every 20th file moved to the next digit's folder (`flip-` in its name).
    static func flippedDigits() throws -> (root: String, flipped: Set<String>) {
        let root = try Fixtures.temporaryDirectory() + "/digits"
        var flipped: Set<String> = []
        var counter = 0
        for digit in 0..<10 {
            try FileManager.default.createDirectory(atPath: "\(root)/\(digit)", withIntermediateDirectories: true)
        }
        for digit in 0..<10 {
            let source = Fixtures.path("datasets/digits/\(digit)")
            for name in try FileManager.default.contentsOfDirectory(atPath: source).sorted() {
                counter += 1
                if counter % 20 == 0 {
                    let target = "\(root)/\((digit + 1) % 10)/flip-\(digit)-\(name)"
                    try FileManager.default.copyItem(atPath: "\(source)/\(name)", toPath: target)
                    flipped.insert(target)
                } else {
                    try FileManager.default.copyItem(atPath: "\(source)/\(name)", toPath: "\(root)/\(digit)/\(name)")
                }
            }
        }
        return (root, flipped)
    }

    static func document(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// The issue's target: with 4 folds, at least 80% of the flips among the top-ranked 10%.
    @Test func outOfFoldModelsRankTheFlippedLabelsFirst() throws {
        let (root, flipped) = try Self.flippedDigits()
        let output = try Fixtures.temporaryDirectory() + "/issues"
        let result = try CLI.run(["data", "issues", root, "--folds", "4", "--model", "lenet", "--epochs", "5", "--output", output, "--json"])
        #expect(result.status == 0, "\(result.standardError)")
        let document = try Self.document(result.standardOutput)
        let ranking = try #require(document["ranking"] as? [[String: Any]])
        #expect(ranking.count == 1797)
        let top = ranking.prefix(ranking.count / 10).compactMap { $0["path"] as? String }
        let caught = Set(top).intersection(flipped).count
        #expect(Double(caught) >= 0.8 * Double(flipped.count), "\(caught) of \(flipped.count) flips in the top \(top.count)")
        let issues = try #require(document["issues"] as? [[String: Any]])
        #expect(issues.first.map { Set($0.keys).isSuperset(of: ["path", "given", "suggested", "score"]) } == true)
        // A flipped "3" filed under 4 is suggested back as 3.
        let suggestedBack = issues.filter { issue in
            guard let path = issue["path"] as? String, flipped.contains(path), let suggested = issue["suggested"] as? String else { return false }
            return (path as NSString).lastPathComponent.hasPrefix("flip-\(suggested)-")
        }.count
        #expect(Double(suggestedBack) >= 0.7 * Double(flipped.count), "\(suggestedBack) flips suggested back to their digit")
        for name in ["issues.json", "issues.html", "folds/fold-4/last.vision"] {
            #expect(FileManager.default.fileExists(atPath: "\(output)/\(name)"), "\(name)")
        }
        let page = try String(contentsOfFile: output + "/issues.html", encoding: .utf8)
        #expect(page.contains("data:image/png;base64,") && page.contains("flip-"))
        print("label issues: \(caught) of \(flipped.count) flips in the top 10% (\(top.count) images); \(issues.count) flagged")
    }

    /// With a saved model, only the images outside its training split are ranked, and it says so.
    @Test func aSavedModelRanksOnlyImagesItNeverTrainedOn() throws {
        let (root, flipped) = try Self.flippedDigits()
        let run = try Fixtures.temporaryDirectory() + "/run"
        let train = try CLI.run(["train", root, "--model", "lenet", "--epochs", "4", "--output", run, "--quiet"])
        #expect(train.status == 0, "\(train.standardError)")
        let output = try Fixtures.temporaryDirectory() + "/issues"
        let result = try CLI.run(["data", "issues", root, "--using", run + "/best.vision", "--output", output])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("images outside \(run)/best.vision's training split"), "\(result.standardOutput)")
        let json = try CLI.run(["data", "issues", root, "--using", run + "/best.vision", "--output", output, "--json"])
        let document = try Self.document(json.standardOutput)
        let ranking = try #require(document["ranking"] as? [[String: Any]]).compactMap { $0["path"] as? String }
        let split = try Self.document(try String(contentsOfFile: run + "/split.json", encoding: .utf8))
        let entries = try #require(split["entries"] as? [[String: Any]])
        let trained = Set(entries.filter { $0["split"] as? String == "train" }.compactMap { $0["path"] as? String })
        #expect(ranking.count == entries.count - trained.count, "\(ranking.count) images ranked")
        let relative = ranking.map { path in String(path.dropFirst(root.count + 1)) }
        #expect(relative.allSatisfy { !trained.contains($0) })
        let outside = flipped.filter { ranking.contains($0) }
        let top = Set(ranking.prefix(ranking.count / 10))
        #expect(outside.count > 5 && Double(outside.filter { top.contains($0) }.count) >= 0.6 * Double(outside.count),
                "\(outside.filter { top.contains($0) }.count) of \(outside.count) flips outside the training split in the top 10%")
    }
}
