import VisionImage

/// 8-bit H×W×C image to Float C×H×W in [0, 1] (value / 255, as torchvision's ToTensor).
public struct ToTensor: Transform {
    public init() {}

    public var kind: TransformKind { .imageToTensor }

    public func apply(_ input: PipelineValue, using generator: inout RandomGenerator) throws(TransformError) -> PipelineValue {
        .tensor(ToTensor.convert(try input.requireImage(description), mean: nil, std: nil))
    }

    /// Planar float conversion, optionally normalised in the same pass: ((v / 255) − mean) / std
    /// in Float, the same operations in the same order as ToTensor then Normalize.
    static func convert(_ image: Image, mean: [Float]?, std: [Float]?) -> FloatImage {
        let c = image.channels, n = image.width * image.height
        var values = [Float](repeating: 0, count: c * n)
        image.pixels.withUnsafeBufferPointer { src in
            values.withUnsafeMutableBufferPointer { dst in
                for k in 0..<c {
                    let plane = k * n
                    if let mean, let std {
                        let m = mean[k], s = std[k]
                        for i in 0..<n { dst[plane + i] = (Float(src[i * c + k]) / 255 - m) / s }
                    } else {
                        for i in 0..<n { dst[plane + i] = Float(src[i * c + k]) / 255 }
                    }
                }
            }
        }
        return FloatImage(unchecked: c, height: image.height, width: image.width, values: values)
    }

    public var description: String { "ToTensor()" }
}

/// (x − mean[c]) / std[c] per channel; one value applies to every channel.
public struct Normalize: Transform {
    public let mean: [Double]
    public let std: [Double]

    /// ImageNet statistics, torchvision's usual defaults.
    public static let imagenetMean = [0.485, 0.456, 0.406]
    public static let imagenetStd = [0.229, 0.224, 0.225]

    public init(mean: [Double], std: [Double]) throws(TransformError) {
        guard !mean.isEmpty, mean.count == std.count else {
            throw .invalidParameter(transform: "Normalize", detail: "expected as many means as stds, got \(mean.count) and \(std.count)")
        }
        guard std.allSatisfy({ $0 > 0 && $0.isFinite }), mean.allSatisfy(\.isFinite) else {
            throw .invalidParameter(transform: "Normalize", detail: "expected finite means and positive stds, got std \(std)")
        }
        self.mean = mean
        self.std = std
    }

    /// Per-channel Float32 values, as torchvision converts them, for `channels` channels.
    func perChannel(_ channels: Int) throws(TransformError) -> ([Float], [Float]) {
        guard mean.count == channels || mean.count == 1 else {
            throw .invalidParameter(transform: description, detail: "expected \(mean.count) channels, got \(channels)")
        }
        let m = (0..<channels).map { Float(mean[min($0, mean.count - 1)]) }
        let s = (0..<channels).map { Float(std[min($0, std.count - 1)]) }
        return (m, s)
    }

    public var kind: TransformKind { .tensor }

    public func apply(_ input: PipelineValue, using generator: inout RandomGenerator) throws(TransformError) -> PipelineValue {
        var tensor = try input.requireTensor(description)
        let (m, s) = try perChannel(tensor.channels)
        let n = tensor.width * tensor.height
        tensor.values.withUnsafeMutableBufferPointer { v in
            for k in 0..<tensor.channels {
                for i in (k * n)..<((k + 1) * n) { v[i] = (v[i] - m[k]) / s[k] }
            }
        }
        return .tensor(tensor)
    }

    public var description: String { "Normalize(mean=\(describe(mean)), std=\(describe(std)))" }
}

/// ToTensor followed by Normalize in one pass (made by Compose; same results).
struct FusedToTensorNormalize: Transform {
    let normalize: Normalize

    var kind: TransformKind { .imageToTensor }

    func apply(_ input: PipelineValue, using generator: inout RandomGenerator) throws(TransformError) -> PipelineValue {
        let image = try input.requireImage(description)
        let (m, s) = try normalize.perChannel(image.channels)
        return .tensor(ToTensor.convert(image, mean: m, std: s))
    }

    var description: String { "ToTensor()\n" + normalize.description }
}

/// Adds gaussian noise (mean, sigma) to a float tensor, clipped to [0, 1] by default
/// (torchvision v2's GaussianNoise). The noise comes from a seed drawn as the parameter.
public struct GaussianNoise: RandomTransform {
    public let mean: Double
    public let sigma: Double
    public let clip: Bool

    public init(mean: Double = 0, sigma: Double = 0.1, clip: Bool = true) throws(TransformError) {
        guard sigma >= 0, sigma.isFinite, mean.isFinite else {
            throw .invalidParameter(transform: "GaussianNoise", detail: "expected a finite sigma >= 0, got \(sigma)")
        }
        self.mean = mean
        self.sigma = sigma
        self.clip = clip
    }

    public func parameters(width: Int, height: Int, using generator: inout RandomGenerator) -> UInt64 { generator.next() }

    public var kind: TransformKind { .tensor }

    public func apply(_ input: PipelineValue, with seed: UInt64) throws(TransformError) -> PipelineValue {
        var tensor = try input.requireTensor(description)
        var noise = RandomGenerator(seed: seed)
        let m = Float(mean), s = Float(sigma)
        tensor.values.withUnsafeMutableBufferPointer { v in
            for i in 0..<v.count {
                let x = v[i] + Float(noise.normal()) * s + m
                v[i] = clip ? min(max(x, 0), 1) : x
            }
        }
        return .tensor(tensor)
    }

    public var description: String { "GaussianNoise(mean=\(describe(mean)), sigma=\(describe(sigma)), clip=\(clip))" }
}

/// With probability `p`, sets a random rectangle (area fraction in `scale`, aspect in `ratio`)
/// of a float tensor to `value` (torchvision's RandomErasing, "cutout").
public struct RandomErasing: RandomTransform {
    /// The erased rectangle.
    public struct Region: Sendable, Equatable {
        public var x: Int, y: Int, width: Int, height: Int

        public init(x: Int, y: Int, width: Int, height: Int) {
            self.x = x
            self.y = y
            self.width = width
            self.height = height
        }
    }

    /// The rectangle to erase, or nil to leave the tensor alone.
    public typealias Parameters = Region?

    public let p: Double
    public let scale: ClosedRange<Double>
    public let ratio: ClosedRange<Double>
    public let value: Float

    public init(
        p: Double = 0.5, scale: ClosedRange<Double> = 0.02...0.33, ratio: ClosedRange<Double> = 0.3...3.3, value: Float = 0
    ) throws(TransformError) {
        guard (0...1).contains(p), scale.lowerBound >= 0, scale.upperBound <= 1, ratio.lowerBound > 0 else {
            throw .invalidParameter(
                transform: "RandomErasing", detail: "expected p and scale within [0, 1] and positive ratios, got p \(p), scale \(scale), ratio \(ratio)")
        }
        self.p = p
        self.scale = scale
        self.ratio = ratio
        self.value = value
    }

    public func parameters(width: Int, height: Int, using generator: inout RandomGenerator) -> Region? {
        guard generator.uniform() < p else { return nil }
        let area = Double(width * height)
        let logRatio = (_log(ratio.lowerBound), _log(ratio.upperBound))
        for _ in 0..<10 {
            let eraseArea = area * generator.uniform(scale.lowerBound, scale.upperBound)
            let aspect = _exp(generator.uniform(logRatio.0, logRatio.1))
            let h = Int((eraseArea * aspect).squareRoot().rounded(.toNearestOrEven))
            let w = Int((eraseArea / aspect).squareRoot().rounded(.toNearestOrEven))
            guard h < height && w < width else { continue }
            let y = generator.int(below: height - h + 1), x = generator.int(below: width - w + 1)
            return Region(x: x, y: y, width: w, height: h)
        }
        return nil
    }

    public var kind: TransformKind { .tensor }

    public func apply(_ input: PipelineValue, with region: Region?) throws(TransformError) -> PipelineValue {
        var tensor = try input.requireTensor(description)
        guard let r = region else { return .tensor(tensor) }
        for c in 0..<tensor.channels {
            for y in r.y..<(r.y + r.height) {
                let row = (c * tensor.height + y) * tensor.width
                for x in r.x..<(r.x + r.width) { tensor.values[row + x] = value }
            }
        }
        return .tensor(tensor)
    }

    public var description: String {
        "RandomErasing(p=\(describe(p)), scale=\(describe([scale.lowerBound, scale.upperBound])), ratio=\(describe([ratio.lowerBound, ratio.upperBound])), value=\(value))"
    }
}
