/// Crops a random region (area fraction in `scale`, aspect ratio in `ratio`, log-uniform) and
/// resizes it to width × height: torchvision's RandomResizedCrop, same sampling and fallback.
public struct RandomResizedCrop: RandomTransform {
    public struct Parameters: Sendable, Equatable {
        public var x: Int, y: Int, width: Int, height: Int

        public init(x: Int, y: Int, width: Int, height: Int) {
            self.x = x
            self.y = y
            self.width = width
            self.height = height
        }
    }

    public let width: Int, height: Int
    public let scale: ClosedRange<Double>
    public let ratio: ClosedRange<Double>
    public let antialias: Bool

    public init(
        width: Int, height: Int, scale: ClosedRange<Double> = 0.08...1.0, ratio: ClosedRange<Double> = (3.0 / 4)...(4.0 / 3),
        antialias: Bool = true
    ) throws(TransformError) {
        guard width > 0, height > 0 else {
            throw .invalidParameter(transform: "RandomResizedCrop", detail: "expected a positive size, got \(width)×\(height)")
        }
        guard scale.lowerBound > 0, scale.upperBound <= 1, ratio.lowerBound > 0 else {
            throw .invalidParameter(
                transform: "RandomResizedCrop", detail: "expected scale within (0, 1] and positive ratios, got scale \(scale), ratio \(ratio)")
        }
        self.width = width
        self.height = height
        self.scale = scale
        self.ratio = ratio
        self.antialias = antialias
    }

    public func parameters(width imageWidth: Int, height imageHeight: Int, using generator: inout RandomGenerator) -> Parameters {
        let area = Double(imageWidth * imageHeight)
        let logRatio = (_log(ratio.lowerBound), _log(ratio.upperBound))
        for _ in 0..<10 {
            let targetArea = area * generator.uniform(scale.lowerBound, scale.upperBound)
            let aspect = _exp(generator.uniform(logRatio.0, logRatio.1))
            let w = Int((targetArea * aspect).squareRoot().rounded(.toNearestOrEven))
            let h = Int((targetArea / aspect).squareRoot().rounded(.toNearestOrEven))
            if w > 0 && w <= imageWidth && h > 0 && h <= imageHeight {
                let y = generator.int(below: imageHeight - h + 1)
                let x = generator.int(below: imageWidth - w + 1)
                return Parameters(x: x, y: y, width: w, height: h)
            }
        }
        // Fallback: the central crop with the ratio clamped into range.
        let inRatio = Double(imageWidth) / Double(imageHeight)
        var w = imageWidth, h = imageHeight
        if inRatio < ratio.lowerBound {
            h = Int((Double(w) / ratio.lowerBound).rounded(.toNearestOrEven))
        } else if inRatio > ratio.upperBound {
            w = Int((Double(h) * ratio.upperBound).rounded(.toNearestOrEven))
        }
        return Parameters(x: (imageWidth - w) / 2, y: (imageHeight - h) / 2, width: max(w, 1), height: max(h, 1))
    }

    public var kind: TransformKind { .image }

    public func apply(_ input: PipelineValue, with p: Parameters) throws(TransformError) -> PipelineValue {
        let image = try input.requireImage(description)
        return .image(
            try Resampler.resize(image, width: width, height: height, box: (p.x, p.y, p.width, p.height), antialias: antialias))
    }

    public var description: String {
        "RandomResizedCrop(size=(\(height), \(width)), scale=\(describe([scale.lowerBound, scale.upperBound])), ratio=\(describe([ratio.lowerBound, ratio.upperBound])), antialias=\(antialias))"
    }
}

/// Pads each side by `padding` (with `fill`), then crops width × height at a random position;
/// with `padIfNeeded`, images smaller than the crop are padded up to it first (torchvision).
public struct RandomCrop: RandomTransform {
    public struct Parameters: Sendable, Equatable {
        public var x: Int, y: Int

        public init(x: Int, y: Int) {
            self.x = x
            self.y = y
        }
    }

    public let width: Int, height: Int
    public let padding: Int
    public let padIfNeeded: Bool
    public let fill: UInt8

    public init(width: Int, height: Int, padding: Int = 0, padIfNeeded: Bool = false, fill: UInt8 = 0) throws(TransformError) {
        guard width > 0, height > 0, padding >= 0 else {
            throw .invalidParameter(
                transform: "RandomCrop", detail: "expected a positive size and padding >= 0, got \(width)×\(height), padding \(padding)")
        }
        self.width = width
        self.height = height
        self.padding = padding
        self.padIfNeeded = padIfNeeded
        self.fill = fill
    }

    private func paddedSize(_ w: Int, _ h: Int) -> (Int, Int, Int, Int) {
        var pw = w + 2 * padding, ph = h + 2 * padding
        var extraX = 0, extraY = 0
        if padIfNeeded && pw < width { extraX = width - pw; pw = width }
        if padIfNeeded && ph < height { extraY = height - ph; ph = height }
        return (pw, ph, extraX, extraY)
    }

    public func parameters(width imageWidth: Int, height imageHeight: Int, using generator: inout RandomGenerator) -> Parameters {
        let (pw, ph, _, _) = paddedSize(imageWidth, imageHeight)
        let y = generator.int(below: max(ph - height + 1, 1))
        let x = generator.int(below: max(pw - width + 1, 1))
        return Parameters(x: x, y: y)
    }

    public var kind: TransformKind { .image }

    public func apply(_ input: PipelineValue, with p: Parameters) throws(TransformError) -> PipelineValue {
        let image = try input.requireImage(description)
        let (pw, ph, extraX, extraY) = paddedSize(image.width, image.height)
        guard pw >= width && ph >= height else {
            throw .invalidParameter(
                transform: description, detail: "expected an image of at least \(width)×\(height) after padding, got \(pw)×\(ph)")
        }
        // Crop coordinates in the padded frame map to the original by subtracting the padding.
        return .image(
            try Geometry.crop(image, x: p.x - padding - extraX, y: p.y - padding - extraY, width: width, height: height, fill: fill))
    }

    public var description: String {
        "RandomCrop(size=(\(height), \(width)), padding=\(padding), pad_if_needed=\(padIfNeeded), fill=\(fill))"
    }
}

/// Mirrors left–right with probability `p`.
public struct RandomHorizontalFlip: RandomTransform {
    public let p: Double

    public init(p: Double = 0.5) throws(TransformError) {
        guard (0...1).contains(p) else { throw .invalidParameter(transform: "RandomHorizontalFlip", detail: "expected p in [0, 1], got \(p)") }
        self.p = p
    }

    public func parameters(width: Int, height: Int, using generator: inout RandomGenerator) -> Bool { generator.uniform() < p }

    public var kind: TransformKind { .any }

    public func apply(_ input: PipelineValue, with flip: Bool) throws(TransformError) -> PipelineValue {
        guard flip else { return input }
        switch input {
        case .image(let image): return .image(try Geometry.flipHorizontal(image))
        case .tensor(let tensor): return .tensor(Geometry.flipHorizontal(tensor))
        }
    }

    public var description: String { "RandomHorizontalFlip(p=\(describe(p)))" }
}

/// Mirrors top–bottom with probability `p`.
public struct RandomVerticalFlip: RandomTransform {
    public let p: Double

    public init(p: Double = 0.5) throws(TransformError) {
        guard (0...1).contains(p) else { throw .invalidParameter(transform: "RandomVerticalFlip", detail: "expected p in [0, 1], got \(p)") }
        self.p = p
    }

    public func parameters(width: Int, height: Int, using generator: inout RandomGenerator) -> Bool { generator.uniform() < p }

    public var kind: TransformKind { .any }

    public func apply(_ input: PipelineValue, with flip: Bool) throws(TransformError) -> PipelineValue {
        guard flip else { return input }
        switch input {
        case .image(let image): return .image(try Geometry.flipVertical(image))
        case .tensor(let tensor): return .tensor(Geometry.flipVertical(tensor))
        }
    }

    public var description: String { "RandomVerticalFlip(p=\(describe(p)))" }
}

/// Rotates by an angle drawn uniformly from `degrees` (counter-clockwise, about the centre, same
/// size, bilinear), filling uncovered pixels with `fill` (torchvision's tensor path).
public struct RandomRotation: RandomTransform {
    public let degrees: ClosedRange<Double>
    public let fill: [Double]

    public init(degrees: ClosedRange<Double>, fill: [Double] = [0]) throws(TransformError) {
        guard degrees.lowerBound.isFinite, degrees.upperBound.isFinite else {
            throw .invalidParameter(transform: "RandomRotation", detail: "expected finite degrees, got \(degrees)")
        }
        self.degrees = degrees
        self.fill = fill
    }

    /// Angles in [−degrees, degrees].
    public init(degrees: Double, fill: [Double] = [0]) throws(TransformError) {
        try self.init(degrees: -abs(degrees)...abs(degrees), fill: fill)
    }

    public func parameters(width: Int, height: Int, using generator: inout RandomGenerator) -> Double {
        generator.uniform(degrees.lowerBound, degrees.upperBound)
    }

    public var kind: TransformKind { .image }

    public func apply(_ input: PipelineValue, with angle: Double) throws(TransformError) -> PipelineValue {
        .image(try Geometry.rotate(try input.requireImage(description), degrees: angle, fill: fill))
    }

    public var description: String { "RandomRotation(degrees=\(describe([degrees.lowerBound, degrees.upperBound])), fill=\(describe(fill)))" }
}

/// Rotates by 0, 90, 180 or 270 degrees, uniformly (exact; for textures and parts without an up).
public struct RandomRotation90: RandomTransform {
    public init() {}

    public func parameters(width: Int, height: Int, using generator: inout RandomGenerator) -> Int { generator.int(below: 4) }

    public var kind: TransformKind { .image }

    public func apply(_ input: PipelineValue, with quarterTurns: Int) throws(TransformError) -> PipelineValue {
        .image(try Geometry.rotate90(try input.requireImage(description), quarterTurns: quarterTurns))
    }

    public var description: String { "RandomRotation90()" }
}
