import Foundation

/// A Float32 tensor: a shape and contiguous row-major storage (NCHW for images).
///
/// Tensors are references, as in PyTorch: parameters are updated in place by optimizers, and a
/// tensor produced by a recorded op remembers how to send gradients back to its inputs.
public final class Tensor: @unchecked Sendable, CustomStringConvertible {
    public let shape: [Int]
    public let storage: TensorStorage
    /// For leaves: collect a gradient in `grad` during `backward`. For op results: recorded.
    public var requiresGrad: Bool
    /// The accumulated gradient of a leaf after `backward`.
    public var grad: Tensor?
    /// The op that produced this tensor, while a gradient tape holds it.
    var node: Node?

    public init(shape: [Int], storage: TensorStorage, requiresGrad: Bool = false) {
        self.shape = shape
        self.storage = storage
        self.requiresGrad = requiresGrad
    }

    /// Zeros of the given shape.
    public convenience init(zeros shape: [Int]) {
        self.init(shape: shape, storage: TensorStorage(count: shape.reduce(1, *)))
    }

    /// A tensor holding `values`; throws when their count does not match `shape`.
    public convenience init(_ values: [Float], shape: [Int], requiresGrad: Bool = false) throws(TensorError) {
        let count = shape.reduce(1, *)
        guard shape.allSatisfy({ $0 >= 0 }), values.count == count else {
            throw .shapeMismatch(op: "Tensor", expected: "\(count) values for shape \(shape)", got: [values.count])
        }
        self.init(shape: shape, storage: TensorStorage(values), requiresGrad: requiresGrad)
    }

    public static func full(_ shape: [Int], _ value: Float) -> Tensor {
        let tensor = Tensor(zeros: shape)
        tensor.storage.pointer.update(repeating: value, count: tensor.count)
        return tensor
    }

    public var count: Int { storage.count }
    public var rank: Int { shape.count }
    public var pointer: UnsafeMutablePointer<Float> { storage.pointer }
    public var buffer: UnsafeMutableBufferPointer<Float> { storage.buffer }

    /// The values, row-major.
    public var scalars: [Float] { Array(storage.buffer) }

    /// The single value of a one-element tensor.
    public var item: Float { storage.pointer[0] }

    /// The same storage, cut from the gradient tape.
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }

    /// A copy with its own storage, cut from the gradient tape.
    public func copy() -> Tensor {
        let out = Tensor(zeros: shape)
        out.pointer.update(from: pointer, count: count)
        return out
    }

    /// The same values under another shape (no copy); recorded for gradients.
    public func reshaped(_ newShape: [Int]) throws(TensorError) -> Tensor {
        try reshape(self, newShape)
    }

    /// Throws unless the shape matches `expected`, where -1 matches any size.
    public func expectShape(_ expected: [Int], _ op: String) throws(TensorError) {
        guard expected.count == shape.count, zip(expected, shape).allSatisfy({ $0 == -1 || $0 == $1 }) else {
            let text = "[" + expected.map { $0 == -1 ? "_" : String($0) }.joined(separator: ", ") + "]"
            throw .shapeMismatch(op: op, expected: "shape \(text)", got: shape)
        }
    }

    public var description: String {
        let preview = scalars.prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor\(shape)[\(preview)\(count > 8 ? ", …" : "")]"
    }
}
