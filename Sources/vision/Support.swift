import Foundation
import VisionWorkflow

/// One compact JSON object per line, keys sorted, for machine readers.
enum JSONLine {
    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Plain aligned columns; the last column is left unpadded.
enum TextTable {
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let columns = all.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in all {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }
}

/// Output folders for commands that write files.
enum OutputFolder {
    /// Creates `path` if needed; fails with a one-line message when it cannot be used.
    static func prepare(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw CLIError("\(path): exists and is not a folder") }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw CLIError("\(path): cannot create the folder (\(error.localizedDescription))")
            }
        }
        guard FileManager.default.isWritableFile(atPath: path) else {
            throw CLIError("\(path): the folder is not writable")
        }
    }

    /// Refuses a folder that holds a vision result (`marker`) or anything else: a run writes
    /// config.yaml, report.html and more, and must not replace the user's own files. Empty or
    /// missing folders are fine; --overwrite is the way past.
    static func checkUnused(_ path: String, marker: String, what: String) throws {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return }
        if names.contains(marker) { throw CLIError("\(path) already holds \(what); choose another --output or pass --overwrite") }
        let others = names.filter { !$0.hasPrefix(".") }.sorted()
        if !others.isEmpty {
            throw CLIError("\(path) is not empty (\(others.prefix(3).joined(separator: ", "))\(others.count > 3 ? ", …" : "")) and holds no vision run; choose another --output or pass --overwrite")
        }
    }

    /// `NAME.png` for source `.../NAME.ext`, with `-2`, `-3` … when two sources share a name.
    static func uniqueName(for source: String, taken: inout Set<String>) -> String {
        let stem = ((source as NSString).lastPathComponent as NSString).deletingPathExtension
        var name = stem + ".png"
        var counter = 2
        while taken.contains(name) {
            name = "\(stem)-\(counter).png"
            counter += 1
        }
        taken.insert(name)
        return name
    }
}

/// Text from files (class names, paths, metadata) made safe for a terminal: control characters
/// (escape sequences, newlines, carriage returns) are shown as `\u{…}` instead of acting.
enum TerminalText {
    /// `text` with its own line breaks kept and every other control character escaped.
    static func lines(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { escaped(String($0)) }.joined(separator: "\n")
    }

    static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// An error the CLI prints as one line.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension TestTimeAugmentation {
    /// What `--tta` does with this model, on standard error (standard output stays the results).
    static func note(_ views: TestTimeAugmentation?) {
        let text = views.map { "test-time augmentation: softmax averaged over \($0.summary)" }
            ?? "test-time augmentation: the model was trained without flips or quarter turns, so there is nothing to average; predictions are plain"
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
