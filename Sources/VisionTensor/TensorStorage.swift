#if canImport(Glibc)
    import Glibc
#endif

/// A 64-byte-aligned block of Float32, the alignment oneDNN's AVX-512 kernels like best.
public final class TensorStorage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    /// Zero-filled storage for `count` floats.
    public init(count: Int) {
        self.count = count
        var raw: UnsafeMutableRawPointer?
        // posix_memalign only fails on an invalid alignment or when memory is exhausted; the
        // latter cannot be reported any better than malloc's own failure would be.
        if posix_memalign(&raw, 64, max(count, 1) * MemoryLayout<Float>.stride) != 0 || raw == nil {
            raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        }
        pointer = raw!.bindMemory(to: Float.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
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
