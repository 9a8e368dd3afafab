/// One labelled image file of a dataset.
public struct DatasetItem: Sendable, Equatable, Hashable, Codable {
    /// The path to open (the root joined with `relativePath`).
    public var path: String
    /// The path relative to the dataset root (or manifest folder): the file's identity in splits.
    public var relativePath: String
    /// The class index into `Dataset.classes`.
    public var label: Int
    /// The split fixed by the source (a pre-split tree or a manifest's split column), if any.
    public var presetSplit: DataSplit?

    public init(path: String, relativePath: String, label: Int, presetSplit: DataSplit? = nil) {
        self.path = path
        self.relativePath = relativePath
        self.label = label
        self.presetSplit = presetSplit
    }
}
