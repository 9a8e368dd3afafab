import Foundation
import Testing
import VisionData
import VisionTestSupport

@Suite struct SplitTests {
    /// An in-memory dataset (splits never open files).
    static func dataset(_ counts: [Int], prefix: String = "") throws -> Dataset {
        var items: [DatasetItem] = []
        for (label, count) in counts.enumerated() {
            for i in 0..<count {
                let relative = "c\(label)/\(prefix)\(i).png"
                items.append(DatasetItem(path: "/data/" + relative, relativePath: relative, label: label))
            }
        }
        return try Dataset(root: "/data", source: .imageFolder, classes: counts.indices.map { "c\($0)" }, items: items)
    }

    @Test func addingFilesNeverMovesExistingOnes() throws {
        let before = try Self.dataset([300, 40])
        let old = Splitter.makeSplit(for: before, seed: 7)
        var items = before.items
        items += try Self.dataset([200, 60], prefix: "new-").items
        let after = try Dataset(root: "/data", source: .imageFolder, classes: before.classes, items: items)
        let new = Splitter.makeSplit(for: after, seed: 7)
        let newByPath = Dictionary(uniqueKeysWithValues: new.entries.map { ($0.path, $0.split) })
        for entry in old.entries { #expect(newByPath[entry.path] == entry.split, "\(entry.path) moved") }
        // A different seed is a different split.
        let other = Splitter.makeSplit(for: before, seed: 8)
        #expect(other.entries.map(\.split) != old.entries.map(\.split))
    }

    @Test func stratificationIsCloseToTheFractions() throws {
        let data = try Self.dataset([2000, 500, 100])
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

    /// Splits per class by the thresholds alone, before the small-class repair.
    static func plain(_ data: Dataset, seed: UInt64, fractions: SplitFractions = .standard) -> [DataSplit] {
        data.items.map { Splitter.split(seed: seed, className: data.classes[$0.label], relativePath: $0.relativePath, fractions: fractions) }
    }

    @Test func smallClassesGetEveryWantedSplit() throws {
        let sizes = Array(3...12)
        let data = try Self.dataset(sizes)
        var repaired = 0
        for seed in UInt64(0)..<300 {
            let split = Splitter.makeSplit(for: data, seed: seed)
            for (c, n) in sizes.enumerated() {
                let counts = split.counts[c]
                #expect(counts[.train, default: 0] >= 1 && counts[.val, default: 0] >= 1 && counts[.test, default: 0] >= 1,
                        "seed \(seed), class of \(n): \(counts)")
            }
            repaired += zip(split.entries.map(\.split), Self.plain(data, seed: seed)).filter { $0 != $1 }.count
        }
        #expect(repaired > 300)  // the thresholds alone leave many of these classes short
        // Only val wanted: 2 files are enough, and nothing goes to test.
        let valOnly = try SplitFractions(train: 0.9, val: 0.1, test: 0)
        let pairs = try Self.dataset([2, 2, 3, 5])
        for seed in UInt64(0)..<300 {
            let split = Splitter.makeSplit(for: pairs, fractions: valOnly, seed: seed)
            for c in 0..<4 {
                #expect(split.counts[c][.train, default: 0] >= 1 && split.counts[c][.val, default: 0] >= 1 && split.counts[c][.test] == nil)
            }
        }
        // Too few files for every split: one file stays where its hash put it.
        let single = try Self.dataset([1, 1])
        #expect(Splitter.makeSplit(for: single, seed: 4).entries.map(\.split) == Self.plain(single, seed: 4))
    }

    @Test func theRepairMovesTheFileNearestTheBoundary() throws {
        let data = try Self.dataset(Array(3...12))
        var checked = 0
        for seed in UInt64(0)..<300 {
            let plain = Self.plain(data, seed: seed)
            let split = Splitter.makeSplit(for: data, seed: seed).entries.map(\.split)
            for c in data.classes.indices {
                let members = data.items.indices.filter { data.items[$0].label == c }
                func count(_ s: DataSplit) -> Int { members.filter { plain[$0] == s }.count }
                let moved = members.filter { plain[$0] != split[$0] }
                let u = { (i: Int) in Splitter.unitKey(seed: seed, className: data.classes[c], relativePath: data.items[i].relativePath) }
                if count(.train) > 0 && count(.val) > 0 && count(.test) > 0 {
                    #expect(moved.isEmpty, "seed \(seed) class \(c): a class with every split filled was changed")
                } else if count(.val) == 0 && count(.test) > 0 && count(.train) >= 2 {
                    // Val alone came out empty: the train file with the highest u moves to val.
                    let top = members.filter { plain[$0] == .train }.max { u($0) < u($1) }
                    #expect(moved == [top] && split[moved[0]] == .val, "seed \(seed) class \(c)")
                    checked += 1
                } else if count(.test) == 0 && count(.val) >= 2 && count(.train) > 0 {
                    // Test alone came out empty: the highest-u non-test file (a val file) moves.
                    let top = members.filter { plain[$0] != .test }.max { u($0) < u($1) }
                    #expect(moved == [top] && split[moved[0]] == .test, "seed \(seed) class \(c)")
                    checked += 1
                } else if count(.test) == 0 && count(.val) == 1 && count(.train) >= 2 {
                    // ... unless it is val's only file: then the highest-u train file goes to test.
                    let top = members.filter { plain[$0] == .train }.max { u($0) < u($1) }
                    #expect(moved == [top] && split[moved[0]] == .test, "seed \(seed) class \(c)")
                    checked += 1
                }
            }
        }
        #expect(checked > 100)
    }

    @Test func largeClassesKeepThePlainThresholds() throws {
        let data = try Self.dataset([100, 300, 1000])
        for seed in UInt64(0)..<20 {
            #expect(Splitter.makeSplit(for: data, seed: seed).entries.map(\.split) == Self.plain(data, seed: seed))
        }
    }

    @Test func addingFilesToFilledClassesNeverMovesExistingOnes() throws {
        let sizes = Array(3...12)
        let before = try Self.dataset(sizes)
        let added = try Self.dataset(sizes.map { $0 / 2 + 1 }, prefix: "new-").items
        let after = try Dataset(
            root: "/data", source: .imageFolder, classes: before.classes,
            items: (before.items + added).sorted { $0.label < $1.label })
        var compared = 0
        for seed in UInt64(0)..<100 {
            let plain = Self.plain(before, seed: seed)
            let old = Splitter.makeSplit(for: before, seed: seed)
            let new = Dictionary(uniqueKeysWithValues: Splitter.makeSplit(for: after, seed: seed).entries.map { ($0.path, $0.split) })
            for c in sizes.indices {
                let members = before.items.indices.filter { before.items[$0].label == c }
                guard Set(members.map { plain[$0] }).count == 3 else { continue }  // a repaired class
                for i in members { #expect(new[old.entries[i].path] == old.entries[i].split, "seed \(seed): \(old.entries[i].path) moved") }
                compared += 1
            }
        }
        #expect(compared > 100)
    }

    @Test func carvingFromAPresetTrainFillsValInSmallClasses() throws {
        // train/ and test/ given, val carved from train: 2 train files are enough for a val file.
        var items: [DatasetItem] = []
        for (label, count) in [2, 3, 4, 6].enumerated() {
            for i in 0..<count {
                items.append(DatasetItem(path: "/p/train/c\(label)/\(i).png", relativePath: "train/c\(label)/\(i).png", label: label, presetSplit: .train))
            }
            items.append(DatasetItem(path: "/p/test/c\(label)/0.png", relativePath: "test/c\(label)/0.png", label: label, presetSplit: .test))
        }
        let data = try Dataset(root: "/p", source: .presplit, classes: ["c0", "c1", "c2", "c3"], items: items)
        for seed in UInt64(0)..<200 {
            let split = Splitter.makeSplit(for: data, seed: seed)
            for c in 0..<4 {
                #expect(split.counts[c][.train, default: 0] >= 1 && split.counts[c][.val, default: 0] >= 1, "seed \(seed) class \(c)")
            }
            for (item, entry) in zip(items, split.entries) where item.presetSplit == .test { #expect(entry.split == .test) }
        }
    }

    @Test func splitIsAFunctionOfSeedClassAndPath() throws {
        let f = SplitFractions.standard
        let a = Splitter.split(seed: 1, className: "cat", relativePath: "cat/1.png", fractions: f)
        for _ in 0..<3 { #expect(Splitter.split(seed: 1, className: "cat", relativePath: "cat/1.png", fractions: f) == a) }
        #expect(Splitter.key(seed: 1, className: "cat", relativePath: "x") != Splitter.key(seed: 1, className: "ca", relativePath: "tx"))
    }

    @Test func kFoldIsStratifiedAndBalanced() throws {
        let data = try Self.dataset([53, 17, 5])
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
        let data = try Self.dataset([30, 30])
        let split = Splitter.makeSplit(for: data, seed: 5)
        let path = try Fixtures.temporaryDirectory() + "/split.json"
        try split.write(to: path)
        let read = try SplitDefinition.read(contentsOf: path)
        #expect(read == split)
        #expect(try read.items(.test, of: data).count == split.entries.filter { $0.split == .test }.count)

        let grown = try Dataset(root: "/data", source: .imageFolder, classes: data.classes, items: data.items + [
            DatasetItem(path: "/data/c0/extra.png", relativePath: "c0/extra.png", label: 0)
        ])
        let expectation = "expected the split to list exactly the dataset's files"
        #expect(throws: DatasetError.splitMismatch(file: path, detail: "1 dataset file is not listed (first: c0/extra.png); \(expectation)")) {
            try read.check(against: grown)
        }
        let fewer = try Dataset(root: "/data", source: .imageFolder, classes: data.classes, items: Array(data.items.dropFirst()))
        #expect(throws: DatasetError.splitMismatch(file: path, detail: "1 file listed is not in the dataset (first: c0/0.png); \(expectation)")) {
            try read.check(against: fewer)
        }
        // Made in memory, the split has no file to name.
        #expect(throws: DatasetError.splitMismatch(file: nil, detail: "1 file listed is not in the dataset (first: c0/0.png); \(expectation)")) {
            try split.check(against: fewer)
        }
    }

    /// The message of the error `body` throws (nil when it throws none).
    static func message(_ body: () throws(DatasetError) -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return error.description
        }
    }

    @Test func splitFileErrorsAreOneLineAndNameTheFile() throws {
        let data = try Self.dataset([4, 4])
        let folder = try Fixtures.temporaryDirectory()
        let good = folder + "/split.json"
        try Splitter.makeSplit(for: data, seed: 1).write(to: good)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: good))) as? [String: Any])
        /// The good document changed by `edit`, written to NAME.json.
        func variant(_ name: String, _ edit: (inout [String: Any]) -> Void) throws -> String {
            var copy = document
            edit(&copy)
            let path = folder + "/\(name).json"
            try JSONSerialization.data(withJSONObject: copy).write(to: URL(fileURLWithPath: path))
            return path
        }
        func entries(_ change: @escaping ([[String: Any]]) -> [[String: Any]]) -> (inout [String: Any]) -> Void {
            { $0["entries"] = change($0["entries"] as? [[String: Any]] ?? []) }
        }
        let notJSON = folder + "/notes.json"
        try Data("train: all of them\n".utf8).write(to: URL(fileURLWithPath: notJSON))
        let empty = folder + "/empty.json"
        try Data().write(to: URL(fileURLWithPath: empty))
        let list = folder + "/list.json"
        try Data("[1, 2]".utf8).write(to: URL(fileURLWithPath: list))

        let readCases: [(path: String, expected: String)] = [
            (folder + "/missing.json", "cannot read the split file (no such file)"),
            (folder, "cannot read the split file (a folder, expected a JSON file)"),
            (empty, "got an empty file"),
            (notJSON, "got text that is not JSON"),
            (list, "expected an object"),
            (try variant("version", { $0["version"] = 2 }), "expected a split file of version 1, got version 2"),
            (try variant("method", { $0["method"] = "random" }),
             "expected method keyed-hash-threshold or keyed-hash-threshold-v2, got 'random'"),
            (try variant("no-method", { $0["method"] = nil }), "expected method keyed-hash-threshold or keyed-hash-threshold-v2, got none"),
            (try variant("no-entries", { $0["entries"] = nil }), "expected key 'entries', got none"),
            (try variant("bad-split", entries { list in [list[0].merging(["split": "holdout"]) { $1 }] + list.dropFirst() }),
             "at 'entries[0].split': expected train, val or test, got 'holdout'"),
            (try variant("seed-text", { $0["seed"] = "one" }), "expected a number at 'seed', got another JSON value"),
        ]
        for (path, expected) in readCases {
            let text = Self.message { () throws(DatasetError) in _ = try SplitDefinition.read(contentsOf: path) }
            #expect(text?.hasPrefix(path + ": ") == true, "\(text ?? "no error")")
            #expect(text?.contains(expected) == true, "\(path): \(text ?? "no error")")
            #expect(text?.contains("\n") == false, "\(text ?? "")")
        }

        let mismatchCases: [(path: String, expected: String)] = [
            (try variant("classes", { $0["classes"] = ["c0", "cat"] }),
             "lists 2 classes (c0, cat); expected the dataset's 2 (c0, c1) in the same order"),
            (try variant("extra", entries { $0 + [["path": "c0/gone.png", "label": "c0", "split": "train"]] }),
             "1 file listed is not in the dataset (first: c0/gone.png); expected the split to list exactly the dataset's files"),
            (try variant("fewer", entries { Array($0.dropFirst(2)) }),
             "2 dataset files are not listed (first: c0/0.png); expected the split to list exactly the dataset's files"),
            (try variant("both", entries { [["path": "c9/x.png", "label": "c0", "split": "val"]] + $0.dropFirst() }),
             "1 file listed is not in the dataset (first: c9/x.png) and 1 dataset file is not listed (first: c0/0.png); expected"),
            (try variant("relabelled", entries { [$0[0].merging(["label": "c1"]) { $1 }] + $0.dropFirst() }),
             "1 file listed under another class (first: c0/0.png as 'c1', the dataset has 'c0'); expected each file under its class in the dataset"),
            (try variant("twice", entries { [$0[0]] + $0 }), "lists c0/0.png twice; expected each file once"),
        ]
        for (path, expected) in mismatchCases {
            let split = try SplitDefinition.read(contentsOf: path)
            #expect(split.file == path)
            let text = Self.message { () throws(DatasetError) in try split.check(against: data) }
            #expect(text?.hasPrefix(path + ": ") == true, "\(text ?? "no error")")
            #expect(text?.contains(expected) == true, "\(path): \(text ?? "no error")")
            #expect(text?.contains("\n") == false, "\(text ?? "")")
            // The audit, which takes a saved split, fails alike.
            let audit = Self.message { () throws(DatasetError) in _ = try DataAudit.run(data, options: DataAudit.Options(split: split)) }
            #expect(audit == text)
        }
        // A split file from before the small-class repair still reads and checks.
        let old = try variant("v1", { $0["method"] = "keyed-hash-threshold" })
        let read = try SplitDefinition.read(contentsOf: old)
        try read.check(against: data)
        #expect(read.method == "keyed-hash-threshold")
    }

    @Test func fractionsAreChecked() throws {
        #expect(throws: DatasetError.self) { try SplitFractions(train: 0.8, val: 0.3, test: 0.1) }
        #expect(throws: DatasetError.self) { try SplitFractions(train: 0, val: 0.5, test: 0.5) }
        #expect(throws: DatasetError.self) { try SplitFractions(val: -0.1, test: 0.1) }
    }

    @Test func aLabelOutsideTheClassesIsRefused() throws {
        let items = [DatasetItem(path: "/data/c0/a.png", relativePath: "c0/a.png", label: 0),
                     DatasetItem(path: "/data/c1/b.png", relativePath: "c1/b.png", label: 2)]
        #expect {
            try Dataset(root: "/data", source: .imageFolder, classes: ["c0", "c1"], items: items)
        } throws: { error in
            "\(error)" == "/data/c1/b.png: expected a label from 0 to 1 (one per class), got 2"
        }
    }
}
