/// Resizes with bilinear interpolation, antialiased when shrinking (Pillow / torchvision).
public struct Resize: Transform {
    /// How the output size follows from the input size.
    public enum Mode: Sendable, Equatable {
        /// Exactly width × height (aspect ratio not kept).
        case exact(width: Int, height: Int)
        /// Shorter side to `side`, aspect kept (torchvision `Resize(int)`: the longer side is
        /// truncated, `int(side * long / short)`), the longer side capped at `maxSize` if given.
        case shorterSide(Int, maxSize: Int?)
        /// Fit inside width × height keeping the aspect ratio, centred, padded with `fill`.
        case letterbox(width: Int, height: Int, fill: UInt8)
    }

    public let mode: Mode
    public let antialias: Bool

    public init(_ mode: Mode, antialias: Bool = true) throws(TransformError) {
        let sides: [Int]
        switch mode {
        case .exact(let w, let h), .letterbox(let w, let h, _): sides = [w, h]
        case .shorterSide(let s, let maxSize): sides = [s] + (maxSize.map { [$0] } ?? [])
        }
        guard sides.allSatisfy({ $0 > 0 }) else {
            throw .invalidParameter(transform: "Resize", detail: "expected positive sizes, got \(sides)")
        }
        if case .shorterSide(let s, let maxSize?) = mode, maxSize <= s {
            throw .invalidParameter(transform: "Resize", detail: "expected maxSize > \(s), got \(maxSize)")
        }
        self.mode = mode
        self.antialias = antialias
    }

    /// Square `side`×`side`.
    public init(side: Int) throws(TransformError) { try self.init(.exact(width: side, height: side)) }

    /// Resizes float tensors too (no rounding), except letterboxing, whose fill is 8-bit.
    public var kind: TransformKind {
        if case .letterbox = mode { return .image }
        return .any
    }

    /// The output size for an input size (before letterbox padding, the resized content).
    public func outputSize(width: Int, height: Int) -> (width: Int, height: Int) {
        switch mode {
        case .exact(let w, let h):
            return (w, h)
        case .shorterSide(let side, let maxSize):
            let short = min(width, height), long = max(width, height)
            // Never zero: a 3000×10 strip capped by maxSize would otherwise get a zero side.
            var newShort = side, newLong = max(1, Int(Double(side) * Double(long) / Double(max(short, 1))))
            if let maxSize, newLong > maxSize {
                newShort = max(1, Int(Double(maxSize) * Double(newShort) / Double(newLong)))
                newLong = maxSize
            }
            return width <= height ? (newShort, newLong) : (newLong, newShort)
        case .letterbox(let w, let h, _):
            let scale = min(Double(w) / Double(width), Double(h) / Double(height))
            return (max(1, min(w, Int((Double(width) * scale).rounded()))), max(1, min(h, Int((Double(height) * scale).rounded()))))
        }
    }

    public func apply(_ input: PipelineValue, using generator: inout RandomGenerator) throws(TransformError) -> PipelineValue {
        let size = outputSize(width: input.width, height: input.height)
        switch input {
        case .tensor(let tensor):
            if case .letterbox = mode { throw .expectedImage(transform: description) }
            return .tensor(try Resampler.resize(tensor, width: size.width, height: size.height, antialias: antialias))
        case .image(let image):
            let resized = try Resampler.resize(image, width: size.width, height: size.height, antialias: antialias)
            guard case .letterbox(let w, let h, let fill) = mode else { return .image(resized) }
            let left = (w - size.width) / 2, top = (h - size.height) / 2
            return .image(try Geometry.pad(resized, left: left, top: top, right: w - size.width - left, bottom: h - size.height - top, fill: fill))
        }
    }

    /// Every mode needs the decoded image at least this large on both sides (a conservative hint
    /// for shorter-side and letterbox, whose output sides depend on the aspect ratio).
    public var decodeSizeHint: (width: Int, height: Int)? {
        switch mode {
        case .exact(let w, let h): return (w, h)
        case .shorterSide(let s, _): return (s, s)
        case .letterbox(let w, let h, _): return (max(w, h), max(w, h))
        }
    }

    public var description: String {
        switch mode {
        case .exact(let w, let h): return "Resize(size=(\(h), \(w)), antialias=\(antialias))"
        case .shorterSide(let s, let maxSize):
            return "Resize(size=\(s)\(maxSize.map { ", max_size=\($0)" } ?? ""), antialias=\(antialias))"
        case .letterbox(let w, let h, let fill): return "Letterbox(size=(\(h), \(w)), fill=\(fill), antialias=\(antialias))"
        }
    }
}

/// Crops the centre (torchvision: top = round((H − h) / 2), half to even); pads with zeros when
/// the crop is larger than the image.
public struct CenterCrop: Transform {
    public let width: Int
    public let height: Int

    public init(width: Int, height: Int) throws(TransformError) {
        guard width > 0, height > 0 else {
            throw .invalidParameter(transform: "CenterCrop", detail: "expected a positive size, got \(width)×\(height)")
        }
        self.width = width
        self.height = height
    }

    public init(side: Int) throws(TransformError) { try self.init(width: side, height: side) }

    public var kind: TransformKind { .image }

    public func apply(_ input: PipelineValue, using generator: inout RandomGenerator) throws(TransformError) -> PipelineValue {
        let image = try input.requireImage(description)
        let top = Int((Double(image.height - height) / 2).rounded(.toNearestOrEven))
        let left = Int((Double(image.width - width) / 2).rounded(.toNearestOrEven))
        return .image(try Geometry.crop(image, x: left, y: top, width: width, height: height))
    }

    public var description: String { "CenterCrop(size=(\(height), \(width)))" }
}
