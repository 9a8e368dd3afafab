import CDNNL

/// Max and average pooling through oneDNN, in the input's layout.
enum DNNLPooling {
    enum Kind: Hashable {
        case max
        case average(includePadding: Bool)

        var algorithm: dnnl_alg_kind_t {
            switch self {
            case .max: return dnnl_pooling_max
            case .average(let include): return include ? dnnl_pooling_avg_include_padding : dnnl_pooling_avg_exclude_padding
            }
        }
    }

    private static func key(_ g: PoolingGeometry) -> String {
        DNNLContext.key("", [g.batch, g.channels, g.inputHeight, g.inputWidth, g.kernelHeight, g.kernelWidth, g.strideHeight,
                             g.strideWidth, g.paddingHeight, g.paddingWidth])
    }

    private static func primitive(_ g: PoolingGeometry, kind: Kind, source: dnnl_memory_desc_t, training: Bool,
                                  context: DNNLContext) throws(TensorError) -> DNNLPrimitive {
        try context.primitive("pool fwd \(kind.algorithm.rawValue) \(training) \(key(g)) \(DNNLContext.describe(source))") { () throws(TensorError) -> DNNLPrimitive in
            var desc = dnnl_pooling_v2_desc_t()
            var src = source
            var dst = try plainDescriptor(g.outputShape, dnnl_format_tag_any)
            let dims = DimsArena()
            let strides = dims([g.strideHeight, g.strideWidth]), kernel = dims([g.kernelHeight, g.kernelWidth])
            let dilation = dims([0, 0]), left = dims([g.paddingHeight, g.paddingWidth])
            let right = dims([
                (g.outputHeight - 1) * g.strideHeight + g.kernelHeight - g.inputHeight - g.paddingHeight,
                (g.outputWidth - 1) * g.strideWidth + g.kernelWidth - g.inputWidth - g.paddingWidth,
            ])
            try check(dnnl_pooling_v2_forward_desc_init(
                &desc, training ? dnnl_forward_training : dnnl_forward_inference, kind.algorithm, &src, &dst, strides,
                kernel, dilation, left, right), "pooling forward descriptor")
            return try DNNLPrimitive(op: "pooling forward", desc: &desc, context: context)
        }
    }

    private static func backwardPrimitive(_ g: PoolingGeometry, kind: Kind, source: dnnl_memory_desc_t, hint: DNNLPrimitive,
                                          context: DNNLContext) throws(TensorError) -> DNNLPrimitive {
        try context.primitive("pool bwd \(kind.algorithm.rawValue) \(key(g)) \(DNNLContext.describe(source))") { () throws(TensorError) -> DNNLPrimitive in
            var desc = dnnl_pooling_v2_desc_t()
            var diffSource = source
            var diffDestination = hint.memoryDescriptor(dnnl_query_dst_md) ?? dnnl_memory_desc_t()
            let dims = DimsArena()
            let strides = dims([g.strideHeight, g.strideWidth]), kernel = dims([g.kernelHeight, g.kernelWidth])
            let dilation = dims([0, 0]), left = dims([g.paddingHeight, g.paddingWidth])
            let right = dims([
                (g.outputHeight - 1) * g.strideHeight + g.kernelHeight - g.inputHeight - g.paddingHeight,
                (g.outputWidth - 1) * g.strideWidth + g.kernelWidth - g.inputWidth - g.paddingWidth,
            ])
            try check(dnnl_pooling_v2_backward_desc_init(
                &desc, kind.algorithm, &diffSource, &diffDestination, strides, kernel, dilation, left, right),
                "pooling backward descriptor")
            return try DNNLPrimitive(op: "pooling backward", desc: &desc, hint: hint, context: context)
        }
    }

    struct Saved {
        let source: dnnl_memory_desc_t
        let workspace: (TensorStorage, dnnl_memory_desc_t)?
    }

    static func forward(_ x: Tensor, _ g: PoolingGeometry, kind: Kind) throws(TensorError) -> (Tensor, Saved) {
        let context = try DNNLContext.shared()
        let source = try x.memoryDescriptor()
        let training = GradientMode.isEnabled
        let primitive = try primitive(g, kind: kind, source: source, training: training, context: context)
        let (output, destination) = try context.output(g.outputShape, DNNL_ARG_DST, of: primitive)
        var operands = [
            DNNLOperand(index: DNNL_ARG_SRC, descriptor: source, pointer: UnsafeMutableRawPointer(x.storage.pointer)), destination,
        ]
        let workspace = training ? context.workspace(of: primitive) : nil
        if let workspace {
            operands.append(DNNLOperand(index: DNNL_ARG_WORKSPACE, descriptor: workspace.1, pointer: UnsafeMutableRawPointer(workspace.0.pointer)))
        }
        try context.run(primitive, op: "pooling forward", operands)
        return (output, Saved(source: source, workspace: workspace))
    }

    static func backward(_ gradOutput: Tensor, _ g: PoolingGeometry, kind: Kind, saved: Saved) throws(TensorError) -> Tensor {
        let context = try DNNLContext.shared()
        let hint = try primitive(g, kind: kind, source: saved.source, training: true, context: context)
        let primitive = try backwardPrimitive(g, kind: kind, source: saved.source, hint: hint, context: context)
        var keep: [TensorStorage] = []
        let diffDestination = try context.input(gradOutput, DNNL_ARG_DIFF_DST, of: primitive, inPlace: true, keepAlive: &keep)
        let (gradInput, diffSource) = try context.output(g.inputShape, DNNL_ARG_DIFF_SRC, of: primitive)
        var operands = [diffDestination, diffSource]
        if let workspace = saved.workspace {
            operands.append(DNNLOperand(index: DNNL_ARG_WORKSPACE, descriptor: workspace.1, pointer: UnsafeMutableRawPointer(workspace.0.pointer)))
        }
        try context.run(primitive, op: "pooling backward", operands, keepAlive: keep)
        return gradInput
    }
}
