import ArgumentParser
import VisionImage

/// The decode limits every command that reads images shares (decode, data inspect, train, tune,
/// evaluate, infer): one set of flags, one `DecodeLimits`, so an image is refused the same way
/// everywhere.
struct DecodeLimitOptions: ParsableArguments {
    @Option(name: .customLong("max-pixels"), help: "Refuse images with more pixels than this (Pillow's limit by default).")
    var maxPixels: Int = DecodeLimits.defaultPixels

    @Option(
        name: .customLong("max-image-bytes"),
        help: "Refuse an image whose decode would need more memory than this (bytes, or with a unit: 512MiB, 1GB).")
    var maxImageBytes = ByteCount(bytes: DecodeLimits.defaultImageBytes)

    @Option(name: .customLong("max-scans"), help: "Stop a progressive JPEG after this many scans.")
    var maxScans: Int = DecodeLimits.defaultScans

    @Option(name: .customLong("max-decode-seconds"), help: "Stop a JPEG decode after this many seconds.")
    var maxDecodeSeconds: Double = DecodeLimits.defaultSeconds

    var limits: DecodeLimits {
        DecodeLimits(pixels: maxPixels, imageBytes: maxImageBytes.bytes, scans: maxScans, seconds: maxDecodeSeconds)
    }

    func validate() throws {
        if let problem = limits.problem { throw ValidationError(problem) }
    }
}
