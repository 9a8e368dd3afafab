import VisionTensor

/// An activation function as a layer.
public final class ActivationLayer: Module {
    public let kind: Activation
    public init(_ kind: Activation) { self.kind = kind }
    override public func forward(_ x: Tensor) throws -> Tensor { activation(x, kind) }
}

/// Max pooling.
public final class MaxPool2d: Module {
    public let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)
    public init(kernel: Int, stride: Int? = nil, padding: Int = 0) {
        self.kernel = (kernel, kernel)
        self.stride = (stride ?? kernel, stride ?? kernel)
        self.padding = (padding, padding)
    }
    override public func forward(_ x: Tensor) throws -> Tensor { try maxPool2d(x, kernel: kernel, stride: stride, padding: padding) }
}

/// Average pooling.
public final class AvgPool2d: Module {
    public let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), countIncludePad: Bool
    public init(kernel: Int, stride: Int? = nil, padding: Int = 0, countIncludePad: Bool = true) {
        self.kernel = (kernel, kernel)
        self.stride = (stride ?? kernel, stride ?? kernel)
        self.padding = (padding, padding)
        self.countIncludePad = countIncludePad
    }
    override public func forward(_ x: Tensor) throws -> Tensor {
        try avgPool2d(x, kernel: kernel, stride: stride, padding: padding, countIncludePad: countIncludePad)
    }
}

/// Adaptive average pooling to a fixed output size ((1, 1) is global average pooling).
public final class AdaptiveAvgPool2d: Module {
    public let outputSize: (Int, Int)
    public init(_ outputSize: (Int, Int) = (1, 1)) { self.outputSize = outputSize }
    override public func forward(_ x: Tensor) throws -> Tensor { try adaptiveAvgPool2d(x, outputSize: outputSize) }
}

/// [N, …] → [N, product].
public final class Flatten: Module {
    override public init() {}
    override public func forward(_ x: Tensor) throws -> Tensor { try flatten(x) }
}

/// Inverted dropout in training mode; identity in eval mode.
public final class Dropout: Module {
    public let probability: Float
    private var generator: SeededGenerator
    public init(_ probability: Float, seed: UInt64 = 0) {
        self.probability = probability
        generator = SeededGenerator(seed: seed)
    }
    override public func forward(_ x: Tensor) throws -> Tensor {
        isTraining ? try dropout(x, probability: probability, generator: &generator) : x
    }
}

/// Layers applied in order; children are named "0", "1", … as in PyTorch's nn.Sequential.
public final class Sequential: Module {
    public private(set) var layers: [Module]
    public init(_ layers: [Module]) { self.layers = layers }
    override public var children: [(name: String, module: Module)] { layers.enumerated().map { (String($0.offset), $0.element) } }
    override public func forward(_ x: Tensor) throws -> Tensor {
        var y = x
        for layer in layers { y = try layer(y) }
        return y
    }
    /// Replaces the layer at `index` (for swapping a classifier head).
    public func replace(at index: Int, with layer: Module) { if layers.indices.contains(index) { layers[index] = layer } }
}
