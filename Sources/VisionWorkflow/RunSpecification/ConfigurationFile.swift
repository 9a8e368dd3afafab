import Foundation
import VisionModelAPI
import Yams

/// Training configurations as YAML files (JSON works too): `vision train --config`, and the run's
/// `config.yaml`, which `--resume` reads back. Keys are `TrainingConfiguration`'s; errors name
/// the file, the line and the key.
public enum ConfigurationFile {
    /// The options in the file at `path`, as overrides for `TrainingConfiguration.applying(_:)`,
    /// each with the line it is on.
    public static func read(_ path: String) throws(RunSpecificationError) -> (overrides: PluginConfiguration, lines: [String: Int]) {
        try parse(try text(of: path, what: "the configuration file"), path: path)
    }

    /// The options in `text` (`path` names it in errors), each with its line.
    public static func parse(_ text: String, path: String) throws(RunSpecificationError) -> (overrides: PluginConfiguration, lines: [String: Int]) {
        var overrides: PluginConfiguration = [:]
        var lines: [String: Int] = [:]
        for entry in try entries(of: text, path: path, expected: "a mapping of option: value") {
            lines[entry.key] = entry.line
            overrides[entry.key] = entry.value
        }
        return (overrides, lines)
    }

    /// A file's text, or an error naming the file and `what` it was to be.
    static func text(of path: String, what: String) throws(RunSpecificationError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadable(file: path, detail: "cannot read \(what) (\(error.localizedDescription))")
        }
    }

    /// The top-level `key: value` pairs of a YAML document, in order, with their lines: the
    /// alias cap, syntax errors as one line, and a document that is not a mapping, handled once
    /// for configuration files and search spaces. An empty document has no entries.
    static func entries(of text: String, path: String, expected: String) throws(RunSpecificationError)
        -> [(key: String, line: Int, value: JSONValue)]
    {
        if let violation = YAMLAliasLimit.violation(in: text) { throw .inFile(file: path, line: 0, key: "-", detail: violation) }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            let (line, detail) = yamlProblem(error, text: text)
            throw .inFile(file: path, line: line, key: "-", detail: "not valid YAML (\(detail))")
        }
        guard let root else { return [] }
        guard let mapping = root.mapping else { throw .inFile(file: path, line: root.mark?.line ?? 1, key: "-", detail: "expected \(expected)") }
        return mapping.map { keyNode, valueNode in (keyNode.string ?? "?", keyNode.mark?.line ?? 0, value(of: valueNode)) }
    }

    /// `base` with the file at `path` applied; an error names the file, line and key.
    public static func load(_ path: String, over base: TrainingConfiguration = TrainingConfiguration()) throws(RunSpecificationError)
        -> TrainingConfiguration
    {
        let (overrides, lines) = try read(path)
        do {
            return try base.applying(overrides)
        } catch let error as RunSpecificationError {
            guard case .invalidValue(let key, let expected, let found) = error else { throw error }
            // Report the top-level key ("model_config.width" is on model_config's line).
            let topKey = String(key.split(separator: ".").first ?? Substring(key))
            let detail = expected.hasPrefix("a known option") ? "unknown key" + expected.dropFirst("a known option".count) : "expected \(expected), got \(found)"
            throw .inFile(file: path, line: lines[topKey] ?? 0, key: key, detail: detail)
        } catch {
            throw .inFile(file: path, line: 0, key: "-", detail: "\(error)")
        }
    }

    /// The YAML text of `configuration`: every option in key order, values as JSON (valid YAML),
    /// unset options left out. `load` reads it back to the same configuration.
    public static func yaml(_ configuration: TrainingConfiguration) throws -> String {
        let object = try configuration.object()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var text = ""
        for key in TrainingConfiguration.allowedKeys {
            guard let value = object[key] else { continue }
            text += "\(key): \(String(decoding: try encoder.encode(value), as: UTF8.self))\n"
        }
        return text
    }

    /// Yams' error as (line, one-line text): it prints "L:C: error: parser: …" and then the
    /// offending source line with a caret, which would break the one-line message.
    static func yamlProblem(_ error: Error, text: String) -> (line: Int, detail: String) {
        let lines = "\(error)".split(separator: "\n").map(String.init)
        // Yams names a duplicated key without its line: find its second appearance.
        if let first = lines.first, let range = first.range(of: "duplicated key(s): '") {
            let key = first[range.upperBound...].prefix { $0 != "'" }
            let rows = text.split(separator: "\n", omittingEmptySubsequences: false)
            let found = rows.indices.filter { rows[$0].hasPrefix(key + ":") || rows[$0].hasPrefix("\"\(key)\":") }
            return (found.count > 1 ? found[1] + 1 : 0, "the key '\(key)' appears twice")
        }
        var first = lines.first ?? "\(error)"
        var line = 0
        if let colon = first.firstIndex(of: ":"), let number = Int(first[..<colon]) {
            line = number
            if let rest = first.range(of: "error: ") { first = String(first[rest.upperBound...]) }
        }
        let second = lines.count > 1 && !lines[1].hasSuffix("^") ? ": " + lines[1] : ""
        return (line, (first + second).trimmingCharacters(in: .whitespaces))
    }

    /// A YAML node as a JSON value: scalars by their resolved tag (`8` an integer, `0.5` a
    /// number, `true` a Bool, `~` null, anything else a string).
    static func value(of node: Node) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain {
                if let int = node.int { return .int(int) }
                if let bool = node.bool { return .bool(bool) }
                if let double = node.float { return .double(double) }
                if node.null != nil { return .null }
            }
            return .string(scalar.string)
        case .mapping(let mapping):
            var members: [String: JSONValue] = [:]
            for (key, value) in mapping { members[key.string ?? "?"] = Self.value(of: value) }
            return .object(members)
        case .sequence(let sequence):
            return .array(sequence.map { Self.value(of: $0) })
        case .alias:
            return .null
        }
    }
}
