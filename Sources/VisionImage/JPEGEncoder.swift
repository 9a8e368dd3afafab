import CCodecs

#if canImport(Glibc)
    import Glibc
#endif

/// Encodes 8-bit gray or RGB images as baseline JPEG (libjpeg-turbo), for tests that need real
/// recompression and for previews.
public enum JPEGEncoder {
    /// The JPEG bytes of `image` at `quality` (1–100); alpha is not kept (gray + alpha and RGBA
    /// are refused).
    public static func encode(_ image: Image, quality: Int = 90) throws(ImageError) -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = MessageBuffer()
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            message.withPointer {
                vc_jpeg_encode(
                    pixels.baseAddress, UInt32(image.width), UInt32(image.height), UInt32(image.channels), Int32(quality), &output, &size, $0)
            }
        }
        defer { vc_free(output) }
        guard status == VC_OK, let output else {
            throw .invalidImage("JPEG encoding failed: \(message.text)")
        }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }
}
