#if canImport(Glibc)
    import Glibc
#endif

/// A 64-byte-aligned block of Float32, the alignment oneDNN's AVX-512 kernels like best.
public final class TensorStorage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int
    /// Bumped whenever a tensor hands out this storage for writing (see `Tensor.version`). It
    /// lives here, not on the tensor, because detached tensors share the storage.
    public internal(set) var version = 0

    /// Zero-filled storage for `count` floats.
    public convenience init(count: Int) {
        self.init(uninitializedCount: count)
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    /// Storage whose contents the caller overwrites completely (oneDNN outputs).
    public init(uninitializedCount count: Int) {
        MemoryPolicy.configureOnce()
        self.count = count
        var raw: UnsafeMutableRawPointer?
        // posix_memalign only fails on an invalid alignment or when memory is exhausted; the
        // latter cannot be reported any better than malloc's own failure would be.
        if posix_memalign(&raw, 64, max(count, 1) * MemoryLayout<Float>.stride) != 0 || raw == nil {
            raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        }
        pointer = raw!.bindMemory(to: Float.self, capacity: max(count, 1))
        CaptureRecorder.current?.created(self)
    }

    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.update(from: base, count: values.count) }
        }
    }

    deinit { free(pointer) }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }
}

/// Keeps freed memory in the process instead of returning it to the kernel, so that the
/// activations of the next training step reuse pages that are already mapped (fresh pages
/// cost a page fault each: 20–30% of PyTorch's CPU step time with glibc's defaults).
enum MemoryPolicy {
    private static let configured: Bool = {
        // glibc's M_TRIM_THRESHOLD (-1) and M_MMAP_THRESHOLD (-3); Swift does not import them all.
        _ = c_mallopt(-3, 1 << 30)
        _ = c_mallopt(-1, 1 << 30)
        return true
    }()

    static func configureOnce() { _ = configured }
}

/// glibc's mallopt(3); malloc.h is not part of Swift's Glibc module.
@_silgen_name("mallopt")
private func c_mallopt(_ parameter: Int32, _ value: Int32) -> Int32
