import Foundation

/// A CSV manifest: a header row naming `path` and `label` (and optionally `split`) columns in any
/// order, then one row per image. Paths are relative to the CSV's folder (absolute paths are kept).
public enum CSVManifest {
    /// Reads and checks the manifest at `path`; every problem names the file and line.
    public static func load(_ path: String, options: DiscoveryOptions = DiscoveryOptions()) throws(DatasetError) -> Dataset {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .manifestUnreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        let rows = try parse(text, source: path)
        guard let header = rows.first else {
            throw .manifestMissingColumns(path: path, line: 1, missing: ["path", "label"], found: [])
        }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let pathColumn = names.firstIndex(of: "path"), let labelColumn = names.firstIndex(of: "label") else {
            let missing = ["path", "label"].filter { !names.contains($0) }
            throw .manifestMissingColumns(path: path, line: header.line, missing: missing, found: header.fields)
        }
        let splitColumn = names.firstIndex(of: "split")
        let folder = (path as NSString).deletingLastPathComponent
        let base = folder.isEmpty ? "." : folder

        var seen: [String: Int] = [:]
        var parsed: [(relative: String, label: String, split: DataSplit?, line: Int)] = []
        for row in rows.dropFirst() {
            guard row.fields.count == names.count else {
                throw .manifestMalformedRow(
                    path: path, line: row.line, detail: "expected \(names.count) fields, got \(row.fields.count)")
            }
            let relative = row.fields[pathColumn].trimmingCharacters(in: .whitespaces)
            let label = row.fields[labelColumn].trimmingCharacters(in: .whitespaces)
            guard !relative.isEmpty else { throw .manifestMalformedRow(path: path, line: row.line, detail: "expected a path, got an empty field") }
            guard !label.isEmpty else { throw .manifestMalformedRow(path: path, line: row.line, detail: "expected a label, got an empty field") }
            var split: DataSplit?
            if let splitColumn {
                let value = row.fields[splitColumn].trimmingCharacters(in: .whitespaces)
                if !value.isEmpty {
                    guard let known = DataSplit(name: value) else {
                        throw .manifestInvalidSplit(path: path, line: row.line, value: value)
                    }
                    split = known
                }
            }
            let key = normalized(relative)
            if let first = seen[key] {
                throw .manifestDuplicateRow(path: path, line: row.line, firstLine: first, file: relative)
            }
            seen[key] = row.line
            parsed.append((relative, label, split, row.line))
        }

        let classes = options.classes ?? NaturalOrder.sorted(Array(Set(parsed.map(\.label))))
        let index = Dictionary(classes.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var items: [DatasetItem] = []
        items.reserveCapacity(parsed.count)
        let shared = base + "/"
        for row in parsed {
            guard let label = index[row.label] else {
                throw .manifestUnknownLabel(path: path, line: row.line, label: row.label, known: classes)
            }
            let full = row.relative.hasPrefix("/") ? row.relative : base + "/" + row.relative
            let kind = FolderWalker.kind(of: full)
            if kind == .folder || (kind == .other && FileManager.default.fileExists(atPath: full)) {
                throw .manifestMalformedRow(path: path, line: row.line, detail: "\(row.relative): not a regular file (a folder, FIFO, device or socket)")
            }
            guard kind == .file else {
                throw .manifestMissingFile(path: path, line: row.line, file: row.relative)
            }
            items.append(
                row.relative.hasPrefix("/")
                    ? DatasetItem(path: full, relativePath: row.relative, label: label, presetSplit: row.split)
                    : DatasetItem(base: shared, relativePath: row.relative, label: label, presetSplit: row.split))
        }
        if classes.isEmpty { throw .noClassFolders(root: path) }
        let counts = items.reduce(into: [Int](repeating: 0, count: classes.count)) { $0[$1.label] += 1 }
        let empty = classes.indices.filter { counts[$0] == 0 }.map { classes[$0] }
        if !empty.isEmpty && !options.allowEmpty { throw .emptyClasses(names: empty, extensions: options.extensions) }
        if classes.count < 2 { throw .singleClass(root: path, name: classes[0]) }
        // Presets must be all-or-nothing, or the split would be half fixed and half invented.
        let withSplit = items.filter { $0.presetSplit != nil }.count
        if withSplit != 0 && withSplit != items.count, let row = parsed.first(where: { $0.split == nil }) {
            throw .manifestInvalidSplit(path: path, line: row.line, value: "")
        }
        return try Dataset(root: path, source: .manifest, classes: classes, items: items)
    }

    /// `a/./b//c/../d` as `a/b/d`, so that two spellings of one file count as a duplicate.
    static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." { parts.removeLast(); continue }
            parts.append(part)
        }
        return (path.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/")
    }

    public struct Row: Sendable {
        public var fields: [String]
        public var line: Int
    }

    /// RFC 4180 fields: commas, double quotes with "" escapes, LF or CRLF line ends, a UTF-8 BOM
    /// ignored; blank lines skipped. `line` is the 1-based line where the row starts.
    /// No path or label is longer than this: a longer field is a broken file, refused with a
    /// short message instead of being echoed or scanned again and again.
    static let maximumFieldLength = 4096

    /// The rows of a CSV text (quotes, doubled quotes, CRLF, a BOM), each with its line.
    public static func parse(_ text: String, source: String) throws(DatasetError) -> [Row] {
        var rows: [Row] = []
        var fieldHasText = false  // a non-space character in the current unquoted field
        var fieldLength = 0
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var line = 1, rowLine = 1
        var fieldWasQuoted = false
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        var i = 0
        func endRow() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].trimmingCharacters(in: .whitespaces).isEmpty && !fieldWasQuoted) {
                rows.append(Row(fields: fields, line: rowLine))
            }
            fields = []
            field = ""
            fieldWasQuoted = false
            fieldHasText = false
        }
        while i < scalars.count {
            let c = scalars[i]
            // Counted as characters arrive (a String's count would be another pass over it).
            fieldLength = c == "," || c == "\n" ? 0 : fieldLength + 1
            if fieldLength > Self.maximumFieldLength {
                throw .manifestMalformedRow(path: source, line: rowLine, detail: "a field longer than \(Self.maximumFieldLength) characters")
            }
            if inQuotes {
                if c == "\"" {
                    if i + 1 < scalars.count && scalars[i + 1] == "\"" {
                        field.unicodeScalars.append("\"")
                        i += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
            } else {
                switch c {
                case "\"":
                    guard !fieldHasText else {
                        throw .manifestMalformedRow(path: source, line: line, detail: "expected a quote only at the start of a field")
                    }
                    field = ""
                    inQuotes = true
                    fieldWasQuoted = true
                case ",":
                    fields.append(field)
                    field = ""
                    fieldHasText = false
                case "\r":
                    break
                case "\n":
                    endRow()
                    line += 1
                    rowLine = line
                default:
                    field.unicodeScalars.append(c)
                    if c != " " && c != "\t" { fieldHasText = true }
                }
            }
            i += 1
        }
        if inQuotes { throw .manifestMalformedRow(path: source, line: rowLine, detail: "expected a closing quote, got the end of the file") }
        if !field.isEmpty || !fields.isEmpty || fieldWasQuoted { endRow() }
        return rows
    }
}
