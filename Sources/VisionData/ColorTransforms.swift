import VisionImage

/// Random brightness, contrast, saturation and hue, applied in a random order, with
/// torchvision's uint8 tensor arithmetic (blend, clamp, truncate; hue through HSV).
public struct ColorJitter: RandomTransform {
    public struct Parameters: Sendable, Equatable {
        /// Indices 0 brightness, 1 contrast, 2 saturation, 3 hue, in application order.
        public var order: [Int]
        public var brightness: Double?, contrast: Double?, saturation: Double?, hue: Double?

        public init(order: [Int], brightness: Double?, contrast: Double?, saturation: Double?, hue: Double?) {
            self.order = order
            self.brightness = brightness
            self.contrast = contrast
            self.saturation = saturation
            self.hue = hue
        }
    }

    public let brightness: ClosedRange<Double>?
    public let contrast: ClosedRange<Double>?
    public let saturation: ClosedRange<Double>?
    public let hue: ClosedRange<Double>?

    /// Strengths as torchvision: factors drawn from [max(0, 1 − x), 1 + x]; hue from [−h, h],
    /// h ≤ 0.5. Zero disables a component.
    public init(brightness: Double = 0, contrast: Double = 0, saturation: Double = 0, hue: Double = 0) throws(TransformError) {
        for (name, value) in [("brightness", brightness), ("contrast", contrast), ("saturation", saturation)] where !(value >= 0) {
            throw .invalidParameter(transform: "ColorJitter", detail: "expected \(name) >= 0, got \(value)")
        }
        guard hue >= 0 && hue <= 0.5 else { throw .invalidParameter(transform: "ColorJitter", detail: "expected hue in [0, 0.5], got \(hue)") }
        func range(_ x: Double) -> ClosedRange<Double>? { x == 0 ? nil : max(0, 1 - x)...(1 + x) }
        self.brightness = range(brightness)
        self.contrast = range(contrast)
        self.saturation = range(saturation)
        self.hue = hue == 0 ? nil : -hue...hue
    }

    public func parameters(width: Int, height: Int, using generator: inout RandomGenerator) -> Parameters {
        let order = generator.permutation(4)
        func draw(_ range: ClosedRange<Double>?) -> Double? { range.map { generator.uniform($0.lowerBound, $0.upperBound) } }
        let b = draw(brightness), c = draw(contrast), s = draw(saturation), h = draw(hue)
        return Parameters(order: order, brightness: b, contrast: c, saturation: s, hue: h)
    }

    public var kind: TransformKind { .image }

    public func apply(_ input: PipelineValue, with p: Parameters) throws(TransformError) -> PipelineValue {
        var image = try input.requireImage(description)
        for step in p.order {
            switch step {
            case 0: if let f = p.brightness { image = ColorOps.brightness(image, f) }
            case 1: if let f = p.contrast { image = ColorOps.contrast(image, f) }
            case 2: if let f = p.saturation { image = ColorOps.saturation(image, f) }
            default: if let f = p.hue { image = ColorOps.hue(image, f) }
            }
        }
        return .image(image)
    }

    public var description: String {
        func text(_ r: ClosedRange<Double>?) -> String { r.map { describe([$0.lowerBound, $0.upperBound]) } ?? "None" }
        return "ColorJitter(brightness=\(text(brightness)), contrast=\(text(contrast)), saturation=\(text(saturation)), hue=\(text(hue)))"
    }
}

/// Converts to gray (torchvision's 0.2989 R + 0.587 G + 0.114 B, truncated), with 1 or 3
/// output channels.
public struct Grayscale: Transform {
    public let outputChannels: Int

    public init(outputChannels: Int = 1) throws(TransformError) {
        guard outputChannels == 1 || outputChannels == 3 else {
            throw .invalidParameter(transform: "Grayscale", detail: "expected 1 or 3 output channels, got \(outputChannels)")
        }
        self.outputChannels = outputChannels
    }

    public var kind: TransformKind { .image }

    public func apply(_ input: PipelineValue, using generator: inout RandomGenerator) throws(TransformError) -> PipelineValue {
        .image(try ColorOps.grayscale(try input.requireImage(description), channels: outputChannels))
    }

    public var description: String { "Grayscale(num_output_channels=\(outputChannels))" }
}

/// Converts to gray with probability `p`, keeping the channel count (torchvision).
public struct RandomGrayscale: RandomTransform {
    public let p: Double

    public init(p: Double = 0.1) throws(TransformError) {
        guard (0...1).contains(p) else { throw .invalidParameter(transform: "RandomGrayscale", detail: "expected p in [0, 1], got \(p)") }
        self.p = p
    }

    public func parameters(width: Int, height: Int, using generator: inout RandomGenerator) -> Bool { generator.uniform() < p }

    public var kind: TransformKind { .image }

    public func apply(_ input: PipelineValue, with convert: Bool) throws(TransformError) -> PipelineValue {
        let image = try input.requireImage(description)
        guard convert, image.channels >= 3 else { return input }
        return .image(try ColorOps.grayscale(image, channels: image.channels == 4 ? 3 : image.channels))
    }

    public var description: String { "RandomGrayscale(p=\(describe(p)))" }
}

/// torchvision's colour functions on uint8 images (`transforms.functional_tensor`).
enum ColorOps {
    @inline(__always)
    static func truncate(_ v: Float) -> UInt8 { v <= 0 ? 0 : (v >= 255 ? 255 : UInt8(v)) }

    @inline(__always)
    static func gray(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        truncate(0.2989 * Float(r) + 0.587 * Float(g) + 0.114 * Float(b))
    }

    static func brightness(_ image: Image, _ factor: Double) -> Image {
        var out = image
        let f = Float(factor)
        out.pixels.withUnsafeMutableBufferPointer { px in
            for i in 0..<px.count { px[i] = truncate(Float(px[i]) * f) }
        }
        return out
    }

    /// The gray value per pixel (the image itself when it has one or two channels).
    static func grayPlane(_ image: Image) -> [UInt8] {
        let n = image.width * image.height, c = image.channels
        var plane = [UInt8](repeating: 0, count: n)
        image.pixels.withUnsafeBufferPointer { px in
            for i in 0..<n { plane[i] = c >= 3 ? gray(px[i * c], px[i * c + 1], px[i * c + 2]) : px[i * c] }
        }
        return plane
    }

    static func contrast(_ image: Image, _ factor: Double) -> Image {
        let plane = grayPlane(image)
        let mean = Float(plane.reduce(0) { $0 + Int($1) }) / Float(max(plane.count, 1))
        let f = Float(factor), offset = (1 - f) * mean
        var out = image
        let c = image.channels, colour = min(c, 3) == 3 ? 3 : 1
        out.pixels.withUnsafeMutableBufferPointer { px in
            for i in 0..<(image.width * image.height) {
                for k in 0..<colour { px[i * c + k] = truncate(f * Float(px[i * c + k]) + offset) }
            }
        }
        return out
    }

    static func saturation(_ image: Image, _ factor: Double) -> Image {
        guard image.channels >= 3 else { return image }
        let plane = grayPlane(image)
        let f = Float(factor)
        var out = image
        let c = image.channels
        out.pixels.withUnsafeMutableBufferPointer { px in
            for i in 0..<plane.count {
                let g = (1 - f) * Float(plane[i])
                for k in 0..<3 { px[i * c + k] = truncate(f * Float(px[i * c + k]) + g) }
            }
        }
        return out
    }

    static func hue(_ image: Image, _ shift: Double) -> Image {
        guard image.channels >= 3 else { return image }
        var out = image
        let c = image.channels, s = Float(shift)
        out.pixels.withUnsafeMutableBufferPointer { px in
            for i in 0..<(image.width * image.height) {
                let r = Float(px[i * c]) / 255, g = Float(px[i * c + 1]) / 255, b = Float(px[i * c + 2]) / 255
                let maxc = max(r, g, b), minc = min(r, g, b)
                let equal = maxc == minc, chroma = maxc - minc
                let sat = chroma / (equal ? 1 : maxc)
                let divisor = equal ? 1 : chroma
                let rc = (maxc - r) / divisor, gc = (maxc - g) / divisor, bc = (maxc - b) / divisor
                var h: Float
                if maxc == r { h = bc - gc } else if maxc == g { h = 2 + rc - bc } else { h = 4 + gc - rc }
                h = (h / 6 + 1).truncatingRemainder(dividingBy: 1)
                h = (h + s).truncatingRemainder(dividingBy: 1)
                if h < 0 { h += 1 }
                let v = maxc
                let sector = (h * 6).rounded(.down), f = h * 6 - sector
                let p = min(max(v * (1 - sat), 0), 1)
                let q = min(max(v * (1 - sat * f), 0), 1)
                let t = min(max(v * (1 - sat * (1 - f)), 0), 1)
                let rgb: (Float, Float, Float)
                switch ((Int(sector) % 6) + 6) % 6 {
                case 0: rgb = (v, t, p)
                case 1: rgb = (q, v, p)
                case 2: rgb = (p, v, t)
                case 3: rgb = (p, q, v)
                case 4: rgb = (t, p, v)
                default: rgb = (v, p, q)
                }
                px[i * c] = truncate(rgb.0 * 255.999)
                px[i * c + 1] = truncate(rgb.1 * 255.999)
                px[i * c + 2] = truncate(rgb.2 * 255.999)
            }
        }
        return out
    }

    static func grayscale(_ image: Image, channels: Int) throws(TransformError) -> Image {
        let plane = grayPlane(image)
        guard channels == 3 else { return try makeImage(image.width, image.height, 1, plane) }
        var out = [UInt8](repeating: 0, count: plane.count * 3)
        for i in 0..<plane.count {
            out[i * 3] = plane[i]
            out[i * 3 + 1] = plane[i]
            out[i * 3 + 2] = plane[i]
        }
        return try makeImage(image.width, image.height, 3, out)
    }
}
