import Foundation
import VisionImage

/// Perceptual hashes: 64 bits that change little when an image is recompressed, rescaled or
/// slightly recoloured, and a lot when its content changes. Two kinds that fail differently:
/// dHash (the sign of horizontal gradients) and pHash (the low frequencies of the DCT).
public enum PerceptualHash {
    /// dHash: the image in gray, shrunk (antialiased) to 9×8, one bit per horizontally adjacent
    /// pair (left brighter than right).
    public static func dHash(_ image: Image) throws(TransformError) -> UInt64 {
        try dHash(gray: try ColorOps.grayscale(image, channels: 1))
    }

    /// dHash of an image already in gray (one channel).
    static func dHash(gray: Image) throws(TransformError) -> UInt64 {
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

    /// pHash of a 32×32 gray thumbnail (row-major, any scale): the 8×8 lowest frequencies of its
    /// DCT-II, one bit per coefficient above their median (the DC term left out of the median).
    public static func pHash(thumbnail values: [Float]) -> UInt64 {
        guard values.count == 32 * 32 else { return 0 }
        // Separable DCT, only the 8 lowest frequencies each way.
        var rows = [Float](repeating: 0, count: 32 * 8)  // [y][u]
        for y in 0..<32 {
            for u in 0..<8 {
                var sum: Float = 0
                for x in 0..<32 { sum += values[y * 32 + x] * cosines[u * 32 + x] }
                rows[y * 8 + u] = sum
            }
        }
        var coefficients = [Float](repeating: 0, count: 64)  // [v][u]
        for v in 0..<8 {
            for u in 0..<8 {
                var sum: Float = 0
                for y in 0..<32 { sum += rows[y * 8 + u] * cosines[v * 32 + y] }
                coefficients[v * 8 + u] = sum
            }
        }
        let median = coefficients.dropFirst().sorted()[31]
        var hash: UInt64 = 0
        for coefficient in coefficients {
            hash <<= 1
            if coefficient > median { hash |= 1 }
        }
        return hash
    }

    /// cos((2x + 1)uπ / 64) for u < 8, x < 32.
    private static let cosines: [Float] = (0..<8).flatMap { u in (0..<32).map { x in Float(cos(Double((2 * x + 1) * u) * .pi / 64)) } }

    /// Bits that differ.
    public static func distance(_ a: UInt64, _ b: UInt64) -> Int { (a ^ b).nonzeroBitCount }
}
