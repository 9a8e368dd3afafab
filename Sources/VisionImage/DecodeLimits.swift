/// What one decode may cost, checked from the header before anything is allocated (and, for
/// JPEG, while it runs). Every command that reads images takes these from the same flags
/// (`--max-pixels`, `--max-image-bytes`, `--max-scans`, `--max-decode-seconds`), so an image
/// refused by `vision decode` is refused, as a bad image, by training, evaluation and inference.
public struct DecodeLimits: Sendable, Equatable, Codable {
    /// Files whose header declares more pixels than this are refused.
    public var pixels: Int
    /// The memory one decode may use, in bytes: the pixel buffers (samples × channels × bytes per
    /// sample, with the conversions' copies) and libjpeg's working memory (a progressive JPEG's
    /// coefficient buffers).
    public var imageBytes: Int
    /// At most this many progressive JPEG scans (a tiny file with thousands of scans takes minutes).
    public var scans: Int
    /// A JPEG decode stops after this many seconds.
    public var seconds: Double

    /// Pillow's default decompression-bomb limit (`Image.MAX_IMAGE_PIXELS`): 1024 × 1024 × 1024 / 4 / 3.
    public static let defaultPixels = 178_956_970
    /// 512 MiB per image: a 64-megapixel RGB photo fits; a bomb does not.
    public static let defaultImageBytes = 512 << 20
    /// libjpeg-turbo's advice for untrusted files is a few hundred at most; real files have ≤ 20.
    public static let defaultScans = 200
    public static let defaultSeconds = 10.0
    public static let standard = DecodeLimits()

    public init(
        pixels: Int = DecodeLimits.defaultPixels, imageBytes: Int = DecodeLimits.defaultImageBytes,
        scans: Int = DecodeLimits.defaultScans, seconds: Double = DecodeLimits.defaultSeconds
    ) {
        self.pixels = pixels
        self.imageBytes = imageBytes
        self.scans = scans
        self.seconds = seconds
    }

    /// The first limit that is not a positive, finite number, as "flag: problem"; nil when all are.
    public var problem: String? {
        if pixels <= 0 { return "--max-pixels: expected a positive number of pixels, got \(pixels)" }
        if imageBytes <= 0 { return "--max-image-bytes: expected a positive number of bytes, got \(imageBytes)" }
        if scans <= 0 { return "--max-scans: expected a positive number of scans, got \(scans)" }
        if !(seconds > 0) || !seconds.isFinite { return "--max-decode-seconds: expected a positive, finite number of seconds, got \(seconds)" }
        return nil
    }
}
