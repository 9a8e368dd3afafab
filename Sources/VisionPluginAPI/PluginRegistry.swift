import Foundation

/// One table of plugins by name, shared by every plugin kind (models, metrics): filled at
/// startup by explicit calls, then read from any thread. The kind supplies its own errors, so
/// that messages say "unknown model" or "unknown metric".
public final class PluginRegistry<Entry>: @unchecked Sendable {
    /// The errors a kind throws; `unknown` gets the sorted names and the closest one.
    public struct Errors: Sendable {
        public var invalidName: @Sendable (_ name: String) -> Error
        public var duplicate: @Sendable (_ name: String, _ entry: Entry) -> Error
        public var unknown: @Sendable (_ name: String, _ available: [String], _ suggestion: String?) -> Error

        public init(
            invalidName: @escaping @Sendable (String) -> Error, duplicate: @escaping @Sendable (String, Entry) -> Error,
            unknown: @escaping @Sendable (String, [String], String?) -> Error
        ) {
            self.invalidName = invalidName
            self.duplicate = duplicate
            self.unknown = unknown
        }
    }

    // Guards `entries`: registration may race with lookups from other threads.
    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    private let allowedPunctuation: Set<Character>
    private let errors: Errors

    /// An empty table whose names are lowercase letters, digits and `allowedPunctuation`,
    /// starting with a letter.
    public init(allowedPunctuation: Set<Character>, errors: Errors) {
        self.allowedPunctuation = allowedPunctuation
        self.errors = errors
    }

    /// Adds `entry` under `name`; throws if the name is taken or not a plain name.
    public func register(_ entry: Entry, as name: String) throws {
        let plain = name.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || allowedPunctuation.contains($0)) }
        guard plain, let first = name.first, first.isLetter else { throw errors.invalidName(name) }
        try lock.withLock {
            guard entries[name] == nil else { throw errors.duplicate(name, entry) }
            entries[name] = entry
        }
    }

    /// The entry registered under `name`; throws the kind's "unknown" error with a suggestion.
    public func entry(named name: String) throws -> Entry {
        let (found, all) = lock.withLock { (entries[name], Array(entries.keys)) }
        if let found { return found }
        let available = all.sorted(by: PluginNames.naturalLess)
        throw errors.unknown(name, available, PluginNames.closest(to: name, in: available))
    }

    /// Whether `name` is registered.
    public func contains(_ name: String) -> Bool { lock.withLock { entries[name] != nil } }

    /// Registered names matching a glob (`resnet*`, `*auc*`, `[pr]*`), in natural order.
    public func names(matching pattern: String = "*") -> [String] {
        let all = lock.withLock { Array(entries.keys) }
        return all.filter { PluginNames.matches($0, pattern: pattern) }.sorted(by: PluginNames.naturalLess)
    }

    /// Entries whose names match a glob, in natural order of name.
    public func entries(matching pattern: String = "*") -> [Entry] {
        let table = lock.withLock { entries }
        return names(matching: pattern).compactMap { table[$0] }
    }
}
