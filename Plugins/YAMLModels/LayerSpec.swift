import VisionModelAPI
import VisionPluginAPI
import VisionTensor

/// A size in a model file: a number, or a name resolved when the model is built.
public enum DimensionValue: Sendable, Hashable {
    case literal(Int)
    /// The number of classes the model is built for.
    case numClasses
    /// The channel count entering the layer (for depthwise convolutions: `groups: in_channels`).
    case inChannels

    /// The names a file may use instead of a number.
    static let names = ["num_classes", "in_channels"]

    func resolve(classes: Int, inChannels: Int) -> Int {
        switch self {
        case .literal(let value): return value
        case .numClasses: return classes
        case .inChannels: return inChannels
        }
    }
}

/// Where a layer was written: for messages naming the line and key.
public struct SpecLocation: Sendable, Hashable {
    public let line: Int?
    /// `layers[2].conv2d`.
    public let key: String
}

/// One parsed layer of a model file, before shapes are known.
public struct LayerSpec: Sendable {
    public enum Kind: Sendable {
        case conv2d(outChannels: DimensionValue, kernel: (Int, Int), stride: (Int, Int), padding: Padding, groups: DimensionValue, dilation: Int, bias: Bool)
        case batchNorm2d(momentum: Float, epsilon: Float)
        case activation(Activation)
        case maxPool2d(kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int))
        case avgPool2d(kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), countIncludePad: Bool)
        case globalAvgPool
        case dropout(Float)
        case flatten
        case linear(outFeatures: DimensionValue, bias: Bool)
        case residual(body: [LayerSpec], activation: Activation?)
    }

    /// Convolution padding: explicit, or "same" (output size = input size / stride, odd kernels).
    public enum Padding: Sendable, Hashable {
        case explicit(Int, Int)
        case same
    }

    public let kind: Kind
    public let location: SpecLocation
    /// Lines of the layer's option keys, for errors about one option.
    public let keyLines: [String: Int]

    /// The location of one option (`layers[2].conv2d.kernel_size`), on its own line when known.
    func location(of option: String) -> SpecLocation {
        SpecLocation(line: keyLines[option] ?? location.line, key: location.key + "." + option)
    }
}
