import Foundation
import Testing
import VisionData
import VisionImage
import VisionTestSupport

@Suite struct AuditTests {
    /// A pre-split tree with planted problems: an exact duplicate across classes, the same image in
    /// train and test, a near duplicate (brightness +3) and a corrupt file.
    static func plantedTree() throws -> String {
        let root = try Fixtures.temporaryDirectory()
        var seed: UInt64 = 100
        for split in ["train", "test"] {
            for name in ["cat", "dog"] {
                for i in 0..<(split == "train" ? 8 : 3) {
                    try TestTrees.write(try TestTrees.smooth(seed: seed), to: "\(root)/\(split)/\(name)/\(i).png")
                    seed += 1
                }
            }
        }
        // Exact duplicate across classes (cross-class leak).
        try FileManager.default.copyItem(atPath: "\(root)/train/cat/0.png", toPath: "\(root)/train/dog/dup-of-cat0.png")
        // Same image in train and test (cross-split leak).
        try FileManager.default.copyItem(atPath: "\(root)/train/dog/1.png", toPath: "\(root)/test/dog/leak.png")
        // A near duplicate in the same class and split.
        var near = try TestTrees.smooth(seed: 102)  // train/cat/2.png
        for i in near.pixels.indices { near.pixels[i] = UInt8(min(255, Int(near.pixels[i]) + 3)) }
        try TestTrees.write(near, to: "\(root)/train/cat/near2.png")
        // Corrupt: a PNG cut in half, and a text file named .jpg.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: "\(root)/train/cat/3.png"))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: "\(root)/train/cat/truncated.png"))
        try TestTrees.touch("\(root)/train/dog/text.jpg", "hello")
        return root
    }

    @Test func findsPlantedProblems() throws {
        let root = try Self.plantedTree()
        let dataset = try Dataset.load(root)
        #expect(dataset.source == .presplit)
        let report = try DataAudit.run(dataset, options: DataAudit.Options(threads: 2))
        #expect(report.classes == ["cat": 13, "dog": 14])
        #expect(report.files == 27)
        #expect(Set(report.corrupt.map(\.path)) == ["\(root)/train/cat/truncated.png", "\(root)/train/dog/text.jpg"])
        #expect(report.corrupt.allSatisfy { !$0.reason.isEmpty })
        #expect(report.readable == 25)
        #expect(report.formats == ["png": 25])
        #expect(report.duplicates.count == 2)
        #expect(report.duplicates.contains(["\(root)/train/cat/0.png", "\(root)/train/dog/dup-of-cat0.png"]))
        #expect(report.duplicates.contains(["\(root)/train/dog/1.png", "\(root)/test/dog/leak.png"]))
        #expect(report.nearDuplicateGroups.map(\.paths) == [["\(root)/train/cat/2.png", "\(root)/train/cat/near2.png"]])
        #expect(report.nearDuplicateGroups.first.map { $0.scores[0] == 1 && $0.scores[1] > 0.99 } == true)
        let classLeak = report.leakage.first { $0.kind == "class" && $0.match == "exact" }
        #expect(classLeak?.classes == ["cat", "dog"])
        let splitLeak = report.leakage.first { $0.kind == "split" && $0.paths.contains("\(root)/test/dog/leak.png") }
        #expect(splitLeak?.splits.contains("test") == true && splitLeak?.splits.contains("train") == true)
        #expect(report.imbalanceRatio == 14.0 / 13.0)
        let stats = try #require(report.trainStatistics)
        #expect(stats.mean.count == 3 && stats.std.count == 3)
        #expect(stats.mean.allSatisfy { $0 > 0 && $0 < 1 } && stats.std.allSatisfy { $0 > 0 && $0 < 0.5 })
        // One JSON document with the agreed keys.
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any]
        for key in ["classes", "duplicates", "corrupt", "leakage"] { #expect(json?[key] != nil, "missing \(key)") }
    }

    @Test func trainStatisticsOfDigits() throws {
        let dataset = try Dataset.load(Fixtures.path("datasets/digits"))
        #expect(dataset.classes == (0...9).map(String.init))
        #expect(dataset.items.count == 1797)
        let report = try DataAudit.run(dataset, options: DataAudit.Options(seed: 0))
        #expect(report.corrupt.isEmpty)
        #expect(report.channels == ["1": 1797])
        let stats = try #require(report.trainStatistics)
        #expect(stats.mean.count == 1)
        #expect(abs(stats.mean[0] - 0.306) < 0.01 && abs(stats.std[0] - 0.376) < 0.01)
        #expect(report.leakage.isEmpty)
    }

    @Test func perceptualHashToleratesSmallChanges() throws {
        let image = try TestTrees.smooth(seed: 5, side: 64)
        var brighter = image
        for i in brighter.pixels.indices { brighter.pixels[i] = UInt8(min(255, Int(brighter.pixels[i]) + 4)) }
        let other = try TestTrees.smooth(seed: 6, side: 64)
        let a = try PerceptualHash.dHash(image), b = try PerceptualHash.dHash(brighter), c = try PerceptualHash.dHash(other)
        #expect(PerceptualHash.distance(a, b) <= 2)
        #expect(PerceptualHash.distance(a, c) > 10)
    }

    /// The 6,000-image CIFAR-10 subset lives in ../shared only (too large for fixtures/).
    @Test(.enabled(if: Fixtures.shared("datasets/cifar10-small") != nil, "../shared/datasets/cifar10-small is absent"))
    func cifarSmallIfPresent() throws {
        let root = try #require(Fixtures.shared("datasets/cifar10-small"))
        let dataset = try Dataset.load(root)
        #expect(dataset.source == .presplit)
        #expect(dataset.classes.count == 10)
        #expect(dataset.items.count == 6000)
        let split = Splitter.makeSplit(for: dataset, seed: 0)
        #expect(split.entries.filter { $0.split == .test }.count == 1000)  // the given test folder
        #expect(split.entries.filter { $0.split == .val }.count > 400)  // carved from train
    }
}
