import CDNNL

/// One argument of a primitive execution: where the caller's data is, in which (plain) layout,
/// and whether the primitive reads or writes it.
struct DNNLArgument {
    let index: Int32
    let pointer: UnsafeMutableRawPointer
    let userDescriptor: dnnl_memory_desc_t
    let isOutput: Bool
}

extension DNNLContext {
    /// Executes `primitive`, reordering each argument between the caller's plain layout and the
    /// layout the primitive chose (blocked layouts such as nChw16c) where they differ.
    func execute(_ primitive: DNNLPrimitive, op: String, arguments: [DNNLArgument],
                 internal extra: [(Int32, dnnl_query_t)] = []) throws(TensorError) {
        var memories: [dnnl_memory_t] = []
        var temporaries: [TensorStorage] = []
        var writeBacks: [(from: dnnl_memory_t, to: dnnl_memory_t, key: String)] = []
        defer { for memory in memories { dnnl_memory_destroy(memory) } }
        var execArguments: [dnnl_exec_arg_t] = []

        func memory(_ desc: dnnl_memory_desc_t, _ pointer: UnsafeMutableRawPointer) throws(TensorError) -> dnnl_memory_t {
            var memory: dnnl_memory_t?
            var d = desc
            try check(dnnl_memory_create(&memory, &d, engine, pointer), "\(op) memory")
            guard let memory else { throw .backend(op: op, detail: "no memory") }
            memories.append(memory)
            return memory
        }

        for argument in arguments {
            let query = DNNLContext.query(for: argument.index)
            var wanted = query.flatMap { primitive.memoryDescriptor($0) } ?? argument.userDescriptor
            var user = argument.userDescriptor
            let userMemory = try memory(user, argument.pointer)
            if dnnl_memory_desc_equal(&wanted, &user) != 0 {
                execArguments.append(dnnl_exec_arg_t(arg: argument.index, memory: userMemory))
                continue
            }
            let bytes = dnnl_memory_desc_get_size(&wanted)
            let storage = TensorStorage(count: (bytes + 3) / 4)
            temporaries.append(storage)
            let inner = try memory(wanted, UnsafeMutableRawPointer(storage.pointer))
            if argument.isOutput {
                writeBacks.append((inner, userMemory, DNNLContext.reorderKey(wanted, user)))
            } else {
                try reorder(from: userMemory, fromDescriptor: user, to: inner, toDescriptor: wanted, op: op)
            }
            execArguments.append(dnnl_exec_arg_t(arg: argument.index, memory: inner))
        }
        for (index, query) in extra {
            guard var desc = primitive.memoryDescriptor(query) else { continue }
            let bytes = dnnl_memory_desc_get_size(&desc)
            if bytes == 0 { continue }
            let storage = TensorStorage(count: (bytes + 3) / 4)
            temporaries.append(storage)
            execArguments.append(dnnl_exec_arg_t(arg: index, memory: try memory(desc, UnsafeMutableRawPointer(storage.pointer))))
        }
        let status = execArguments.withUnsafeBufferPointer {
            dnnl_primitive_execute(primitive.primitive, stream, Int32($0.count), $0.baseAddress)
        }
        try check(status, op)
        for writeBack in writeBacks {
            var fromDescriptor: UnsafePointer<dnnl_memory_desc_t>?
            var toDescriptor: UnsafePointer<dnnl_memory_desc_t>?
            dnnl_memory_get_memory_desc(writeBack.from, &fromDescriptor)
            dnnl_memory_get_memory_desc(writeBack.to, &toDescriptor)
            guard let fromDescriptor, let toDescriptor else { throw .backend(op: op, detail: "no descriptor") }
            try reorder(from: writeBack.from, fromDescriptor: fromDescriptor.pointee, to: writeBack.to,
                        toDescriptor: toDescriptor.pointee, op: op)
        }
        try check(dnnl_stream_wait(stream), op)
        withExtendedLifetime(temporaries) {}
    }

    /// Copies between two layouts of the same tensor through a cached reorder primitive.
    func reorder(from source: dnnl_memory_t, fromDescriptor: dnnl_memory_desc_t, to target: dnnl_memory_t,
                 toDescriptor: dnnl_memory_desc_t, op: String) throws(TensorError) {
        let key = "reorder " + DNNLContext.reorderKey(fromDescriptor, toDescriptor)
        let reorder = try primitive(key) { () throws(TensorError) -> DNNLPrimitive in
            var pd: dnnl_primitive_desc_t?
            var from = fromDescriptor, to = toDescriptor
            try check(dnnl_reorder_primitive_desc_create(&pd, &from, engine, &to, engine, nil), "\(op) reorder")
            guard let pd else { throw .backend(op: op, detail: "no reorder") }
            return try DNNLPrimitive(op: "\(op) reorder", descriptor: pd)
        }
        var arguments = [dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: source), dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: target)]
        let status = arguments.withUnsafeMutableBufferPointer {
            dnnl_primitive_execute(reorder.primitive, stream, 2, $0.baseAddress)
        }
        try check(status, "\(op) reorder")
    }

    static func reorderKey(_ a: dnnl_memory_desc_t, _ b: dnnl_memory_desc_t) -> String {
        describe(a) + "->" + describe(b)
    }

    /// A stable text form of a memory descriptor (dims, strides, blocking) for cache keys.
    static func describe(_ desc: dnnl_memory_desc_t) -> String {
        var d = desc
        return withUnsafeBytes(of: &d) { raw in
            // The descriptor is plain data; hashing its bytes identifies the layout exactly.
            var hasher = 0xcbf2_9ce4_8422_2325 as UInt64
            for byte in raw { hasher = (hasher ^ UInt64(byte)) &* 0x100_0000_01b3 }
            return String(hasher, radix: 16)
        }
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
