import CDNNL

/// One argument of a primitive execution: its oneDNN index, layout and data.
struct DNNLOperand {
    let index: Int32
    let descriptor: dnnl_memory_desc_t
    let pointer: UnsafeMutableRawPointer
}

extension DNNLContext {
    /// Executes `primitive` on `operands`; `keepAlive` holds temporaries until it returns.
    func run(_ primitive: DNNLPrimitive, op: String, _ operands: [DNNLOperand], keepAlive: [TensorStorage] = []) throws(TensorError) {
        var memories: [dnnl_memory_t] = []
        defer { for memory in memories { dnnl_memory_destroy(memory) } }
        var all = operands
        // This execution's own scratch memory (see DNNLPrimitive). Winograd training asks for
        // about 10 MB; allocating it every run is cheap only because freed memory stays in the
        // process (`MemoryPolicy` raises malloc's trim and mmap thresholds) instead of going
        // back to the kernel and faulting in again.
        var scratch: TensorStorage?
        if var scratchpad = primitive.scratchpad {
            let count = (dnnl_memory_desc_get_size(&scratchpad) + 3) / 4
            // Not kept by a capture: a plan brings one scratch buffer for all its steps.
            let storage = CaptureRecorder.current == nil
                ? TensorStorage(uninitializedCount: count)
                : CaptureRecorder.$current.withValue(nil) { TensorStorage(uninitializedCount: count) }
            scratch = storage
            all.append(DNNLOperand(index: DNNL_ARG_SCRATCHPAD, descriptor: scratchpad, pointer: UnsafeMutableRawPointer(storage.pointer)))
        }
        defer { withExtendedLifetime(scratch) {} }
        let arguments = try executionArguments(all, op: op, memories: &memories)
        let stream = try self.stream
        let status = arguments.withUnsafeBufferPointer {
            dnnl_primitive_execute(primitive.primitive, stream, Int32($0.count), $0.baseAddress)
        }
        try check(status, op)
        try check(dnnl_stream_wait(stream), op)
        CaptureRecorder.current?.record(primitive, operands, keepAlive: keepAlive)
        withExtendedLifetime(keepAlive) {}
    }

    /// oneDNN memory objects over `operands`, as execution arguments; each made memory is
    /// appended to `memories` (also when a later one fails), which the caller destroys.
    func executionArguments(_ operands: [DNNLOperand], op: @autoclosure () -> String, memories: inout [dnnl_memory_t])
        throws(TensorError) -> [dnnl_exec_arg_t]
    {
        var arguments: [dnnl_exec_arg_t] = []
        arguments.reserveCapacity(operands.count)
        for operand in operands {
            var memory: dnnl_memory_t?
            var descriptor = operand.descriptor
            try check(dnnl_memory_create(&memory, &descriptor, engine, operand.pointer), "\(op()) memory")
            guard let memory else { throw .backend(op: op(), detail: "no memory") }
            memories.append(memory)
            arguments.append(dnnl_exec_arg_t(arg: operand.index, memory: memory))
        }
        return arguments
    }

    /// `tensor` as the primitive's input `index`: reordered to the layout the primitive wants,
    /// in place when `inPlace` (activations: the reorder is then done once and reused by the
    /// backward pass), else into a temporary (weights, which optimizers update row-major).
    func input(_ tensor: Tensor, _ index: Int32, of primitive: DNNLPrimitive, inPlace: Bool, keepAlive: inout [TensorStorage])
        throws(TensorError) -> DNNLOperand
    {
        var current = try tensor.memoryDescriptor()
        guard let query = DNNLContext.query(for: index), var wanted = primitive.memoryDescriptor(query) else {
            return DNNLOperand(index: index, descriptor: current, pointer: UnsafeMutableRawPointer(tensor.storage.pointer))
        }
        if dnnl_memory_desc_equal(&current, &wanted) != 0 {
            return DNNLOperand(index: index, descriptor: current, pointer: UnsafeMutableRawPointer(tensor.storage.pointer))
        }
        if inPlace {
            try tensor.convert(to: wanted)
            return DNNLOperand(index: index, descriptor: wanted, pointer: UnsafeMutableRawPointer(tensor.storage.pointer))
        }
        let temporary = try reordered(tensor.storage, from: current, to: wanted)
        keepAlive.append(temporary)
        return DNNLOperand(index: index, descriptor: wanted, pointer: UnsafeMutableRawPointer(temporary.pointer))
    }

    /// A new tensor of `shape` in the layout the primitive chose for output `index`.
    func output(_ shape: [Int], _ index: Int32, of primitive: DNNLPrimitive) throws(TensorError) -> (Tensor, DNNLOperand) {
        guard let query = DNNLContext.query(for: index), var wanted = primitive.memoryDescriptor(query) else {
            throw .backend(op: "output", detail: "no layout for argument \(index)")
        }
        let bytes = dnnl_memory_desc_get_size(&wanted)
        let storage = TensorStorage(uninitializedCount: (bytes + 3) / 4)
        let tensor = try Tensor(shape: shape, storage: storage, storedAs: wanted)
        return (tensor, DNNLOperand(index: index, descriptor: wanted, pointer: UnsafeMutableRawPointer(storage.pointer)))
    }

    /// Scratch memory the primitive asks for (max-pool workspace), or nil.
    func workspace(of primitive: DNNLPrimitive) -> (TensorStorage, dnnl_memory_desc_t)? {
        guard var desc = primitive.memoryDescriptor(dnnl_query_workspace_md) else { return nil }
        let bytes = dnnl_memory_desc_get_size(&desc)
        if bytes == 0 { return nil }
        return (TensorStorage(uninitializedCount: (bytes + 3) / 4), desc)
    }

    /// A copy of `storage` reordered from one layout to another.
    func reordered(_ storage: TensorStorage, from source: dnnl_memory_desc_t, to target: dnnl_memory_desc_t) throws(TensorError) -> TensorStorage {
        var to = target
        let out = TensorStorage(uninitializedCount: (dnnl_memory_desc_get_size(&to) + 3) / 4)
        let key = "reorder " + DNNLContext.describe(source) + " -> " + DNNLContext.describe(target)
        let reorder = try primitive(key) { () throws(TensorError) -> DNNLPrimitive in
            var pd: dnnl_primitive_desc_t?
            var from = source
            let (attributes, owned) = try DNNLPrimitive.withUserScratchpad(nil, op: "reorder")
            defer { if let owned { dnnl_primitive_attr_destroy(owned) } }
            try check(dnnl_reorder_primitive_desc_create(&pd, &from, engine, &to, engine, attributes), "reorder")
            guard let pd else { throw .backend(op: "reorder", detail: "no reorder") }
            return try DNNLPrimitive(op: "reorder", descriptor: pd)
        }
        try run(reorder, op: "reorder", [
            DNNLOperand(index: DNNL_ARG_FROM, descriptor: source, pointer: UnsafeMutableRawPointer(storage.pointer)),
            DNNLOperand(index: DNNL_ARG_TO, descriptor: target, pointer: UnsafeMutableRawPointer(out.pointer)),
        ])
        return out
    }

    /// A cache key: `prefix`, then the integers. Cache keys are built for every op run, so they
    /// are made from numbers appended one by one (interpolating arrays, enums or structs goes
    /// through reflection, and cost about a quarter of batch-1 inference).
    static func key(_ prefix: String, _ values: [Int]) -> String {
        var text = prefix
        for value in values {
            text.append(" ")
            text += String(value)
        }
        return text
    }

    /// A stable text form of a memory descriptor's meaningful fields, for cache keys. It runs
    /// for every weight and reorder lookup, so it appends integers to one string (array
    /// interpolation goes through reflection and cost a tenth of batch-1 inference).
    static func describe(_ desc: dnnl_memory_desc_t) -> String {
        var d = desc
        var text = ""
        text.reserveCapacity(160)
        func append<T>(_ tag: Character, _ tuple: inout T, _ count: Int) {
            text.append(tag)
            withUnsafeBytes(of: &tuple) { raw in
                for value in raw.bindMemory(to: Int64.self).prefix(count) {
                    text += String(value)
                    text.append(",")
                }
            }
        }
        let rank = Int(d.ndims)
        text += String(d.data_type.rawValue) + ":" + String(d.format_kind.rawValue) + ":o" + String(d.offset0)
        append("d", &d.dims, rank)
        append("p", &d.padded_dims, rank)
        if d.format_kind == dnnl_blocked {
            var blocking = d.format_desc.blocking
            let blocks = Int(blocking.inner_nblks)
            append("s", &blocking.strides, rank)
            append("b", &blocking.inner_blks, blocks)
            append("i", &blocking.inner_idxs, blocks)
        } else if d.format_kind == dnnl_format_kind_wino {
            // Winograd weights come in several tile sizes and blockings of the same dims: two
            // of them must never share a cached reorder or a cached copy.
            var wino = d.format_desc.wino_desc
            text.append("w")
            withUnsafeBytes(of: &wino) { raw in
                for offset in stride(from: 0, to: raw.count, by: 8) {
                    var word: UInt64 = 0
                    for k in offset..<min(offset + 8, raw.count) { word |= UInt64(raw[k]) << (8 * UInt64(k - offset)) }
                    text += String(word, radix: 16)
                    text.append(".")
                }
            }
        }
        return text
    }

    static func query(for argument: Int32) -> dnnl_query_t? {
        switch argument {
        case DNNL_ARG_SRC: return dnnl_query_src_md
        case DNNL_ARG_DST: return dnnl_query_dst_md
        case DNNL_ARG_WEIGHTS: return dnnl_query_weights_md
        case DNNL_ARG_DIFF_SRC: return dnnl_query_diff_src_md
        case DNNL_ARG_DIFF_DST: return dnnl_query_diff_dst_md
        case DNNL_ARG_DIFF_WEIGHTS: return dnnl_query_diff_weights_md
        case DNNL_ARG_WORKSPACE: return dnnl_query_workspace_md
        default: return nil
        }
    }
}
