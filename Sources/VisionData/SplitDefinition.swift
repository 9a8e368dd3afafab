import Foundation

/// Which file belongs to which split: saved with a run (JSON) and embedded in the model file, so
/// evaluation uses exactly the images the model never saw.
public struct SplitDefinition: Sendable, Codable, Equatable {
    /// One file's class and split.
    public struct Entry: Sendable, Codable, Equatable {
        public var path: String
        public var label: String
        public var split: DataSplit
    }

    public var version = 1
    public var method = Splitter.method
    public var seed: UInt64
    public var fractions: SplitFractions
    /// True when the splits came from the dataset itself (a pre-split tree or a split column).
    public var preset: Bool
    public var classes: [String]
    public var entries: [Entry]

    public init(seed: UInt64, fractions: SplitFractions, preset: Bool, classes: [String], entries: [Entry]) {
        self.seed = seed
        self.fractions = fractions
        self.preset = preset
        self.classes = classes
        self.entries = entries
    }

    /// The split of each item of `dataset`, after checking that the definition matches it.
    public func assignments(for dataset: Dataset) throws(DatasetError) -> [DataSplit] {
        try check(against: dataset)
        let byPath = Dictionary(entries.map { ($0.path, $0.split) }, uniquingKeysWith: { first, _ in first })
        return dataset.items.map { byPath[$0.relativePath] ?? .train }  // check() guarantees presence
    }

    /// The items of `dataset` in `split`.
    public func items(_ split: DataSplit, of dataset: Dataset) throws(DatasetError) -> [DatasetItem] {
        let splits = try assignments(for: dataset)
        return zip(dataset.items, splits).filter { $0.1 == split }.map(\.0)
    }

    /// Throws `splitMismatch` naming the first difference: classes, a file on one side only, or a
    /// file whose label changed.
    public func check(against dataset: Dataset) throws(DatasetError) {
        guard classes == dataset.classes else {
            throw .splitMismatch(
                detail: "expected classes \(classes.joined(separator: ", ")), got \(dataset.classes.joined(separator: ", "))")
        }
        var labels: [String: String] = [:]
        for entry in entries {
            if labels.updateValue(entry.label, forKey: entry.path) != nil {
                throw .splitMismatch(detail: "'\(entry.path)' appears twice in the split file")
            }
        }
        var seen = Set<String>()
        var unknown: [String] = []
        for item in dataset.items {
            let name = dataset.classes[item.label]
            guard let label = labels[item.relativePath] else {
                unknown.append(item.relativePath)
                continue
            }
            guard label == name else {
                throw .splitMismatch(detail: "'\(item.relativePath)' is labelled '\(label)' in the split file, got '\(name)' in the dataset")
            }
            seen.insert(item.relativePath)
        }
        if let first = unknown.first {
            throw .splitMismatch(detail: "expected every dataset file in the split file, got \(unknown.count) new, e.g. '\(first)'")
        }
        if seen.count != labels.count, let missing = entries.first(where: { !seen.contains($0.path) }) {
            throw .splitMismatch(
                detail: "expected every split-file entry in the dataset, got \(labels.count - seen.count) missing, e.g. '\(missing.path)'")
        }
    }

    /// Files per (class, split): `counts[classIndex][split]`.
    public var counts: [[DataSplit: Int]] {
        let index = Dictionary(classes.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var out = [[DataSplit: Int]](repeating: [:], count: classes.count)
        for entry in entries {
            guard let c = index[entry.label] else { continue }
            out[c][entry.split, default: 0] += 1
        }
        return out
    }

    /// A readable table of files per class and split.
    public var summary: String {
        var lines = ["class  train  val  test"]
        for (name, row) in zip(classes, counts) {
            lines.append("\(name)  \(row[.train] ?? 0)  \(row[.val] ?? 0)  \(row[.test] ?? 0)")
        }
        return lines.joined(separator: "\n")
    }

    /// Pretty, key-sorted JSON.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Writes the JSON atomically (temporary file, then rename).
    public func write(to path: String) throws(DatasetError) {
        do {
            try jsonData().write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .splitFileUnreadable(path: path, reason: "cannot write: \((error as NSError).localizedDescription)")
        }
    }

    /// Reads a split file written by `write(to:)`.
    public static func read(contentsOf path: String) throws(DatasetError) -> SplitDefinition {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .splitFileUnreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        do {
            return try JSONDecoder().decode(SplitDefinition.self, from: data)
        } catch {
            throw .splitFileUnreadable(path: path, reason: "expected a split JSON document, got \(error)")
        }
    }
}
