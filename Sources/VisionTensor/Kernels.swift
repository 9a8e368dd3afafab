import CDNNL

/// Where ops compute: oneDNN (the default, fast) or the plain-Swift reference (readable; tests
/// compare the two).
public enum ComputeBackend: String, Sendable, CaseIterable {
    case dnnl
    case reference

    /// Task-local, so that tests comparing the two paths can run concurrently.
    @TaskLocal public static var current: ComputeBackend = .dnnl

    /// Runs `body` with ops computed on `backend`.
    public static func with<T>(_ backend: ComputeBackend, _ body: () throws -> T) rethrows -> T {
        try $current.withValue(backend) { try body() }
    }
}

/// Small shared kernels.
enum Kernels {
    /// a + b for equal shapes (gradient accumulation, residual sums).
    static func added(_ a: Tensor, _ b: Tensor) throws(TensorError) -> Tensor {
        guard a.shape == b.shape else {
            throw .shapeMismatch(op: "add", expected: "shape \(a.shape)", got: b.shape)
        }
        if let layout = a.layout {
            // Same blocked layout: add the raw storage (padding lanes are zero in both).
            try b.convert(to: layout)
            let out = Tensor(shape: a.shape, storage: TensorStorage(uninitializedCount: a.storage.count), layout: layout)
            return try sum(a.storage, b.storage, into: out.storage, count: a.storage.count, layout: layout, out)
        }
        let out = Tensor(shape: a.shape, storage: TensorStorage(uninitializedCount: a.count), layout: nil)
        _ = (a.values, b.values)  // row-major
        return try sum(a.storage, b.storage, into: out.storage, count: a.count, layout: nil, out)
    }

    /// Below this many floats a Swift loop beats a oneDNN execution's fixed cost.
    static let parallelSumThreshold = 1 << 14

    /// z = x + y over `count` floats (stored in `layout`, nil for row-major), recorded for
    /// inference plans to replay. Large sums go through oneDNN (about 5% of a ResNet-20
    /// training step was this loop on one thread).
    private static func sum(_ x: TensorStorage, _ y: TensorStorage, into z: TensorStorage, count: Int, layout: dnnl_memory_desc_t?,
                            _ result: Tensor) throws(TensorError) -> Tensor {
        if count >= parallelSumThreshold, ComputeBackend.current == .dnnl {
            let descriptor: dnnl_memory_desc_t
            if let layout { descriptor = layout } else { descriptor = try Tensor.rowMajorDescriptor(result.shape) }
            try DNNLBinary.add(x, y, into: z, layout: descriptor)
            return result
        }
        let (xs, ys, zs) = (x.pointer, y.pointer, z.pointer)
        let add = { for i in 0..<count { zs[i] = xs[i] + ys[i] } }
        add()
        CaptureRecorder.current?.recordHost(add, retaining: [x, y, z])
        return result
    }

    /// Adds `b` into `a` in place.
    static func accumulate(_ a: Tensor, _ b: Tensor) {
        let x = a.pointer, y = b.pointer
        for i in 0..<min(a.count, b.count) { x[i] += y[i] }
    }
}
