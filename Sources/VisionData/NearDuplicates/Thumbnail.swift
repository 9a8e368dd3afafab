import Foundation
import VisionImage

/// What near-duplicate verification compares: a 32×32 gray thumbnail of the whole image
/// (stretched, antialiased; 0–255) and, for colour images, a histogram of chromaticity
/// (r/(r+g+b), g/(r+g+b), 6×6 bins, normalised), which brightness changes leave alone.
public struct Thumbnail: Sendable, Equatable {
    public static let side = 32
    public var gray: [Float]
    public var chroma: [Float]?

    /// The standard deviation of the gray thumbnail (0–255): below `Thumbnail.uniformContrast`
    /// an image is too plain to tell from another plain image.
    public var contrast: Float {
        let n = Float(gray.count)
        let mean = gray.reduce(0, +) / n
        return (gray.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n).squareRoot()
    }

    public init(gray: [Float], chroma: [Float]?) {
        self.gray = gray
        self.chroma = chroma
    }

    /// The thumbnail of a decoded image (gray, or RGB for the histogram); `colour` false skips the histogram
    /// (gray images, or colour files whose channels are all equal).
    public init(_ image: Image, colour: Bool) throws(TransformError) {
        try self.init(grayImage: try ColorOps.grayscale(image, channels: 1), colourSource: colour && image.channels == 3 ? image : nil)
    }

    /// The thumbnail of an image already in gray; the histogram from `colourSource` (RGB) when given.
    init(grayImage: Image, colourSource: Image?) throws(TransformError) {
        let small = try Resampler.resize(grayImage, width: Self.side, height: Self.side, antialias: true)
        gray = small.pixels.map(Float.init)
        guard let colourSource else {
            chroma = nil
            return
        }
        let tiny = try Resampler.resize(colourSource, width: 16, height: 16, antialias: true)
        var histogram = [Float](repeating: 0, count: 36)
        var counted: Float = 0
        for i in 0..<(16 * 16) {
            let r = Float(tiny.pixels[i * 3]), g = Float(tiny.pixels[i * 3 + 1]), b = Float(tiny.pixels[i * 3 + 2])
            let sum = r + g + b
            guard sum >= 30 else { continue }  // near black: no reliable colour
            let u = min(Int(r / sum * 6), 5), v = min(Int(g / sum * 6), 5)
            histogram[u * 6 + v] += 1
            counted += 1
        }
        chroma = counted > 0 ? histogram.map { $0 / counted } : nil
    }

    /// Thumbnails flatter than this (standard deviation, 0–255) are "too uniform to compare".
    public static let uniformContrast: Float = 4
}

/// How alike two thumbnails are: the best normalised cross-correlation of the gray thumbnails
/// over shifts of up to `maxShift` pixels each way (so recompression, brightness and contrast
/// changes, small shifts, crops and rescaling keep it near 1, different content does not), and
/// the chromaticity histograms' intersection (colour changes of content, not of light).
public enum ThumbnailSimilarity {
    public static func correlation(_ a: Thumbnail, _ b: Thumbnail, maxShift: Int) -> Double {
        correlation(a.gray, b.gray, side: Thumbnail.side, shifts: -maxShift...maxShift, -maxShift...maxShift).score
    }

    /// The best normalised cross-correlation of two `side`² images over the shifts given.
    static func correlation(_ a: [Float], _ b: [Float], side: Int, shifts xs: ClosedRange<Int>, _ ys: ClosedRange<Int>) -> (score: Double, dx: Int, dy: Int) {
        var best = (score: -1.0, dx: 0, dy: 0)
        a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in
                for dy in ys {
                    for dx in xs {
                        let x0 = max(0, dx), x1 = side + min(0, dx), y0 = max(0, dy), y1 = side + min(0, dy)
                        var sa = 0.0, sb = 0.0, saa = 0.0, sbb = 0.0, sab = 0.0
                        for row in y0..<y1 {
                            let ra = row * side, rb = (row - dy) * side - dx
                            for column in x0..<x1 {
                                let p = Double(x[ra + column]), q = Double(y[rb + column])
                                sa += p
                                sb += q
                                saa += p * p
                                sbb += q * q
                                sab += p * q
                            }
                        }
                        let n = Double((x1 - x0) * (y1 - y0))
                        let va = saa - sa * sa / n, vb = sbb - sb * sb / n
                        guard va > 1e-6, vb > 1e-6 else { continue }
                        let score = (sab - sa * sb / n) / (va * vb).squareRoot()
                        if score > best.score { best = (score, dx, dy) }
                    }
                }
            }
        }
        return best
    }

    /// What is left of `thumbnail` once the dataset's common picture (`reference`, the mean
    /// thumbnail) is regressed out (gray ≈ a · reference + b by least squares): the image's own
    /// content. Look-alikes that share a layout (cells of one panel type, forms, documents) keep
    /// little in common here; a copy keeps all of it.
    public static func residual(_ thumbnail: Thumbnail, reference: [Float]) -> Thumbnail {
        let x = thumbnail.gray
        guard reference.count == x.count else { return thumbnail }
        let n = Double(x.count)
        let mr = reference.reduce(0.0) { $0 + Double($1) } / n, mx = x.reduce(0.0) { $0 + Double($1) } / n
        var srr = 0.0, srx = 0.0
        for i in x.indices {
            let r = Double(reference[i]) - mr
            srr += r * r
            srx += r * (Double(x[i]) - mx)
        }
        let a = srr > 1e-9 ? srx / srr : 0
        return Thumbnail(gray: x.indices.map { Float(Double(x[$0]) - mx - a * (Double(reference[$0]) - mr)) }, chroma: thumbnail.chroma)
    }

    /// Σ min of the two normalised histograms (1: the same colours); nil when either has none.
    public static func colourOverlap(_ a: Thumbnail, _ b: Thumbnail) -> Double? {
        guard let p = a.chroma, let q = b.chroma else { return nil }
        return Double(zip(p, q).reduce(0) { $0 + min($1.0, $1.1) })
    }
}
