import CCodecs

#if canImport(Glibc)
    import Glibc
#endif

/// Encodes 8-bit images as PNG, for previews, reports and tests.
public enum PNGEncoder {
    /// The PNG bytes of `image` (gray, gray + alpha, RGB or RGBA). `compressionLevel` is zlib's 0–9.
    public static func encode(_ image: Image, compressionLevel: Int = 6) throws(ImageError) -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = MessageBuffer()
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            message.withPointer {
                vc_png_encode(
                    pixels.baseAddress, UInt32(image.width), UInt32(image.height), UInt32(image.channels),
                    Int32(max(0, min(9, compressionLevel))), &output, &size, $0)
            }
        }
        defer { vc_free(output) }
        guard status == VC_OK, let output else {
            throw .invalidImage("PNG encoding failed: \(message.text)")
        }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }

    /// Writes `image` as a PNG file atomically (a temporary file in the same folder, then rename).
    public static func write(_ image: Image, to path: String, compressionLevel: Int = 6) throws(ImageError) {
        let bytes = try encode(image, compressionLevel: compressionLevel)
        try AtomicFile.write(bytes, to: path)
    }
}

/// Writes files so that readers never see half of one: temporary file, fsync, rename.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String) throws(ImageError) {
        let temporary = path + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .unwritable(path: path, reason: String(cString: strerror(errno)))
        }
        var written = 0
        var failure: Int32 = 0
        bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
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
}
