/// An 8-bit image: `height` rows of `width` pixels of `channels` samples, row-major H×W×C.
///
/// Channels are 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA).
public struct Image: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public var pixels: [UInt8]

    /// Wraps `pixels`; throws when their count is not `width * height * channels`.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) throws(ImageError) {
        guard width > 0, height > 0 else {
            throw .invalidImage("expected a positive width and height, got \(width)×\(height)")
        }
        guard (1...4).contains(channels) else {
            throw .invalidImage("expected 1, 2, 3 or 4 channels, got \(channels)")
        }
        guard pixels.count == width * height * channels else {
            throw .invalidImage(
                "expected \(width * height * channels) samples for \(width)×\(height)×\(channels), got \(pixels.count)"
            )
        }
        self.init(unchecked: width, height: height, channels: channels, pixels: pixels)
    }

    /// A black (zero) image.
    public init(width: Int, height: Int, channels: Int) throws(ImageError) {
        guard width > 0, height > 0, (1...4).contains(channels) else {
            throw .invalidImage("expected a positive size and 1–4 channels, got \(width)×\(height)×\(channels)")
        }
        self.init(
            unchecked: width, height: height, channels: channels,
            pixels: [UInt8](repeating: 0, count: width * height * channels))
    }

    /// For callers inside the module that have already checked the shape.
    init(unchecked width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// The sample at row `y`, column `x`, channel `c`.
    public subscript(y: Int, x: Int, c: Int) -> UInt8 {
        get { pixels[(y * width + x) * channels + c] }
        set { pixels[(y * width + x) * channels + c] = newValue }
    }
}

extension Image {
    /// Whether a colour image holds only gray: R, G and B within `tolerance` of each other at
    /// every point of a grid of at most 64 × 64 samples (a JPEG of gray content keeps them equal,
    /// give or take rounding). Gray and gray + alpha images answer false: they store gray as gray.
    public func storesGrayAsColour(tolerance: Int = 2) -> Bool {
        guard channels >= 3, width > 0, height > 0 else { return false }
        let rows = min(height, 64), columns = min(width, 64)
        for row in 0..<rows {
            let y = row * height / rows
            for column in 0..<columns {
                let base = (y * width + column * width / columns) * channels
                let r = Int(pixels[base]), g = Int(pixels[base + 1]), b = Int(pixels[base + 2])
                if abs(r - g) > tolerance || abs(g - b) > tolerance { return false }
            }
        }
        return true
    }
}
