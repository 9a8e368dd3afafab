import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes files so that readers never see half of one: a new temporary file beside the target
/// (a unique name made by `mkstemp`, which opens with O_CREAT | O_EXCL, so a planted file or
/// symlink cannot redirect the write), fsync, rename. Temporaries that a killed process left
/// for the same target are removed once they are old enough not to belong to a live writer.
public enum AtomicFile {
    /// Temporaries of the same target older than this are leftovers of a killed process.
    static let staleAge: TimeInterval = 15 * 60

    public static func write(_ bytes: [UInt8], to path: String) throws(ImageError) {
        removeStaleTemporaries(of: path)
        var template = Array((path + ".tmp-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw .unwritable(path: path, reason: String(cString: strerror(errno)))
        }
        let temporary = String(cString: template)
        var failure: Int32 = 0
        if fchmod(descriptor, 0o644) != 0 { failure = errno }
        var written = 0
        bytes.withUnsafeBytes { buffer in
            while failure == 0 && written < buffer.count {
                let n = Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                written += n
            }
        }
        if failure == 0 && fsync(descriptor) != 0 { failure = errno }
        close(descriptor)
        if failure == 0 && rename(temporary, path) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary)
            throw .unwritable(path: path, reason: String(cString: strerror(failure)))
        }
    }

    /// Deletes `path.tmp-XXXXXX` files older than `staleAge` (regular files only).
    static func removeStaleTemporaries(of path: String) {
        let folder = (path as NSString).deletingLastPathComponent
        let prefix = (path as NSString).lastPathComponent + ".tmp-"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder) else { return }
        let now = Date()
        for name in names where name.hasPrefix(prefix) && name.count == prefix.count + 6 {
            let candidate = ((folder.isEmpty ? "." : folder) as NSString).appendingPathComponent(name)
            var status = stat()
            guard lstat(candidate, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { continue }
            let modified = Date(timeIntervalSince1970: TimeInterval(status.st_mtim.tv_sec))
            if now.timeIntervalSince(modified) > staleAge { unlink(candidate) }
        }
    }
}
