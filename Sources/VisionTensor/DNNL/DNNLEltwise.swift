import CDNNL

/// Activations through oneDNN, in the input's layout.
enum DNNLEltwise {
    static func algorithm(_ kind: Activation) -> (dnnl_alg_kind_t, Float) {
        switch kind {
        case .relu: return (dnnl_eltwise_relu, 0)
        case .leakyRelu(let slope): return (dnnl_eltwise_relu, slope)
        case .silu: return (dnnl_eltwise_swish, 1)
        case .sigmoid: return (dnnl_eltwise_logistic, 0)
        case .tanh: return (dnnl_eltwise_tanh, 0)
        case .gelu: return (dnnl_eltwise_gelu_erf, 0)
        case .geluTanh: return (dnnl_eltwise_gelu_tanh, 0)
        case .hardswish: return (dnnl_eltwise_hardswish, 0)
        case .relu6: return (dnnl_eltwise_clip_v2, 0)
        }
    }

    /// The upper bound for clip (ReLU6); unused by the others.
    static func beta(_ kind: Activation) -> Float { kind == .relu6 ? 6 : 0 }

    /// The activation for a cache key, from numbers (interpolating the enum goes through reflection).
    static func name(_ kind: Activation) -> String {
        let (algorithm, alpha) = algorithm(kind)
        return String(algorithm.rawValue) + "/" + String(alpha) + "/" + String(beta(kind))
    }

    private static func forwardPrimitive(_ kind: Activation, data: dnnl_memory_desc_t, training: Bool, context: DNNLContext) throws(TensorError) -> DNNLPrimitive {
        try context.primitive("eltwise fwd \(name(kind)) \(training) \(DNNLContext.describe(data))") { () throws(TensorError) -> DNNLPrimitive in
            var desc = dnnl_eltwise_desc_t()
            var d = data
            let (algorithm, alpha) = algorithm(kind)
            try check(dnnl_eltwise_forward_desc_init(&desc, training ? dnnl_forward_training : dnnl_forward_inference, algorithm, &d, alpha, beta(kind)),
                      "eltwise forward descriptor")
            return try DNNLPrimitive(op: "\(kind.name) forward", desc: &desc, context: context)
        }
    }

    static func forward(_ kind: Activation, _ x: Tensor) throws(TensorError) -> Tensor {
        let context = try DNNLContext.shared()
        let data = try x.memoryDescriptor()
        let primitive = try forwardPrimitive(kind, data: data, training: GradientMode.isEnabled, context: context)
        let output = Tensor(shape: x.shape, storage: TensorStorage(uninitializedCount: x.storage.count), layout: x.layout)
        try context.run(primitive, op: "\(kind.name) forward", [
            DNNLOperand(index: DNNL_ARG_SRC, descriptor: data, pointer: UnsafeMutableRawPointer(x.storage.pointer)),
            DNNLOperand(index: DNNL_ARG_DST, descriptor: data, pointer: UnsafeMutableRawPointer(output.storage.pointer)),
        ])
        return output
    }

    static func backward(_ kind: Activation, _ x: Tensor, gradOutput: Tensor) throws(TensorError) -> Tensor {
        let context = try DNNLContext.shared()
        let data = try x.memoryDescriptor()
        let hint = try forwardPrimitive(kind, data: data, training: true, context: context)
        let primitive = try context.primitive("eltwise bwd \(name(kind)) \(DNNLContext.describe(data))") { () throws(TensorError) -> DNNLPrimitive in
            var desc = dnnl_eltwise_desc_t()
            var d = data
            let (algorithm, alpha) = algorithm(kind)
            try check(dnnl_eltwise_backward_desc_init(&desc, algorithm, &d, &d, alpha, beta(kind)), "eltwise backward descriptor")
            return try DNNLPrimitive(op: "\(kind.name) backward", desc: &desc, hint: hint, context: context)
        }
        try gradOutput.convert(to: data)
        let gradInput = Tensor(shape: x.shape, storage: TensorStorage(uninitializedCount: x.storage.count), layout: x.layout)
        try context.run(primitive, op: "\(kind.name) backward", [
            DNNLOperand(index: DNNL_ARG_SRC, descriptor: data, pointer: UnsafeMutableRawPointer(x.storage.pointer)),
            DNNLOperand(index: DNNL_ARG_DIFF_DST, descriptor: data, pointer: UnsafeMutableRawPointer(gradOutput.storage.pointer)),
            DNNLOperand(index: DNNL_ARG_DIFF_SRC, descriptor: data, pointer: UnsafeMutableRawPointer(gradInput.storage.pointer)),
        ])
        return gradInput
    }
}
