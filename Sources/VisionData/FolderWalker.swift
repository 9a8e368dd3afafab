#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Foundation

/// Lists folders the way ImageFolder needs: hidden entries skipped, symlinks followed, each real
/// folder entered at most once (so a link back to an ancestor cannot loop), natural order.
struct FolderWalker {
    enum Kind { case file, folder, other }

    let options: DiscoveryOptions

    /// Non-hidden entries of `folder`, natural order, with their kinds (after following links).
    static func entries(of folder: String) throws(DatasetError) -> [(name: String, kind: Kind)] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw .unreadableFolder(path: folder, reason: (error as NSError).localizedDescription)
        }
        return NaturalOrder.sorted(names.filter { !$0.hasPrefix(".") }).map { name in
            (name, kind(of: folder + "/" + name))
        }
    }

    static func kind(of path: String) -> Kind {
        var status = stat()
        guard stat(path, &status) == 0 else { return .other }  // broken link or vanished
        switch status.st_mode & S_IFMT {
        case S_IFDIR: return .folder
        case S_IFREG: return .file
        default: return .other
        }
    }

    static func identity(of path: String) -> [UInt64]? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return [UInt64(status.st_dev), UInt64(status.st_ino)]
    }

    /// Files under `folder` (recursively) with an accepted extension, as paths relative to `base`,
    /// in natural order of the relative path.
    func files(under folder: String, relativeTo prefix: String) throws(DatasetError) -> [String] {
        var visited = Set<[UInt64]>()
        var out: [String] = []
        try walk(folder, relative: prefix, visited: &visited, into: &out)
        return out.sorted(by: NaturalOrder.less)
    }

    private func walk(_ folder: String, relative: String, visited: inout Set<[UInt64]>, into out: inout [String])
        throws(DatasetError)
    {
        if let id = FolderWalker.identity(of: folder) {
            guard visited.insert(id).inserted else { return }
        }
        for (name, kind) in try FolderWalker.entries(of: folder) {
            let childRelative = relative.isEmpty ? name : relative + "/" + name
            switch kind {
            case .file where options.accepts(name): out.append(childRelative)
            case .folder: try walk(folder + "/" + name, relative: childRelative, visited: &visited, into: &out)
            default: continue
            }
        }
    }
}
