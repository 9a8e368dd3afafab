import CDNNL
import Foundation

/// The oneDNN engine and stream, created once, and a cache of primitives by shape.
///
/// Debian's oneDNN runs on OpenMP: its thread count is fixed when the OpenMP runtime starts, so
/// `configure(threads:)` must run before the first op (the CLI's `--threads` does).
final class DNNLContext: @unchecked Sendable {
    let engine: dnnl_engine_t
    let stream: dnnl_stream_t
    private var primitives: [String: DNNLPrimitive] = [:]
    private let lock = NSLock()

    nonisolated(unsafe) private static var instance: DNNLContext?
    private static let creationLock = NSLock()

    static func shared() throws(TensorError) -> DNNLContext {
        creationLock.lock()
        defer { creationLock.unlock() }
        if let instance { return instance }
        var engine: dnnl_engine_t?
        try check(dnnl_engine_create(&engine, dnnl_cpu, 0), "engine")
        var stream: dnnl_stream_t?
        try check(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue), "stream")
        guard let engine, let stream else { throw .backend(op: "engine", detail: "no engine") }
        let context = DNNLContext(engine: engine, stream: stream)
        instance = context
        return context
    }

    private init(engine: dnnl_engine_t, stream: dnnl_stream_t) {
        self.engine = engine
        self.stream = stream
    }

    /// The cached primitive for `key`, or a new one from `make`.
    func primitive(_ key: String, _ make: () throws(TensorError) -> DNNLPrimitive) throws(TensorError) -> DNNLPrimitive {
        lock.lock()
        defer { lock.unlock() }
        if let cached = primitives[key] { return cached }
        let made = try make()
        primitives[key] = made
        return made
    }

    var cachedPrimitiveCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return primitives.count
    }
}

/// Sets oneDNN's (OpenMP's) thread count for the calling thread and the ones it starts.
///
/// Debian's oneDNN runs on libgomp, which reads OMP_NUM_THREADS once when it is loaded (before
/// `main`), so the setting goes through `omp_set_num_threads`, looked up at run time so that
/// nothing links against a particular OpenMP runtime.
public enum ComputeThreads {
    private typealias SetThreads = @convention(c) (Int32) -> Void

    public static func configure(threads: Int) {
        let count = Int32(max(1, min(threads, 1024)))
        setenv("OMP_NUM_THREADS", String(count), 1)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "omp_set_num_threads") else { return }
        unsafeBitCast(symbol, to: SetThreads.self)(count)
    }
}

@inline(__always)
func check(_ status: dnnl_status_t, _ op: @autoclosure () -> String) throws(TensorError) {
    // The name is built only on failure: it runs for every memory of every op.
    guard status == dnnl_success else {
        throw .backend(op: op(), detail: "status \(status.rawValue)")
    }
}

/// A memory descriptor for plain row-major data.
func plainDescriptor(_ dims: [Int], _ tag: dnnl_format_tag_t) throws(TensorError) -> dnnl_memory_desc_t {
    var desc = dnnl_memory_desc_t()
    let arena = DimsArena()
    let status = dnnl_memory_desc_init_by_tag(&desc, Int32(dims.count), arena(dims), dnnl_f32, tag)
    try check(status, "memory descriptor \(dims)")
    return desc
}

/// A primitive descriptor and its primitive, destroyed together.
final class DNNLPrimitive: @unchecked Sendable {
    let descriptor: dnnl_primitive_desc_t
    let primitive: dnnl_primitive_t

    /// Creates the primitive for an op descriptor (any of oneDNN's `*_desc_t`).
    init<OpDesc>(op: String, desc: inout OpDesc, attributes: dnnl_primitive_attr_t? = nil,
                 hint: DNNLPrimitive? = nil, context: DNNLContext) throws(TensorError) {
        var pd: dnnl_primitive_desc_t?
        let status = withUnsafePointer(to: &desc) { pointer in
            dnnl_primitive_desc_create(&pd, UnsafeRawPointer(pointer), attributes, context.engine, hint?.descriptor)
        }
        try check(status, op)
        guard let pd else { throw .backend(op: op, detail: "no primitive descriptor") }
        var primitive: dnnl_primitive_t?
        let created = dnnl_primitive_create(&primitive, pd)
        guard created == dnnl_success, let primitive else {
            dnnl_primitive_desc_destroy(pd)
            throw .backend(op: op, detail: "status \(created.rawValue) creating the primitive")
        }
        self.descriptor = pd
        self.primitive = primitive
    }

    /// For reorders, whose descriptor comes from dnnl_reorder_primitive_desc_create.
    init(op: String, descriptor pd: dnnl_primitive_desc_t) throws(TensorError) {
        var primitive: dnnl_primitive_t?
        let created = dnnl_primitive_create(&primitive, pd)
        guard created == dnnl_success, let primitive else {
            dnnl_primitive_desc_destroy(pd)
            throw .backend(op: op, detail: "status \(created.rawValue) creating the primitive")
        }
        self.descriptor = pd
        self.primitive = primitive
    }

    deinit {
        dnnl_primitive_destroy(primitive)
        dnnl_primitive_desc_destroy(descriptor)
    }

    /// oneDNN's name for the kernel it chose ("brgconv:avx512_core", "ref:any" ...).
    var implementation: String {
        var name: UnsafePointer<CChar>?
        guard dnnl_primitive_desc_query(descriptor, dnnl_query_impl_info_str, 0, &name) == dnnl_success, let name else { return "" }
        return String(cString: name)
    }

    func memoryDescriptor(_ query: dnnl_query_t, index: Int32 = 0) -> dnnl_memory_desc_t? {
        dnnl_primitive_desc_query_md(descriptor, query, index)?.pointee
    }
}

/// Stable C arrays for oneDNN's `dnnl_dims_t` parameters. (Passing `&tuple.0` from Swift may
/// hand C a pointer to a one-element temporary, and oneDNN reads all the dimensions it needs.)
final class DimsArena {
    private var blocks: [UnsafeMutablePointer<dnnl_dim_t>] = []

    func callAsFunction(_ values: [Int]) -> UnsafeMutablePointer<dnnl_dim_t> {
        let block = UnsafeMutablePointer<dnnl_dim_t>.allocate(capacity: 12)
        block.initialize(repeating: 0, count: 12)
        for (index, value) in values.prefix(12).enumerated() { block[index] = dnnl_dim_t(value) }
        blocks.append(block)
        return block
    }

    deinit { for block in blocks { block.deallocate() } }
}
