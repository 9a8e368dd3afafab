import Foundation

/// Which file belongs to which split: saved with a run (JSON) and embedded in the model file, so
/// evaluation uses exactly the images the model never saw.
public struct SplitDefinition: Sendable, Codable, Equatable {
    /// One file's class and split.
    public struct Entry: Sendable, Codable, Equatable {
        public var path: String
        public var label: String
        public var split: DataSplit

        public init(path: String, label: String, split: DataSplit) {
            self.path = path
            self.label = label
            self.split = split
        }
    }

    /// The version of the file format `read` accepts and `write` writes.
    public static let formatVersion = 1

    public var version = SplitDefinition.formatVersion
    public var method = Splitter.method
    public var seed: UInt64
    public var fractions: SplitFractions
    /// True when the splits came from the dataset itself (a pre-split tree or a split column).
    public var preset: Bool
    public var classes: [String]
    public var entries: [Entry]
    /// The file this definition was read from, named in its errors (neither saved nor compared).
    public var file: String?

    enum CodingKeys: String, CodingKey {
        case version, method, seed, fractions, preset, classes, entries
    }

    public init(seed: UInt64, fractions: SplitFractions, preset: Bool, classes: [String], entries: [Entry]) {
        self.seed = seed
        self.fractions = fractions
        self.preset = preset
        self.classes = classes
        self.entries = entries
    }

    /// The same split, wherever it was read from.
    public static func == (a: SplitDefinition, b: SplitDefinition) -> Bool {
        a.version == b.version && a.method == b.method && a.seed == b.seed && a.fractions == b.fractions
            && a.preset == b.preset && a.classes == b.classes && a.entries == b.entries
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

    /// Throws `splitMismatch` (naming `file` when set) at the first kind of difference: the
    /// classes, a file listed twice, files on one side only, or files listed under another class.
    public func check(against dataset: Dataset) throws(DatasetError) {
        guard classes == dataset.classes else {
            throw mismatch(
                "lists \(Self.count(classes.count, "class", "classes")) (\(Self.names(classes))); "
                    + "expected the dataset's \(dataset.classes.count) (\(Self.names(dataset.classes))) in the same order")
        }
        var labels: [String: String] = [:]
        for entry in entries where labels.updateValue(entry.label, forKey: entry.path) != nil {
            throw mismatch("lists \(entry.path) twice; expected each file once")
        }
        var found = Set<String>()
        var unlisted: [String] = []
        var relabelled: [(path: String, listed: String, actual: String)] = []
        for item in dataset.items {
            guard let label = labels[item.relativePath] else {
                unlisted.append(item.relativePath)
                continue
            }
            found.insert(item.relativePath)
            let name = dataset.classes[item.label]
            if label != name { relabelled.append((item.relativePath, label, name)) }
        }
        let absent = entries.filter { !found.contains($0.path) }
        if !absent.isEmpty || !unlisted.isEmpty {
            var parts: [String] = []
            if let first = absent.first {
                parts.append("\(Self.count(absent.count, "file")) listed \(absent.count == 1 ? "is" : "are") not in the dataset (first: \(first.path))")
            }
            if let first = unlisted.first {
                parts.append("\(Self.count(unlisted.count, "dataset file")) \(unlisted.count == 1 ? "is" : "are") not listed (first: \(first))")
            }
            throw mismatch(parts.joined(separator: " and ") + "; expected the split to list exactly the dataset's files")
        }
        if let first = relabelled.first {
            throw mismatch(
                "\(Self.count(relabelled.count, "file")) listed under another class (first: \(first.path) as '\(first.listed)', "
                    + "the dataset has '\(first.actual)'); expected each file under its class in the dataset")
        }
    }

    private func mismatch(_ detail: String) -> DatasetError { .splitMismatch(file: file, detail: detail) }

    /// "1 file", "3 files".
    private static func count(_ n: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(n) \(n == 1 ? singular : plural ?? singular + "s")"
    }

    /// Up to 10 names, then how many more.
    private static func names(_ list: [String]) -> String {
        let shown = list.prefix(10).joined(separator: ", ")
        return list.count > 10 ? shown + ", … (\(list.count - 10) more)" : shown
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
            throw .splitFileUnwritable(path: path, reason: Self.oneLine((error as NSError).localizedDescription))
        }
    }

    /// Reads a split file written by `write(to:)` (any version of the method), remembering its
    /// path for later errors. Every failure is one line naming `path`.
    public static func read(contentsOf path: String) throws(DatasetError) -> SplitDefinition {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw .splitFileUnreadable(path: path, reason: "no such file")
        }
        if isFolder.boolValue { throw .splitFileUnreadable(path: path, reason: "a folder, expected a JSON file") }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .splitFileUnreadable(path: path, reason: oneLine((error as NSError).localizedDescription))
        }
        if data.isEmpty {
            throw .splitFileInvalid(path: path, detail: "expected a split file (JSON written by `vision data split`), got an empty file")
        }
        // Version and method first, so that another kind of file says what it is rather than
        // which field it lacks.
        struct Header: Decodable {
            var version: Int?
            var method: String?
        }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: data)
        } catch {
            throw .splitFileInvalid(path: path, detail: describe(error))
        }
        guard header.version == formatVersion else {
            throw .splitFileInvalid(
                path: path, detail: "expected a split file of version \(formatVersion), got \(header.version.map { "version \($0)" } ?? "no version")")
        }
        guard let method = header.method, Splitter.readableMethods.contains(method) else {
            throw .splitFileInvalid(
                path: path,
                detail: "expected method \(Splitter.readableMethods.joined(separator: " or ")), got \(header.method.map { "'\(oneLine($0))'" } ?? "none")")
        }
        var definition: SplitDefinition
        do {
            definition = try JSONDecoder().decode(SplitDefinition.self, from: data)
        } catch {
            throw .splitFileInvalid(path: path, detail: describe(error))
        }
        definition.file = path
        return definition
    }

    /// A decoding failure as "expected …, got …" with the place in the document.
    static func describe(_ error: any Error) -> String {
        func place(_ path: [any CodingKey], _ key: (any CodingKey)? = nil) -> String {
            let text = (path + (key.map { [$0] } ?? [])).map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.isEmpty ? "the top level" : "'" + text.drop { $0 == "." } + "'"
        }
        func kind(_ type: Any.Type) -> String {
            switch type {
            case is String.Type: return "a string"
            case is Bool.Type: return "true or false"
            case is Int.Type, is UInt64.Type, is Double.Type: return "a number"
            case is [Entry].Type, is [String].Type: return "a list"
            default: return "an object"
            }
        }
        guard let error = error as? DecodingError else { return oneLine("\(error)") }
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return "expected a split file (JSON written by `vision data split`), got text that is not JSON"
        case .dataCorrupted(let context):
            return "at \(place(context.codingPath)): \(oneLine(context.debugDescription))"
        case .keyNotFound(let key, let context):
            return "expected key \(place(context.codingPath, key)), got none"
        case .typeMismatch(let type, let context) where context.codingPath.isEmpty:
            return "expected \(kind(type)) (a split file written by `vision data split`), got another JSON value"
        case .typeMismatch(let type, let context):
            return "expected \(kind(type)) at \(place(context.codingPath)), got another JSON value"
        case .valueNotFound(let type, let context):
            return "expected \(kind(type)) at \(place(context.codingPath)), got null"
        @unknown default:
            return oneLine("\(error)")
        }
    }

    /// Text from elsewhere (a system message, a value in the file) on one line.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }
}

extension SplitDefinition.Entry {
    /// Decodes like the synthesized form, but an unknown split says what it got.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let name = try container.decode(String.self, forKey: .split)
        guard let split = DataSplit(rawValue: name) else {
            throw DecodingError.dataCorruptedError(
                forKey: .split, in: container, debugDescription: "expected train, val or test, got '\(name)'")
        }
        self.init(path: try container.decode(String.self, forKey: .path), label: try container.decode(String.self, forKey: .label), split: split)
    }
}
