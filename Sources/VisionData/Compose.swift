/// Transforms run in order. The chain is checked when built (an image-only step after ToTensor
/// is an error before any data is read), and ToTensor directly followed by Normalize runs as one
/// fused pass with identical arithmetic.
public struct Compose: Transform {
    public let transforms: [any Transform]
    private let steps: [any Transform]

    /// Checks that each step accepts what the one before produces, starting from an 8-bit image
    /// (or from a float tensor when `startsFromTensor`, for steps nested after ToTensor).
    public init(_ transforms: [any Transform], startsFromTensor: Bool = false) throws(TransformError) {
        self.transforms = transforms
        var producesTensor = startsFromTensor
        for transform in transforms {
            switch transform.kind {
            case .image where producesTensor: throw .expectedImage(transform: transform.description)
            case .tensor where !producesTensor: throw .expectedTensor(transform: transform.description)
            case .imageToTensor where producesTensor: throw .expectedImage(transform: transform.description)
            case .imageToTensor: producesTensor = true
            default: break
            }
        }
        var fused: [any Transform] = []
        var index = 0
        while index < transforms.count {
            if transforms[index] is ToTensor, index + 1 < transforms.count, let normalize = transforms[index + 1] as? Normalize {
                fused.append(FusedToTensorNormalize(normalize: normalize))
                index += 2
            } else {
                fused.append(transforms[index])
                index += 1
            }
        }
        steps = fused
        outputIsTensor = producesTensor
    }

    /// True when the pipeline ends with a float tensor.
    public let outputIsTensor: Bool

    public var kind: TransformKind {
        let kinds = transforms.map(\.kind)
        if kinds.contains(.imageToTensor) { return .imageToTensor }
        if kinds.contains(.image) { return .image }
        if kinds.contains(.tensor) { return .tensor }
        return .any
    }

    public func apply(_ input: PipelineValue, using generator: inout RandomGenerator) throws(TransformError) -> PipelineValue {
        var value = input
        for step in steps { value = try step.apply(value, using: &generator) }
        return value
    }

    public var decodeSizeHint: (width: Int, height: Int)? { transforms.first?.decodeSizeHint }

    public var description: String {
        guard !transforms.isEmpty else { return "Compose()" }
        let inner = transforms.map { "    " + $0.description.replacingOccurrences(of: "\n", with: "\n    ") }
        return "Compose(\n" + inner.joined(separator: "\n") + "\n)"
    }
}

/// Applies the inner transforms with probability `p` (torchvision's RandomApply).
public struct RandomApply: Transform {
    public let transforms: Compose
    public let p: Double

    public init(_ transforms: [any Transform], p: Double = 0.5) throws(TransformError) {
        guard (0...1).contains(p) else { throw .invalidParameter(transform: "RandomApply", detail: "expected p in [0, 1], got \(p)") }
        let kinds = transforms.map(\.kind)
        if kinds.contains(.imageToTensor) {
            throw .invalidParameter(transform: "RandomApply", detail: "expected steps that keep the value's kind, got ToTensor")
        }
        // Tensor steps (noise, erasing, normalise) nest after ToTensor: check them from a tensor.
        self.transforms = try Compose(transforms, startsFromTensor: kinds.contains(.tensor) && !kinds.contains(.image))
        self.p = p
    }

    public var kind: TransformKind { transforms.kind }

    public func apply(_ input: PipelineValue, using generator: inout RandomGenerator) throws(TransformError) -> PipelineValue {
        // Always draw the coin first so the stream stays aligned whatever the outcome.
        guard generator.uniform() < p else { return input }
        return try transforms.apply(input, using: &generator)
    }

    public var description: String {
        "RandomApply(p=\(describe(p)), " + transforms.transforms.map(\.description).joined(separator: ", ") + ")"
    }
}

/// Applies one of the transforms, chosen with the given probabilities (uniform by default).
public struct RandomChoice: Transform {
    public let transforms: [any Transform]
    public let probabilities: [Double]

    public init(_ transforms: [any Transform], probabilities: [Double]? = nil) throws(TransformError) {
        guard !transforms.isEmpty else { throw .invalidParameter(transform: "RandomChoice", detail: "expected at least one transform, got none") }
        let weights = probabilities ?? [Double](repeating: 1, count: transforms.count)
        guard weights.count == transforms.count, weights.allSatisfy({ $0 >= 0 }), weights.reduce(0, +) > 0 else {
            throw .invalidParameter(
                transform: "RandomChoice", detail: "expected \(transforms.count) non-negative probabilities, got \(weights)")
        }
        let kinds = Set(transforms.map { "\($0.kind)" })
        guard kinds.count == 1 || kinds.isSubset(of: ["any", "image"]) || kinds.isSubset(of: ["any", "tensor"]) else {
            throw .invalidParameter(transform: "RandomChoice", detail: "expected transforms of one kind, got \(kinds.sorted())")
        }
        self.transforms = transforms
        let total = weights.reduce(0, +)
        self.probabilities = weights.map { $0 / total }
    }

    public var kind: TransformKind {
        transforms.first { $0.kind != .any }?.kind ?? .any
    }

    public func apply(_ input: PipelineValue, using generator: inout RandomGenerator) throws(TransformError) -> PipelineValue {
        let u = generator.uniform()
        var cumulative = 0.0
        for (transform, p) in zip(transforms, probabilities) {
            cumulative += p
            if u < cumulative { return try transform.apply(input, using: &generator) }
        }
        return try transforms[transforms.count - 1].apply(input, using: &generator)
    }

    public var description: String {
        "RandomChoice(" + transforms.map(\.description).joined(separator: ", ") + ", p=\(describe(probabilities)))"
    }
}
