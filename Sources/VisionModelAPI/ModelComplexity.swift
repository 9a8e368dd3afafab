import VisionNN
import VisionPluginAPI
import VisionTensor

/// A module whose output shape is not that of its children applied in order (a residual block
/// with a projection, a block with functional pooling): says how it maps a shape.
public protocol ShapeInferring {
    /// The output shape for `input`, adding the multiply-accumulates of its convolutions and
    /// linear layers to `macs`.
    func outputShape(for input: [Int], macs: inout Int) throws -> [Int]
}

/// Counts multiply-accumulates (MACs) of convolutions and linear layers by propagating shapes
/// analytically through the module tree (no forward pass, so it is cheap at 224×224).
///
/// Rules: `ShapeInferring` modules say their own shape; `Conv2d`, `Linear`, pooling and
/// `Flatten` follow their geometry; any other module applies its children in order (identity
/// when it has none: activations, batch norm, dropout).
public enum ModelComplexity {
    /// MACs of one forward pass of a batch of one image.
    public static func multiplyAccumulates(_ model: ClassifierModel, inputChannels: Int, inputSize: InputSize) throws -> Int {
        var macs = 0
        let features = try model.featureShape(for: [1, inputChannels, inputSize.height, inputSize.width], macs: &macs)
        _ = try propagate(model.head, features, macs: &macs)
        return macs
    }

    /// The output shape of `model` for one image (checks shape inference against a forward pass).
    public static func outputShape(_ model: ClassifierModel, inputChannels: Int, inputSize: InputSize) throws -> [Int] {
        var macs = 0
        let features = try model.featureShape(for: [1, inputChannels, inputSize.height, inputSize.width], macs: &macs)
        return try propagate(model.head, features, macs: &macs)
    }

    /// Applies one module's shape rule.
    public static func propagate(_ module: Module, _ shape: [Int], macs: inout Int) throws -> [Int] {
        if let inferring = module as? ShapeInferring { return try inferring.outputShape(for: shape, macs: &macs) }
        switch module {
        case let conv as Conv2d:
            let out = try convolutionShape(
                shape, weight: conv.weight.shape, stride: conv.stride, padding: conv.padding, dilation: conv.dilation,
                groups: conv.groups)
            macs += conv.weight.count * out[2] * out[3]
            return out
        case let layer as Linear:
            let features = shape.dropFirst().reduce(1, *)
            guard shape.count >= 2, features == layer.inputFeatures else {
                throw TensorError.shapeMismatch(op: "linear", expected: "\(layer.inputFeatures) features", got: shape)
            }
            macs += layer.weight.count
            return [shape[0], layer.outputFeatures]
        case let pool as MaxPool2d:
            return try poolingShape(shape, kernel: pool.kernel, stride: pool.stride, padding: pool.padding, op: "maxpool2d")
        case let pool as AvgPool2d:
            return try poolingShape(shape, kernel: pool.kernel, stride: pool.stride, padding: pool.padding, op: "avgpool2d")
        case let pool as AdaptiveAvgPool2d:
            try expectImage(shape, "adaptive_avgpool2d")
            return [shape[0], shape[1], pool.outputSize.0, pool.outputSize.1]
        case is Flatten:
            return [shape[0], shape.dropFirst().reduce(1, *)]
        case let model as ClassifierModel:
            return try propagate(model.head, model.featureShape(for: shape, macs: &macs), macs: &macs)
        default:
            var current = shape
            for child in module.children { current = try propagate(child.module, current, macs: &macs) }
            return current
        }
    }

    /// NCHW output shape of a convolution (PyTorch's rule), or a shape error.
    public static func convolutionShape(
        _ shape: [Int], weight: [Int], stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int) = (1, 1), groups: Int = 1
    ) throws -> [Int] {
        try expectImage(shape, "conv2d")
        guard weight.count == 4, weight[1] * groups == shape[1] else {
            throw TensorError.shapeMismatch(op: "conv2d", expected: "\(weight.count == 4 ? weight[1] * groups : 0) input channels", got: shape)
        }
        let height = (shape[2] + 2 * padding.0 - dilation.0 * (weight[2] - 1) - 1) / stride.0 + 1
        let width = (shape[3] + 2 * padding.1 - dilation.1 * (weight[3] - 1) - 1) / stride.1 + 1
        guard shape[2] + 2 * padding.0 >= dilation.0 * (weight[2] - 1) + 1, shape[3] + 2 * padding.1 >= dilation.1 * (weight[3] - 1) + 1 else {
            throw TensorError.shapeMismatch(op: "conv2d", expected: "an input covering the \(weight[2])×\(weight[3]) kernel", got: shape)
        }
        return [shape[0], weight[0], height, width]
    }

    /// NCHW output shape of max or average pooling (floor mode), or a shape error.
    public static func poolingShape(
        _ shape: [Int], kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), op: String
    ) throws -> [Int] {
        try expectImage(shape, op)
        guard shape[2] + 2 * padding.0 >= kernel.0, shape[3] + 2 * padding.1 >= kernel.1 else {
            throw TensorError.shapeMismatch(op: op, expected: "an input covering the \(kernel.0)×\(kernel.1) window", got: shape)
        }
        return [shape[0], shape[1], (shape[2] + 2 * padding.0 - kernel.0) / stride.0 + 1, (shape[3] + 2 * padding.1 - kernel.1) / stride.1 + 1]
    }

    private static func expectImage(_ shape: [Int], _ op: String) throws {
        guard shape.count == 4 else { throw TensorError.shapeMismatch(op: op, expected: "an [N, C, H, W] input", got: shape) }
    }
}
