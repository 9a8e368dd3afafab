import VisionImage

/// A Float32 image, C×H×W (planar): what ToTensor makes and what batches hold.
public struct FloatImage: Sendable, Equatable {
    public let channels: Int
    public let height: Int
    public let width: Int
    public var values: [Float]

    /// Wraps `values`; throws when their count is not `channels * height * width`.
    public init(channels: Int, height: Int, width: Int, values: [Float]) throws(TransformError) {
        guard channels > 0, height > 0, width > 0, values.count == channels * height * width else {
            throw .invalidParameter(
                transform: "FloatImage",
                detail: "expected \(channels)×\(height)×\(width) = \(channels * height * width) values, got \(values.count)")
        }
        self.init(unchecked: channels, height: height, width: width, values: values)
    }

    init(unchecked channels: Int, height: Int, width: Int, values: [Float]) {
        self.channels = channels
        self.height = height
        self.width = width
        self.values = values
    }

    /// The sample at channel `c`, row `y`, column `x`.
    public subscript(c: Int, y: Int, x: Int) -> Float {
        get { values[(c * height + y) * width + x] }
        set { values[(c * height + y) * width + x] = newValue }
    }

    /// The shape as [C, H, W].
    public var shape: [Int] { [channels, height, width] }
}

/// What flows through a pipeline: an 8-bit H×W×C image until ToTensor, a Float C×H×W image after.
public enum PipelineValue: Sendable, Equatable {
    case image(Image)
    case tensor(FloatImage)

    public var width: Int {
        switch self {
        case .image(let image): return image.width
        case .tensor(let tensor): return tensor.width
        }
    }

    public var height: Int {
        switch self {
        case .image(let image): return image.height
        case .tensor(let tensor): return tensor.height
        }
    }

    public var channels: Int {
        switch self {
        case .image(let image): return image.channels
        case .tensor(let tensor): return tensor.channels
        }
    }

    /// The 8-bit image, or an error naming `transform` when this is already a tensor.
    func requireImage(_ transform: String) throws(TransformError) -> Image {
        guard case .image(let image) = self else { throw .expectedImage(transform: transform) }
        return image
    }

    /// The float tensor, or an error naming `transform` when this is still an 8-bit image.
    func requireTensor(_ transform: String) throws(TransformError) -> FloatImage {
        guard case .tensor(let tensor) = self else { throw .expectedTensor(transform: transform) }
        return tensor
    }
}

/// Builds an image from pixels whose count the caller has computed (errors mean a bug here, and
/// are reported rather than trapped).
@inline(__always)
func makeImage(_ width: Int, _ height: Int, _ channels: Int, _ pixels: [UInt8]) throws(TransformError) -> Image {
    do {
        return try Image(width: width, height: height, channels: channels, pixels: pixels)
    } catch {
        throw .invalidParameter(transform: "Image", detail: error.description)
    }
}
