import Foundation

/// A configuration that refuses keys it does not know (a typo must never fall back to a default).
public protocol StrictDecodable: Decodable {
    /// Every key the configuration accepts, as spelled in JSON/YAML.
    static var allowedKeys: [String] { get }
}

/// Decodes plugin configurations strictly: unknown keys, wrong types and bad values are
/// one-line `ConfigurationError`s naming the owner, the key and what was expected.
public enum StrictDecoder {
    /// Decodes `T` from a configuration object; `owner` names the plugin (`metric 'f1'`).
    public static func decode<T: StrictDecodable>(
        _ type: T.Type, from configuration: PluginConfiguration, owner: String
    ) throws -> T {
        try checkKeys(configuration, allowed: T.allowedKeys, owner: owner)
        // JSON has no NaN or infinity; only a configuration built in Swift can hold one.
        for key in configuration.keys.sorted() {
            if case .double(let number) = configuration[key], !number.isFinite {
                throw ConfigurationError.invalidValue(owner: owner, key: key, expected: "a finite number", found: "\(number)")
            }
        }
        let data: Data
        do {
            data = try JSONEncoder().encode(configuration)
        } catch {
            throw ConfigurationError.notAnObject(owner: owner, found: "a value JSON cannot hold (\(error))")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw describe(error, configuration: configuration, owner: owner)
        }
    }

    /// Decodes `T` from a JSON document that must be an object (empty data means `{}`).
    public static func decode<T: StrictDecodable>(_ type: T.Type, json: Data, owner: String) throws -> T {
        try decode(type, from: try object(fromJSON: json, owner: owner), owner: owner)
    }

    /// Parses a JSON document into a configuration object.
    public static func object(fromJSON json: Data, owner: String) throws -> PluginConfiguration {
        if json.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return [:] }
        let value: JSONValue
        do {
            value = try JSONValue(json: json)
        } catch {
            throw ConfigurationError.notAnObject(owner: owner, found: "text that is not valid JSON")
        }
        guard case .object(let members) = value else {
            throw ConfigurationError.notAnObject(owner: owner, found: value.shortDescription)
        }
        return members
    }

    /// Throws for the first key (in sorted order) that is not allowed.
    public static func checkKeys(_ configuration: PluginConfiguration, allowed: [String], owner: String) throws {
        let allowedSet = Set(allowed)
        guard let key = configuration.keys.sorted().first(where: { !allowedSet.contains($0) }) else { return }
        throw ConfigurationError.unknownKey(
            owner: owner, key: key, validKeys: allowed.sorted(),
            suggestion: PluginNames.closest(to: key, in: allowed))
    }

    /// Reads a string-valued choice (e.g. `average`), failing with the list of choices.
    public static func decodeChoice<Choice: RawRepresentable & CaseIterable, Key: CodingKey>(
        _ type: Choice.Type, from container: KeyedDecodingContainer<Key>, forKey key: Key
    ) throws -> Choice? where Choice.RawValue == String {
        guard let raw = try container.decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let choice = Choice(rawValue: raw) else {
            let choices = Choice.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            throw DecodingError.dataCorruptedError(
                forKey: key, in: container, debugDescription: "expected one of \(choices)")
        }
        return choice
    }

    private static func describe(
        _ error: DecodingError, configuration: PluginConfiguration, owner: String
    ) -> ConfigurationError {
        func found(_ path: [CodingKey]) -> String {
            guard let first = path.first, let value = configuration[first.stringValue] else { return "nothing" }
            return value.shortDescription
        }
        func keyName(_ path: [CodingKey]) -> String {
            path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return .invalidValue(
                owner: owner, key: keyName(context.codingPath), expected: expectation(type),
                found: found(context.codingPath))
        case .keyNotFound(let key, _):
            return .missingKey(owner: owner, key: key.stringValue)
        case .dataCorrupted(let context):
            // Our own choice errors say "expected …"; JSONDecoder's number-range errors do not.
            let detail = context.debugDescription
            let expected = detail.hasPrefix("expected ") ? String(detail.dropFirst(9)) : "a valid value (\(detail))"
            return .invalidValue(
                owner: owner, key: keyName(context.codingPath), expected: expected,
                found: found(context.codingPath))
        @unknown default:
            return .invalidValue(owner: owner, key: "?", expected: "a valid configuration", found: "\(error)")
        }
    }

    private static func expectation(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is Int?.Type: return "an integer"
        case is Double.Type, is Float.Type, is Double?.Type, is Float?.Type: return "a number"
        case is String.Type, is String?.Type: return "a string"
        case is Bool.Type, is Bool?.Type: return "true or false"
        default: return "a value of type \(type)"
        }
    }
}

/// A configuration with no keys, for plugins that take none.
public struct EmptyConfiguration: StrictDecodable, Sendable, Equatable {
    public static let allowedKeys: [String] = []
    public init() {}
    public init(from decoder: Decoder) throws {}
}
