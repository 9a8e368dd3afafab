import VisionImage

/// dHash (difference hash): the image in gray, shrunk (antialiased) to 9×8, one bit per
/// horizontally adjacent pair (left brighter than right). Robust to rescaling, recompression and
/// small colour shifts; near-duplicates differ in a few of the 64 bits.
public enum PerceptualHash {
    public static func dHash(_ image: Image) throws(TransformError) -> UInt64 {
        let gray = try ColorOps.grayscale(image, channels: 1)
        let small = try Resampler.resize(gray, width: 9, height: 8, antialias: true)
        var hash: UInt64 = 0
        for y in 0..<8 {
            for x in 0..<8 {
                hash <<= 1
                if small.pixels[y * 9 + x] > small.pixels[y * 9 + x + 1] { hash |= 1 }
            }
        }
        return hash
    }

    /// Bits that differ.
    public static func distance(_ a: UInt64, _ b: UInt64) -> Int { (a ^ b).nonzeroBitCount }
}
