/// What a transform accepts and produces.
public enum TransformKind: Sendable, Equatable {
    /// 8-bit image in, 8-bit image out (geometry, colour).
    case image
    /// Float tensor in, float tensor out (normalise, noise, erasing).
    case tensor
    /// Either in, same kind out (flips).
    case any
    /// 8-bit image in, float tensor out (ToTensor).
    case imageToTensor
}

/// One pipeline step (torchvision v2's design): a random transform first draws its parameters
/// from the generator it is given, then applies them; so the same generator state gives the
/// same output, and a caller can draw parameters once and apply them to several images.
public protocol Transform: Sendable, CustomStringConvertible {
    /// What this step accepts and produces.
    var kind: TransformKind { get }
    /// Draws any random parameters from `generator`, then applies them.
    func apply(_ input: PipelineValue, using generator: inout RandomGenerator) throws(TransformError) -> PipelineValue
    /// When this step is first: the smallest decoded size it needs (for reduced-size JPEG
    /// decoding), or nil when it needs the full image.
    var decodeSizeHint: (width: Int, height: Int)? { get }
}

extension Transform {
    public var decodeSizeHint: (width: Int, height: Int)? { nil }
}

/// A transform with explicit random parameters: `parameters(for:using:)` draws, `apply(_:with:)`
/// applies, and `apply(_:using:)` is the two in turn.
public protocol RandomTransform: Transform {
    associatedtype Parameters: Sendable
    /// Draws the parameters for an input of this size.
    func parameters(width: Int, height: Int, using generator: inout RandomGenerator) -> Parameters
    /// Applies already-drawn parameters.
    func apply(_ input: PipelineValue, with parameters: Parameters) throws(TransformError) -> PipelineValue
}

extension RandomTransform {
    public func apply(_ input: PipelineValue, using generator: inout RandomGenerator) throws(TransformError) -> PipelineValue {
        let drawn = parameters(width: input.width, height: input.height, using: &generator)
        return try apply(input, with: drawn)
    }
}

/// Formats a float for descriptions without noise digits.
func describe(_ value: Double) -> String {
    let rounded = (value * 1e6).rounded() / 1e6
    return rounded == rounded.rounded() && abs(rounded) < 1e15 ? String(Int(rounded)) : String(rounded)
}

func describe(_ values: [Double]) -> String { "(" + values.map(describe).joined(separator: ", ") + ")" }
