import CDNNL
import Foundation

/// A Float32 tensor: a logical shape (NCHW for images) and its storage.
///
/// Tensors are references, as in PyTorch: parameters are updated in place by optimizers, and a
/// tensor produced by a recorded op remembers how to send gradients back to its inputs.
///
/// Storage is row-major at every public boundary. Inside a network, oneDNN ops may leave an
/// activation in a blocked layout (nChw16c and the like) so that the next oneDNN op reads it
/// without a reorder; reading `pointer`, `buffer` or `scalars` turns it back into row-major
/// order first (once), so callers never see the difference.
public final class Tensor: @unchecked Sendable, CustomStringConvertible {
    public let shape: [Int]
    /// The raw storage, in `layout`.
    private(set) var storage: TensorStorage
    /// A oneDNN memory descriptor when the storage is not row-major; nil when it is.
    private(set) var layout: dnnl_memory_desc_t? {
        didSet { isBlocked = layout != nil }
    }
    /// Whether the storage is in a oneDNN blocked layout right now (kept apart from `layout`
    /// because testing the large descriptor for nil costs a copy of it).
    public private(set) var isBlocked = false
    /// For leaves: collect a gradient in `grad` during `backward`. For op results: recorded.
    public var requiresGrad: Bool
    /// The accumulated gradient of a leaf after `backward`.
    public var grad: Tensor?
    /// The op that produced this tensor, while a gradient tape holds it.
    var node: Node?
    /// Changes whenever the values may have changed (writes through `pointer`, `markModified()`):
    /// inference caches derived copies of weights (reordered, batch norm folded in) and reuses
    /// them while the version stays the same. Shared by every tensor over the same storage.
    public var version: Int { storage.version }

    /// Call after changing the values in place through other means than `pointer`.
    public func markModified() { storage.version &+= 1 }

    public init(shape: [Int], storage: TensorStorage, requiresGrad: Bool = false) {
        self.shape = shape
        self.storage = storage
        self.requiresGrad = requiresGrad
    }

    /// A tensor whose storage is in a oneDNN layout (internal: made by oneDNN ops).
    init(shape: [Int], storage: TensorStorage, layout: dnnl_memory_desc_t?) {
        self.shape = shape
        self.storage = storage
        self.layout = layout
        self.isBlocked = layout != nil
        self.requiresGrad = false
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

    /// The number of elements (the product of the shape).
    public var count: Int { shape.reduce(1, *) }
    public var rank: Int { shape.count }

    /// Row-major values for reading and writing (converted from a blocked layout first if
    /// needed). Taking it counts as a change: caches derived from the values (inference's
    /// reordered and folded weights) are rebuilt. Read through `values` to avoid that.
    public var pointer: UnsafeMutablePointer<Float> {
        makeRowMajor()
        storage.version &+= 1
        return storage.pointer
    }

    /// Row-major values for reading.
    public var values: UnsafePointer<Float> {
        makeRowMajor()
        return UnsafePointer(storage.pointer)
    }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }

    /// The values, row-major.
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: values, count: count)) }

    /// The single value of a one-element tensor.
    public var item: Float { values[0] }

    /// The same storage, cut from the gradient tape.
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage, layout: layout) }

    /// A copy with its own storage, cut from the gradient tape.
    public func copy() -> Tensor {
        let out = Tensor(zeros: shape)
        out.storage.pointer.update(from: pointer, count: count)
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

    // MARK: Layouts (internal)

    /// A tensor over `storage` laid out as `descriptor`; a row-major descriptor is recorded as
    /// no layout at all, so that reading the values costs no reorder.
    convenience init(shape: [Int], storage: TensorStorage, storedAs descriptor: dnnl_memory_desc_t) throws(TensorError) {
        self.init(shape: shape, storage: storage, layout: try Self.isRowMajor(descriptor, shape: shape) ? nil : descriptor)
    }

    /// oneDNN's row-major descriptor for `shape`.
    static func rowMajorDescriptor(_ shape: [Int]) throws(TensorError) -> dnnl_memory_desc_t {
        try plainDescriptor(shape.isEmpty ? [1] : shape, plainTag(rank: max(shape.count, 1)))
    }

    static func isRowMajor(_ descriptor: dnnl_memory_desc_t, shape: [Int]) throws(TensorError) -> Bool {
        var given = descriptor
        var plain = try rowMajorDescriptor(shape)
        return dnnl_memory_desc_equal(&given, &plain) != 0
    }

    /// The oneDNN descriptor of the storage as it is now.
    func memoryDescriptor() throws(TensorError) -> dnnl_memory_desc_t {
        if let layout { return layout }
        return try Self.rowMajorDescriptor(shape)
    }

    /// Whether the storage is in the layout `tag` right now (e.g. `dnnl_aBcd16b`).
    func isStored(as tag: dnnl_format_tag_t) throws(TensorError) -> Bool {
        var current = try memoryDescriptor()
        var wanted = try plainDescriptor(shape, tag)
        return dnnl_memory_desc_equal(&current, &wanted) != 0
    }

    /// The storage, row-major (for ops that share it, such as reshape).
    var rowMajorStorage: TensorStorage {
        makeRowMajor()
        return storage
    }

    /// Reorders the storage into `target` in place (the values do not change, only their order).
    func convert(to target: dnnl_memory_desc_t) throws(TensorError) {
        var current = try memoryDescriptor()
        var wanted = target
        if dnnl_memory_desc_equal(&current, &wanted) != 0 { return }
        let converted = try DNNLContext.shared().reordered(storage, from: current, to: target)
        converted.version = storage.version &+ 1
        storage = converted
        layout = try Self.isRowMajor(target, shape: shape) ? nil : target
    }

    /// The storage converted to row-major, if it is blocked.
    private func makeRowMajor() {
        guard isBlocked else { return }
        do {
            try convert(to: Self.rowMajorDescriptor(shape))
        } catch {
            // A reorder between two layouts of the same dims cannot fail short of a broken
            // oneDNN installation; continuing would hand out values in the wrong order.
            preconditionFailure("oneDNN could not reorder \(shape) to row-major: \(error)")
        }
    }
}

/// oneDNN's plain row-major tag for a rank.
func plainTag(rank: Int) -> dnnl_format_tag_t {
    switch rank {
    case 1: return dnnl_a
    case 2: return dnnl_ab
    case 3: return dnnl_abc
    case 4: return dnnl_abcd
    case 5: return dnnl_abcde
    default: return dnnl_abcdef
    }
}
