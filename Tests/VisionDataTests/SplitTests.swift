import Foundation
import Testing
import VisionData
import VisionTestSupport

@Suite struct SplitTests {
    /// An in-memory dataset (splits never open files).
    static func dataset(_ counts: [Int], prefix: String = "") -> Dataset {
        var items: [DatasetItem] = []
        for (label, count) in counts.enumerated() {
            for i in 0..<count {
                let relative = "c\(label)/\(prefix)\(i).png"
                items.append(DatasetItem(path: "/data/" + relative, relativePath: relative, label: label))
            }
        }
        return Dataset(root: "/data", source: .imageFolder, classes: counts.indices.map { "c\($0)" }, items: items)
    }

    @Test func addingFilesNeverMovesExistingOnes() throws {
        let before = Self.dataset([300, 40])
        let old = Splitter.makeSplit(for: before, seed: 7)
        var items = before.items
        items += Self.dataset([200, 60], prefix: "new-").items
        let after = Dataset(root: "/data", source: .imageFolder, classes: before.classes, items: items)
        let new = Splitter.makeSplit(for: after, seed: 7)
        let newByPath = Dictionary(uniqueKeysWithValues: new.entries.map { ($0.path, $0.split) })
        for entry in old.entries { #expect(newByPath[entry.path] == entry.split, "\(entry.path) moved") }
        // A different seed is a different split.
        let other = Splitter.makeSplit(for: before, seed: 8)
        #expect(other.entries.map(\.split) != old.entries.map(\.split))
    }

    @Test func stratificationIsCloseToTheFractions() throws {
        let data = Self.dataset([2000, 500, 100])
        let split = Splitter.makeSplit(for: data, fractions: try SplitFractions(train: 0.7, val: 0.1, test: 0.2), seed: 1)
        for (c, n) in [2000, 500, 100].enumerated() {
            let counts = split.counts[c]
            for (s, f) in [(DataSplit.train, 0.7), (.val, 0.1), (.test, 0.2)] {
                let expected = Double(n) * f
                let sd = (Double(n) * f * (1 - f)).squareRoot()
                #expect(abs(Double(counts[s] ?? 0) - expected) <= 4 * sd, "class \(c) \(s): \(counts[s] ?? 0) vs \(expected)")
            }
        }
    }

    @Test func splitIsAFunctionOfSeedClassAndPath() {
        let f = SplitFractions.standard
        let a = Splitter.split(seed: 1, className: "cat", relativePath: "cat/1.png", fractions: f)
        for _ in 0..<3 { #expect(Splitter.split(seed: 1, className: "cat", relativePath: "cat/1.png", fractions: f) == a) }
        #expect(Splitter.key(seed: 1, className: "cat", relativePath: "x") != Splitter.key(seed: 1, className: "ca", relativePath: "tx"))
    }

    @Test func kFoldIsStratifiedAndBalanced() throws {
        let data = Self.dataset([53, 17, 5])
        let folds = try Splitter.kFold(data, folds: 5, seed: 2)
        #expect(folds.count == data.items.count)
        for label in 0..<3 {
            let members = zip(data.items, folds).filter { $0.0.label == label }.map(\.1)
            let perFold = (0..<5).map { f in members.filter { $0 == f }.count }
            #expect(perFold.max()! - perFold.min()! <= 1, "class \(label): \(perFold)")
        }
        #expect(try Splitter.kFold(data, folds: 5, seed: 2) == folds)
        #expect(throws: DatasetError.invalidFolds(1)) { try Splitter.kFold(data, folds: 1) }
    }

    @Test func savedSplitRoundTripsAndIsChecked() throws {
        let data = Self.dataset([30, 30])
        let split = Splitter.makeSplit(for: data, seed: 5)
        let path = try Fixtures.temporaryDirectory() + "/split.json"
        try split.write(to: path)
        let read = try SplitDefinition.read(contentsOf: path)
        #expect(read == split)
        #expect(try read.items(.test, of: data).count == split.entries.filter { $0.split == .test }.count)

        let grown = Dataset(root: "/data", source: .imageFolder, classes: data.classes, items: data.items + [
            DatasetItem(path: "/data/c0/extra.png", relativePath: "c0/extra.png", label: 0)
        ])
        #expect(throws: DatasetError.splitMismatch(detail: "expected every dataset file in the split file, got 1 new, e.g. 'c0/extra.png'")) {
            try read.check(against: grown)
        }
        let fewer = Dataset(root: "/data", source: .imageFolder, classes: data.classes, items: Array(data.items.dropFirst()))
        #expect(throws: DatasetError.self) { try read.check(against: fewer) }
        let renamed = Dataset(root: "/data", source: .imageFolder, classes: ["x", "y"], items: data.items)
        #expect(throws: DatasetError.splitMismatch(detail: "expected classes c0, c1, got x, y")) { try read.check(against: renamed) }
    }

    @Test func fractionsAreChecked() {
        #expect(throws: DatasetError.self) { try SplitFractions(train: 0.8, val: 0.3, test: 0.1) }
        #expect(throws: DatasetError.self) { try SplitFractions(train: 0, val: 0.5, test: 0.5) }
        #expect(throws: DatasetError.self) { try SplitFractions(val: -0.1, test: 0.1) }
    }
}
