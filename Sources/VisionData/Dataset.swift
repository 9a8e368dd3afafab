import Foundation

/// A labelled image dataset: class names, files and, where the source fixes them, their splits.
public struct Dataset: Sendable, Equatable {
    /// Where the files and labels came from.
    public enum Source: String, Sendable, Codable {
        /// `ROOT/CLASS/…`
        case imageFolder
        /// `ROOT/train|val|test/CLASS/…`
        case presplit
        /// `path,label[,split]` CSV
        case manifest
    }

    /// The folder (or manifest file) the dataset was read from.
    public let root: String
    public let source: Source
    /// Class names; a label is an index into this list.
    public let classes: [String]
    /// Every file, in a deterministic order (class, then natural order of the path).
    public let items: [DatasetItem]

    /// Throws when an item's label is not an index into `classes`.
    public init(root: String, source: Source, classes: [String], items: [DatasetItem]) throws(DatasetError) {
        if let bad = items.first(where: { !classes.indices.contains($0.label) }) {
            throw .labelOutOfRange(path: bad.path, label: bad.label, classes: classes.count)
        }
        self.root = root
        self.source = source
        self.classes = classes
        self.items = items
    }

    /// Files per class, indexed like `classes`.
    public var classCounts: [Int] {
        var counts = [Int](repeating: 0, count: classes.count)
        for item in items where counts.indices.contains(item.label) { counts[item.label] += 1 }
        return counts
    }

    /// True when every item carries a split from its source.
    public var hasPresetSplits: Bool { !items.isEmpty && items.allSatisfy { $0.presetSplit != nil } }

    /// Reads `path`: a `.csv` file is a manifest; a folder with `train/` beside `test/` or `val/`
    /// is a pre-split tree; any other folder is an ImageFolder tree.
    public static func load(_ path: String, options: DiscoveryOptions = DiscoveryOptions()) throws(DatasetError) -> Dataset {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw .rootNotFound(path: path)
        }
        if !isFolder.boolValue {
            guard path.lowercased().hasSuffix(".csv") else { throw .notAFolder(path: path) }
            return try CSVManifest.load(path, options: options)
        }
        if try presplitFolders(in: path) != nil { return try presplit(root: path, options: options) }
        return try imageFolder(root: path, options: options)
    }

    /// An ImageFolder tree: classes are the subfolders of `root` in natural order.
    public static func imageFolder(root: String, options: DiscoveryOptions = DiscoveryOptions()) throws(DatasetError) -> Dataset {
        let root = try checkedRoot(root)
        let (classes, items) = try readClasses(root: root, prefix: "", split: nil, options: options)
        guard classes.count >= 2 else { throw .singleClass(root: root, name: classes.first ?? "") }
        return try Dataset(root: root, source: .imageFolder, classes: classes, items: items)
    }

    /// A pre-split tree `ROOT/train/CLASS`, `ROOT/test/CLASS`, optional `ROOT/val/CLASS`. The
    /// classes are train's; val and test may lack a class but may not add one.
    public static func presplit(root: String, options: DiscoveryOptions = DiscoveryOptions()) throws(DatasetError) -> Dataset {
        let root = try checkedRoot(root)
        guard let folders = try presplitFolders(in: root), let trainFolder = folders[.train] else {
            throw .noClassFolders(root: root + "/train")
        }
        let (classes, trainItems) = try readClasses(
            root: root, prefix: trainFolder, split: .train, options: options)
        guard classes.count >= 2 else { throw .singleClass(root: root + "/" + trainFolder, name: classes.first ?? "") }
        var items = trainItems
        for split in [DataSplit.val, .test] {
            guard let folder = folders[split] else { continue }
            let names = try FolderWalker.entries(of: root + "/" + folder).filter { $0.kind == .folder }.map(\.name)
            let extra = names.filter { !classes.contains($0) }
            if !extra.isEmpty { throw .presplitClassMismatch(root: root, split: folder, classes: extra) }
            let walker = FolderWalker(options: options)
            let rootSlash = root + "/"
            for (label, name) in classes.enumerated() where names.contains(name) {
                let prefix = folder + "/" + name
                for relative in try walker.files(under: root + "/" + prefix, relativeTo: prefix) {
                    items.append(DatasetItem(base: rootSlash, relativePath: relative, label: label, presetSplit: split))
                }
            }
        }
        return try Dataset(root: root, source: .presplit, classes: classes, items: items)
    }

    /// The split folders of a pre-split tree, or nil when `root` is not one: it has a train
    /// folder and a test or val folder. Any other visible folder beside them is an error (it
    /// would otherwise turn the split names into classes, or be silently ignored).
    static func presplitFolders(in root: String) throws(DatasetError) -> [DataSplit: String]? {
        let folders = try FolderWalker.entries(of: root).filter { $0.kind == .folder }.map(\.name)
        var found: [DataSplit: String] = [:]
        var others: [String] = []
        for name in folders {
            if let split = DataSplit(name: name), found[split] == nil {
                found[split] = name
            } else {
                others.append(name)
            }
        }
        guard found[.train] != nil, found[.test] != nil || found[.val] != nil else { return nil }
        if let other = others.first { throw .presplitUnexpectedFolder(root: root, name: other) }
        return found
    }

    private static func checkedRoot(_ root: String) throws(DatasetError) -> String {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isFolder) else { throw .rootNotFound(path: root) }
        guard isFolder.boolValue else { throw .notAFolder(path: root) }
        var trimmed = root
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        return trimmed
    }

    /// Class folders under `root/prefix` and their files.
    private static func readClasses(
        root: String, prefix: String, split: DataSplit?, options: DiscoveryOptions
    ) throws(DatasetError) -> ([String], [DatasetItem]) {
        let base = prefix.isEmpty ? root : root + "/" + prefix
        let classes = try FolderWalker.entries(of: base).filter { $0.kind == .folder }.map(\.name)
        guard !classes.isEmpty else { throw .noClassFolders(root: base) }
        let walker = FolderWalker(options: options)
        var items: [DatasetItem] = []
        var empty: [String] = []
        let rootSlash = root + "/"
        for (label, name) in classes.enumerated() {
            let classPrefix = prefix.isEmpty ? name : prefix + "/" + name
            let files = try walker.files(under: root + "/" + classPrefix, relativeTo: classPrefix)
            if files.isEmpty { empty.append(name) }
            for relative in files {
                items.append(DatasetItem(base: rootSlash, relativePath: relative, label: label, presetSplit: split))
            }
        }
        if !empty.isEmpty && !options.allowEmpty { throw .emptyClasses(names: empty, extensions: options.extensions) }
        return (classes, items)
    }
}
