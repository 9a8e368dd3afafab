/// The channel layout a caller wants from the decoder.
public enum ChannelLayout: String, Sendable, Codable, CaseIterable {
    /// As stored: 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA (palettes become RGB, or RGBA with tRNS).
    case asStored = "stored"
    case gray
    case rgb
    case rgba

    /// The channel count this layout produces, or nil for `asStored`.
    public var channelCount: Int? {
        switch self {
        case .asStored: return nil
        case .gray: return 1
        case .rgb: return 3
        case .rgba: return 4
        }
    }
}

/// How to decode: channel layout, size hint, safety limits, and what to do with damaged files.
public struct DecodeOptions: Sendable, Equatable {
    public var layout: ChannelLayout
    /// The image will be resized to at least this size next: the decoder may return a smaller
    /// image than stored (JPEG DCT scaling by 1/2, 1/4 or 1/8) as long as both sides stay at or
    /// above it. Given for the upright image (after EXIF orientation).
    public var sizeHint: (width: Int, height: Int)?
    /// Apply the EXIF orientation so that pixels come out upright.
    public var applyOrientation: Bool
    /// A truncated file is an error by default. When true, the decoder returns what it could
    /// decode (PNG: missing rows are zero; JPEG: libjpeg's grey fill) and marks it `isTruncated`,
    /// as Pillow's `LOAD_TRUNCATED_IMAGES` does. Corrupt data stays an error.
    public var allowTruncated: Bool
    /// Pixels, bytes, scans and seconds one decode may cost.
    public var limits: DecodeLimits

    public init(
        layout: ChannelLayout = .asStored,
        sizeHint: (width: Int, height: Int)? = nil,
        limits: DecodeLimits = .standard,
        applyOrientation: Bool = true,
        allowTruncated: Bool = false
    ) {
        self.layout = layout
        self.sizeHint = sizeHint
        self.limits = limits
        self.applyOrientation = applyOrientation
        self.allowTruncated = allowTruncated
    }

    public static func == (lhs: DecodeOptions, rhs: DecodeOptions) -> Bool {
        lhs.layout == rhs.layout && lhs.sizeHint?.width == rhs.sizeHint?.width
            && lhs.sizeHint?.height == rhs.sizeHint?.height
            && lhs.applyOrientation == rhs.applyOrientation && lhs.allowTruncated == rhs.allowTruncated && lhs.limits == rhs.limits
    }
}

/// A decoded image and what the file said about itself.
public struct DecodedImage: Sendable {
    public var image: Image
    public var format: ImageFormat
    /// Bits per sample as stored (1, 2, 4, 8 or 16 for PNG; 8 for JPEG).
    public var bitDepth: Int
    /// Channels as stored in the file (after palette expansion), before any layout conversion.
    public var storedChannels: Int
    /// The EXIF orientation tag (1–8; 1 when absent).
    public var orientation: Int
    /// Width and height as stored in the file, before orientation and DCT scaling.
    public var storedWidth: Int
    public var storedHeight: Int
    /// Adam7 PNG or progressive JPEG.
    public var isInterlaced: Bool
    /// Only with `allowTruncated`: the file ended early and part of the image is filler.
    public var isTruncated: Bool
}
