/// What the loader does with a file that cannot be read or decoded.
public enum BadImagePolicy: String, Sendable, Codable, CaseIterable {
    /// Leave it out of its batch and record it (the default: reported at the end of each epoch).
    case skip
    /// Stop with an error naming the file.
    case fail
}

/// A file the loader skipped, and why.
public struct BadImage: Sendable, Equatable, Codable {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
}
