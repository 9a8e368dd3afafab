/// What counts as a dataset file and how strict discovery is.
public struct DiscoveryOptions: Sendable, Equatable {
    /// The default extensions: png, jpg, jpeg (matched in any case).
    public static let defaultExtensions = ["png", "jpg", "jpeg"]

    /// File extensions that count (without the dot, any case). Format is still decided by content.
    public var extensions: [String]
    /// Keep classes that have no valid file instead of failing.
    public var allowEmpty: Bool
    /// The expected class names (e.g. from a saved model); manifests reject other labels.
    public var classes: [String]?

    public init(extensions: [String] = DiscoveryOptions.defaultExtensions, allowEmpty: Bool = false, classes: [String]? = nil) {
        self.extensions = extensions.map { $0.hasPrefix(".") ? String($0.dropFirst()).lowercased() : $0.lowercased() }
        self.allowEmpty = allowEmpty
        self.classes = classes
    }

    func accepts(_ name: String) -> Bool {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return false }
        return extensions.contains(name[name.index(after: dot)...].lowercased())
    }
}
