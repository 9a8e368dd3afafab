#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads whole files with POSIX calls, so that each failure becomes an `ImageError` naming the
/// path and the reason (missing, a directory, permission denied ...). FIFOs, devices and sockets
/// are refused without blocking, and a file over `maxBytes` without being read.
public enum FileBytes {
    public static func read(_ path: String, maxBytes: Int = .max) throws(ImageError) -> [UInt8] {
        // Non-blocking, so that a FIFO or a device cannot hang the open; fstat then refuses them.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw openError(path: path, code: errno) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        if (status.st_mode & S_IFMT) == S_IFDIR { throw .isDirectory(path: path) }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw .unreadable(path: path, reason: "not a regular file")
        }
        let size = Int(status.st_size)
        if size == 0 { throw .emptyFile(path: path) }
        if size > maxBytes {
            throw .tooCostly(
                path: path, detail: "the file is \(size / 1_048_576 + 1) MiB, over the limit of \(maxBytes / 1_048_576) MiB per image (raise --max-image-bytes if the file is trusted)")
        }
        var failure: Int32 = 0
        var got = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            while got < size {
                let n = Glibc.read(descriptor, buffer.baseAddress! + got, size - got)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    break
                }
                if n == 0 { break }  // the file shrank while we read it
                got += n
            }
            count = got
        }
        if failure != 0 { throw .unreadable(path: path, reason: String(cString: strerror(failure))) }
        if bytes.isEmpty { throw .emptyFile(path: path) }
        return bytes
    }

    static func openError(path: String, code: Int32) -> ImageError {
        switch code {
        case ENOENT, ENOTDIR: return .fileNotFound(path: path)
        case EISDIR: return .isDirectory(path: path)
        default: return .unreadable(path: path, reason: String(cString: strerror(code)))
        }
    }
}
