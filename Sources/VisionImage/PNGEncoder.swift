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
