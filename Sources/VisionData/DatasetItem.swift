/// One labelled image file of a dataset.
///
/// The path is kept as the dataset's shared base ("ROOT/") and the relative path, not as a
/// third string per file: at a million files that is 80 MB less (`vision data inspect` must
/// stay under 500 MB there). An item made from an arbitrary path keeps that path whole.
public struct DatasetItem: Sendable, Hashable, Codable {
    /// What precedes `relativePath` in `path` (shared by a dataset's items), or the whole path.
    private var prefix: String
    private var prefixIsPath: Bool
    /// The path relative to the dataset root (or manifest folder): the file's identity in splits.
    public var relativePath: String
    /// The class index into `Dataset.classes`.
    public var label: Int
    /// The split fixed by the source (a pre-split tree or a manifest's split column), if any.
    public var presetSplit: DataSplit?

    /// The path to open (the root joined with `relativePath`).
    public var path: String {
        get { prefixIsPath ? prefix : prefix + relativePath }
        set {
            prefix = newValue
            prefixIsPath = true
        }
    }

    public init(path: String, relativePath: String, label: Int, presetSplit: DataSplit? = nil) {
        prefix = path
        prefixIsPath = true
        self.relativePath = relativePath
        self.label = label
        self.presetSplit = presetSplit
    }

    /// An item at `base + relativePath`; pass the same `base` string for every item of a
    /// dataset, so that they share it.
    public init(base: String, relativePath: String, label: Int, presetSplit: DataSplit? = nil) {
        prefix = base
        prefixIsPath = false
        self.relativePath = relativePath
        self.label = label
        self.presetSplit = presetSplit
    }

    public static func == (a: DatasetItem, b: DatasetItem) -> Bool {
        a.relativePath == b.relativePath && a.label == b.label && a.presetSplit == b.presetSplit && a.path == b.path
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(path)
        hasher.combine(relativePath)
        hasher.combine(label)
        hasher.combine(presetSplit)
    }

    enum CodingKeys: String, CodingKey { case path, relativePath, label, presetSplit }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            path: try container.decode(String.self, forKey: .path), relativePath: try container.decode(String.self, forKey: .relativePath),
            label: try container.decode(Int.self, forKey: .label), presetSplit: try container.decodeIfPresent(DataSplit.self, forKey: .presetSplit))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(path, forKey: .path)
        try container.encode(relativePath, forKey: .relativePath)
        try container.encode(label, forKey: .label)
        try container.encodeIfPresent(presetSplit, forKey: .presetSplit)
    }
}
