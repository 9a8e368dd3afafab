import CDNNL
import Foundation

/// The oneDNN engine, created once, a stream per thread, and a cache of primitives by shape.
///
/// Debian's oneDNN runs on OpenMP: its thread count is fixed when the OpenMP runtime starts, so
/// `configure(threads:)` must run before the first op (the CLI's `--threads` does).
final class DNNLContext: @unchecked Sendable {
    let engine: dnnl_engine_t
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
        guard let engine else { throw .backend(op: "engine", detail: "no engine") }
        let context = DNNLContext(engine: engine)
        instance = context
        return context
    }

    private init(engine: dnnl_engine_t) {
        self.engine = engine
    }

    /// The calling thread's stream, made on its first use and destroyed when the thread ends:
    /// threads that run networks at once (a server's models, each on its own queue) never
    /// share one.
    var stream: dnnl_stream_t {
        get throws(TensorError) {
            if let existing = pthread_getspecific(Self.streamKey) { return OpaquePointer(existing) }
            var stream: dnnl_stream_t?
            try check(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue), "stream")
            guard let stream else { throw .backend(op: "stream", detail: "no stream") }
            pthread_setspecific(Self.streamKey, UnsafeRawPointer(stream))
            return stream
        }
    }

    private static let streamKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in
            dnnl_stream_destroy(OpaquePointer(pointer))
        }
        return key
    }()

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
///
/// Every primitive is made with a user-managed scratchpad, and each execution passes its own
/// (`DNNLContext.run`): cached primitives are shared by every thread, and with oneDNN's own
/// scratchpad two threads running the same primitive at once would share its scratch memory
/// (Winograd keeps its transformed tiles there: concurrent training steps corrupted each other).
final class DNNLPrimitive: @unchecked Sendable {
    let descriptor: dnnl_primitive_desc_t
    let primitive: dnnl_primitive_t
    /// The scratch memory one execution needs, nil when none.
    let scratchpad: dnnl_memory_desc_t?
    /// oneDNN's name for the kernel it chose ("brgconv:avx512_core", "ref:any" ...).
    let implementation: String

    /// Attributes with a user-managed scratchpad: `attributes` itself, or a new set the caller
    /// destroys (`owned`).
    static func withUserScratchpad(_ attributes: dnnl_primitive_attr_t?, op: String) throws(TensorError)
        -> (attributes: dnnl_primitive_attr_t?, owned: dnnl_primitive_attr_t?)
    {
        var owned: dnnl_primitive_attr_t?
        if attributes == nil { try check(dnnl_primitive_attr_create(&owned), op) }
        let chosen = attributes ?? owned
        do {
            try check(dnnl_primitive_attr_set_scratchpad_mode(chosen, dnnl_scratchpad_mode_user), op)
        } catch {
            if let owned { dnnl_primitive_attr_destroy(owned) }
            throw error
        }
        return (chosen, owned)
    }

    /// Creates the primitive for an op descriptor (any of oneDNN's `*_desc_t`).
    convenience init<OpDesc>(op: String, desc: inout OpDesc, attributes: dnnl_primitive_attr_t? = nil,
                 hint: DNNLPrimitive? = nil, context: DNNLContext) throws(TensorError) {
        let (chosen, owned) = try Self.withUserScratchpad(attributes, op: op)
        defer { if let owned { dnnl_primitive_attr_destroy(owned) } }
        var pd: dnnl_primitive_desc_t?
        let status = withUnsafePointer(to: &desc) { pointer in
            dnnl_primitive_desc_create(&pd, UnsafeRawPointer(pointer), chosen, context.engine, hint?.descriptor)
        }
        try check(status, op)
        guard let pd else { throw .backend(op: op, detail: "no primitive descriptor") }
        try self.init(op: op, descriptor: pd)
    }

    /// For a descriptor made elsewhere (reorders, from dnnl_reorder_primitive_desc_create with
    /// a user scratchpad); takes ownership of it.
    init(op: String, descriptor pd: dnnl_primitive_desc_t) throws(TensorError) {
        var primitive: dnnl_primitive_t?
        let created = dnnl_primitive_create(&primitive, pd)
        guard created == dnnl_success, let primitive else {
            dnnl_primitive_desc_destroy(pd)
            throw .backend(op: op, detail: "status \(created.rawValue) creating the primitive")
        }
        self.descriptor = pd
        self.primitive = primitive
        var name: UnsafePointer<CChar>?
        let queried = dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name) == dnnl_success
        implementation = queried ? name.map { String(cString: $0) } ?? "" : ""
        if var scratch = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0)?.pointee,
            dnnl_memory_desc_get_size(&scratch) > 0
        {
            scratchpad = scratch
        } else {
            scratchpad = nil
        }
    }

    deinit {
        dnnl_primitive_destroy(primitive)
        dnnl_primitive_desc_destroy(descriptor)
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
