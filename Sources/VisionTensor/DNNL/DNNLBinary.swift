import CDNNL

/// Elementwise sums through oneDNN's binary primitive: vectorised and spread over the OpenMP
/// team, where a Swift loop runs on one thread while the team's other threads spin.
enum DNNLBinary {
    /// z = x + y, all three `count` floats in the layout `layout` (the same for all three).
    static func add(_ x: TensorStorage, _ y: TensorStorage, into z: TensorStorage, layout: dnnl_memory_desc_t) throws(TensorError) {
        let context = try DNNLContext.shared()
        let primitive = try context.primitive("binary add " + DNNLContext.describe(layout)) { () throws(TensorError) -> DNNLPrimitive in
            var desc = dnnl_binary_desc_t()
            var source0 = layout, source1 = layout, destination = layout
            try check(dnnl_binary_desc_init(&desc, dnnl_binary_add, &source0, &source1, &destination), "add descriptor")
            return try DNNLPrimitive(op: "add", desc: &desc, context: context)
        }
        try context.run(primitive, op: "add", [
            DNNLOperand(index: DNNL_ARG_SRC_0, descriptor: layout, pointer: UnsafeMutableRawPointer(x.pointer)),
            DNNLOperand(index: DNNL_ARG_SRC_1, descriptor: layout, pointer: UnsafeMutableRawPointer(y.pointer)),
            DNNLOperand(index: DNNL_ARG_DST, descriptor: layout, pointer: UnsafeMutableRawPointer(z.pointer)),
        ], keepAlive: [x, y, z])
    }
}
