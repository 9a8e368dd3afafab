import CCodecs

/// Decodes PNG and JPEG files and bytes into `Image`s: format by magic bytes, EXIF orientation,
/// channel layout, DCT-scaled JPEG decoding, and a pixel-count limit checked from the header
/// before any pixel buffer is allocated.
public enum ImageDecoder {
    /// Decodes the file at `path`.
    public static func decode(contentsOf path: String, options: DecodeOptions = DecodeOptions())
        throws(ImageError) -> DecodedImage
    {
        // No legitimate PNG or JPEG is larger than its decoded pixels' budget.
        let bytes = try FileBytes.read(path, maxBytes: options.limits.imageBytes)
        return try decode(bytes, source: path, options: options)
    }

    /// Decodes encoded bytes; `source` names them in errors.
    public static func decode(
        _ bytes: [UInt8], source: String = "<memory>", options: DecodeOptions = DecodeOptions()
    ) throws(ImageError) -> DecodedImage {
        guard !bytes.isEmpty else { throw .emptyFile(path: source) }
        guard let format = ImageFormat.detect(bytes) else {
            if ImageFormat.looksLikeDamagedPNG(bytes) {
                throw .corrupt(
                    path: source, format: .png,
                    detail: "damaged signature \(ImageFormat.describeStart(bytes)), expected 89 50 4e 47 0d 0a 1a 0a")
            }
            throw .unknownFormat(path: source, firstBytes: ImageFormat.describeStart(bytes))
        }
        var decoded: DecodedImage
        do {
            decoded = try bytes.withUnsafeBufferPointer { buffer throws(ImageError) in
                switch format {
                case .png: return try decodePNG(buffer, source: source, options: options)
                case .jpeg: return try decodeJPEG(buffer, source: source, options: options)
                }
            }
        }
        if options.applyOrientation && decoded.orientation != 1 {
            decoded.image = decoded.image.applyingOrientation(decoded.orientation)
        }
        decoded.image = decoded.image.converted(to: options.layout)
        return decoded
    }

    // MARK: - PNG

    private static func decodePNG(
        _ data: UnsafeBufferPointer<UInt8>, source: String, options: DecodeOptions
    ) throws(ImageError) -> DecodedImage {
        var decoder: OpaquePointer?
        var info = vc_info()
        var message = MessageBuffer()
        defer { vc_png_close(decoder) }
        let opened = message.withPointer { vc_png_open(data.baseAddress, data.count, &decoder, &info, $0) }
        try check(opened, format: .png, source: source, message: message)
        try checkLimit(info, format: .png, source: source, options: options)
        var truncated = false
        let pixels = try readPixels(info: &info) { (buffer, info) throws(ImageError) in
            let status = message.withPointer { vc_png_read(decoder, buffer, &info, $0) }
            if status == VC_TRUNCATED && options.allowTruncated {
                truncated = true
                return
            }
            try check(status, format: .png, source: source, message: message)
        }
        return DecodedImage(
            image: Image(unchecked: Int(info.width), height: Int(info.height), channels: Int(info.channels), pixels: pixels),
            format: .png, bitDepth: Int(info.bit_depth), storedChannels: Int(info.channels),
            orientation: orientation(of: info),  // an eXIf chunk may follow the pixel data
            storedWidth: Int(info.source_width), storedHeight: Int(info.source_height),
            isInterlaced: info.interlaced != 0, isTruncated: truncated)
    }

    // MARK: - JPEG

    private static func decodeJPEG(
        _ data: UnsafeBufferPointer<UInt8>, source: String, options: DecodeOptions
    ) throws(ImageError) -> DecodedImage {
        var decoder: OpaquePointer?
        var info = vc_info()
        var message = MessageBuffer()
        defer { vc_jpeg_close(decoder) }
        let opened = message.withPointer { vc_jpeg_open(data.baseAddress, data.count, &decoder, &info, $0) }
        try check(opened, format: .jpeg, source: source, message: message)
        try checkLimit(info, format: .jpeg, source: source, options: options)
        vc_jpeg_set_limits(decoder, UInt32(clamping: max(options.limits.scans, 0)), options.limits.seconds, max(options.limits.imageBytes, 0))
        let orientation = orientation(of: info)
        if let hint = options.sizeHint {
            let upright = orientation >= 5 ? (hint.height, hint.width) : (hint.width, hint.height)
            let denominator = scaleDenominator(
                width: Int(info.source_width), height: Int(info.source_height),
                atLeast: upright.0, upright.1)
            if denominator > 1 {
                let scaled = message.withPointer { vc_jpeg_set_scale(decoder, UInt32(denominator), &info, $0) }
                try check(scaled, format: .jpeg, source: source, message: message)
            }
        }
        var truncated = false
        let pixels = try readPixels(info: &info) { (buffer, info) throws(ImageError) in
            let status = message.withPointer { vc_jpeg_read(decoder, buffer, &info, $0) }
            if status == VC_TRUNCATED && options.allowTruncated {
                truncated = true
                return
            }
            try check(status, format: .jpeg, source: source, message: message)
        }
        return DecodedImage(
            image: Image(unchecked: Int(info.width), height: Int(info.height), channels: Int(info.channels), pixels: pixels),
            format: .jpeg, bitDepth: Int(info.bit_depth), storedChannels: Int(info.channels),
            orientation: orientation,
            storedWidth: Int(info.source_width), storedHeight: Int(info.source_height),
            isInterlaced: info.interlaced != 0, isTruncated: truncated)
    }

    /// The largest libjpeg-turbo DCT scale (1/1, 1/2, 1/4, 1/8) that keeps both sides at or above
    /// the requested size; libjpeg rounds scaled sides up.
    static func scaleDenominator(width: Int, height: Int, atLeast targetWidth: Int, _ targetHeight: Int) -> Int {
        for denominator in [8, 4, 2] {
            let scaledWidth = (width + denominator - 1) / denominator
            let scaledHeight = (height + denominator - 1) / denominator
            if scaledWidth >= targetWidth && scaledHeight >= targetHeight { return denominator }
        }
        return 1
    }

    // MARK: - Shared

    private static func checkLimit(_ info: vc_info, format: ImageFormat, source: String, options: DecodeOptions)
        throws(ImageError)
    {
        let width = Int(info.source_width), height = Int(info.source_height)
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        if overflow || pixels > options.limits.pixels {
            throw .tooLarge(path: source, width: width, height: height, limit: options.limits.pixels)
        }
        if width == 0 || height == 0 {
            throw .corrupt(path: source, format: format, detail: "the header declares a \(width)×\(height) image")
        }
        // The bytes the decode holds at once, from the header: the samples as stored (16-bit
        // PNGs take two bytes each; palettes and gray with alpha may expand to four channels),
        // and the converted copy the caller gets.
        let bytesPerSample = info.bit_depth > 8 ? 2 : 1
        let stored = max(Int(info.channels), format == .png ? 4 : Int(info.channels))
        let (samples, o1) = pixels.multipliedReportingOverflow(by: stored * bytesPerSample + Int(info.channels))
        if o1 || samples > options.limits.imageBytes {
            throw .tooCostly(
                path: source,
                detail: "a \(width)×\(height) image needs about \(o1 ? "too many" : String(samples / 1_048_576 + 1)) MiB to decode, over the limit of \(options.limits.imageBytes / 1_048_576) MiB (raise --max-image-bytes if the file is trusted)")
        }
    }

    private static func orientation(of info: vc_info) -> Int {
        guard let exif = info.exif, info.exif_size > 0 else { return 1 }
        return EXIFOrientation.parse(UnsafeRawBufferPointer(start: exif, count: info.exif_size))
    }

    /// Allocates the pixel buffer (zeroed, so that rows a truncated file never reached are black)
    /// and lets `read` fill it.
    private static func readPixels(
        info: inout vc_info,
        _ read: (UnsafeMutablePointer<UInt8>, inout vc_info) throws(ImageError) -> Void
    ) throws(ImageError) -> [UInt8] {
        let count = Int(info.width) * Int(info.height) * Int(info.channels)
        var pixels = [UInt8](repeating: 0, count: count)
        var failure: ImageError?
        pixels.withUnsafeMutableBufferPointer { buffer in
            do throws(ImageError) {
                try read(buffer.baseAddress!, &info)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return pixels
    }

    private static func check(_ status: vc_status, format: ImageFormat, source: String, message: MessageBuffer)
        throws(ImageError)
    {
        let detail = message.text
        switch status {
        case VC_OK: return
        case VC_TRUNCATED: throw .truncated(path: source, format: format, detail: detail)
        case VC_UNSUPPORTED: throw .unsupported(path: source, format: format, detail: detail)
        case VC_NO_MEMORY: throw .outOfMemory(path: source)
        case VC_TOO_COSTLY: throw .tooCostly(path: source, detail: detail)
        default: throw .corrupt(path: source, format: format, detail: detail)
        }
    }
}

/// A fixed C buffer for the shim's one-line messages.
struct MessageBuffer {
    private var storage = [CChar](repeating: 0, count: Int(VC_MESSAGE_CAPACITY))

    mutating func withPointer<R>(_ body: (UnsafeMutablePointer<CChar>) -> R) -> R {
        storage.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }

    var text: String {
        storage.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
