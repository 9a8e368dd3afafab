import Foundation

/// Why a plugin configuration was refused. `owner` names the plugin, e.g. `metric 'f1'`.
public enum ConfigurationError: Error, Equatable, Sendable {
    case notAnObject(owner: String, found: String)
    case unknownKey(owner: String, key: String, validKeys: [String], suggestion: String?)
    case missingKey(owner: String, key: String)
    case invalidValue(owner: String, key: String, expected: String, found: String)
}

extension ConfigurationError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .notAnObject(let owner, let found):
            return "\(owner): expected a configuration object ({\"key\": value, …}), got \(found)"
        case .unknownKey(let owner, let key, let validKeys, let suggestion):
            let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? ""
            let valid = validKeys.isEmpty ? "it takes no keys" : "valid keys: \(validKeys.joined(separator: ", "))"
            return "\(owner): unknown configuration key '\(key)'\(hint); \(valid)"
        case .missingKey(let owner, let key):
            return "\(owner): configuration key '\(key)' is required"
        case .invalidValue(let owner, let key, let expected, let found):
            return "\(owner): configuration key '\(key)': expected \(expected), got \(found)"
        }
    }
}

extension ConfigurationError: LocalizedError {
    public var errorDescription: String? { description }
}
