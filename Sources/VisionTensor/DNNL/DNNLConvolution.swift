import CDNNL

/// Convolution forward, backward-data and backward-weights through oneDNN, with primitives
/// cached per geometry. oneDNN picks its layouts; `DNNLContext.execute` reorders at the edges.
enum DNNLConvolution {
    struct Descriptors {
        var source: dnnl_memory_desc_t
        var weights: dnnl_memory_desc_t
        var bias: dnnl_memory_desc_t
        var destination: dnnl_memory_desc_t
        var userSource: dnnl_memory_desc_t
        var userWeights: dnnl_memory_desc_t
        var userBias: dnnl_memory_desc_t
        var userDestination: dnnl_memory_desc_t
        var strides: dnnl_dims_t
        var dilates: dnnl_dims_t
        var paddingLeft: dnnl_dims_t
        var paddingRight: dnnl_dims_t
    }

    static func descriptors(_ g: ConvolutionGeometry) throws(TensorError) -> Descriptors {
        let weightDims = g.groups == 1
            ? g.weightShape
            : [g.groups, g.outputChannels / g.groups, g.inputChannels / g.groups, g.kernelHeight, g.kernelWidth]
        let weightTag = g.groups == 1 ? dnnl_oihw : dnnl_goihw
        // oneDNN wants explicit right padding; PyTorch's floor rule can make it smaller than the
        // left padding (even negative), which oneDNN accepts.
        let padBottom = (g.outputHeight - 1) * g.strideHeight + (g.kernelHeight - 1) * g.dilationHeight + 1 - g.inputHeight - g.paddingHeight
        let padRight = (g.outputWidth - 1) * g.strideWidth + (g.kernelWidth - 1) * g.dilationWidth + 1 - g.inputWidth - g.paddingWidth
        return Descriptors(
            source: try plainDescriptor(g.inputShape, dnnl_format_tag_any),
            weights: try plainDescriptor(weightDims, dnnl_format_tag_any),
            bias: try plainDescriptor([g.outputChannels], dnnl_x),
            destination: try plainDescriptor(g.outputShape, dnnl_format_tag_any),
            userSource: try plainDescriptor(g.inputShape, dnnl_nchw),
            userWeights: try plainDescriptor(weightDims, weightTag),
            userBias: try plainDescriptor([g.outputChannels], dnnl_x),
            userDestination: try plainDescriptor(g.outputShape, dnnl_nchw),
            strides: dimsTuple([g.strideHeight, g.strideWidth]),
            dilates: dimsTuple([g.dilationHeight - 1, g.dilationWidth - 1]),
            paddingLeft: dimsTuple([g.paddingHeight, g.paddingWidth]),
            paddingRight: dimsTuple([padBottom, padRight]))
    }

    static func key(_ g: ConvolutionGeometry, _ kind: String, bias: Bool) -> String {
        "conv \(kind) \(g.inputShape) \(g.weightShape) s\(g.strideHeight),\(g.strideWidth) p\(g.paddingHeight),\(g.paddingWidth) d\(g.dilationHeight),\(g.dilationWidth) g\(g.groups) b\(bias)"
    }

    static func forwardPrimitive(_ g: ConvolutionGeometry, bias: Bool, training: Bool, context: DNNLContext) throws(TensorError) -> DNNLPrimitive {
        try context.primitive(key(g, training ? "fwd-train" : "fwd-infer", bias: bias)) { () throws(TensorError) -> DNNLPrimitive in
            var d = try descriptors(g)
            var desc = dnnl_convolution_desc_t()
            var biasDescriptor = d.bias
            let status = withUnsafeMutablePointer(to: &biasDescriptor) { biasPointer in
                dnnl_dilated_convolution_forward_desc_init(
                    &desc, training ? dnnl_forward_training : dnnl_forward_inference, dnnl_convolution_direct, &d.source,
                    &d.weights, bias ? biasPointer : nil, &d.destination, &d.strides.0, &d.dilates.0, &d.paddingLeft.0,
                    &d.paddingRight.0)
            }
            try check(status, "conv2d forward descriptor")
            return try DNNLPrimitive(op: "conv2d forward", desc: &desc, context: context)
        }
    }

    static func forward(_ g: ConvolutionGeometry, input: Tensor, weight: Tensor, bias: Tensor?, output: Tensor) throws(TensorError) {
        let context = try DNNLContext.shared()
        let primitive = try forwardPrimitive(g, bias: bias != nil, training: GradientMode.isEnabled, context: context)
        let d = try descriptors(g)
        var arguments = [
            DNNLArgument(index: DNNL_ARG_SRC, pointer: UnsafeMutableRawPointer(input.pointer), userDescriptor: d.userSource, isOutput: false),
            DNNLArgument(index: DNNL_ARG_WEIGHTS, pointer: UnsafeMutableRawPointer(weight.pointer), userDescriptor: d.userWeights, isOutput: false),
            DNNLArgument(index: DNNL_ARG_DST, pointer: UnsafeMutableRawPointer(output.pointer), userDescriptor: d.userDestination, isOutput: true),
        ]
        if let bias {
            arguments.append(DNNLArgument(index: DNNL_ARG_BIAS, pointer: UnsafeMutableRawPointer(bias.pointer), userDescriptor: d.userBias, isOutput: false))
        }
        try context.execute(primitive, op: "conv2d forward", arguments: arguments)
    }

    static func backward(_ g: ConvolutionGeometry, input: Tensor, weight: Tensor, gradOutput: Tensor, gradInput: Tensor?,
                         gradWeight: Tensor?, gradBias: Tensor?) throws(TensorError) {
        let context = try DNNLContext.shared()
        let hint = try forwardPrimitive(g, bias: gradBias != nil, training: true, context: context)
        let d = try descriptors(g)
        if let gradInput {
            let primitive = try context.primitive(key(g, "bwd-data", bias: false)) { () throws(TensorError) -> DNNLPrimitive in
                var d = d
                var desc = dnnl_convolution_desc_t()
                try check(dnnl_dilated_convolution_backward_data_desc_init(
                    &desc, dnnl_convolution_direct, &d.source, &d.weights, &d.destination, &d.strides.0, &d.dilates.0,
                    &d.paddingLeft.0, &d.paddingRight.0), "conv2d backward-data descriptor")
                return try DNNLPrimitive(op: "conv2d backward data", desc: &desc, hint: hint, context: context)
            }
            try context.execute(primitive, op: "conv2d backward data", arguments: [
                DNNLArgument(index: DNNL_ARG_DIFF_DST, pointer: UnsafeMutableRawPointer(gradOutput.pointer), userDescriptor: d.userDestination, isOutput: false),
                DNNLArgument(index: DNNL_ARG_WEIGHTS, pointer: UnsafeMutableRawPointer(weight.pointer), userDescriptor: d.userWeights, isOutput: false),
                DNNLArgument(index: DNNL_ARG_DIFF_SRC, pointer: UnsafeMutableRawPointer(gradInput.pointer), userDescriptor: d.userSource, isOutput: true),
            ])
        }
        if let gradWeight {
            let hasBias = gradBias != nil
            let primitive = try context.primitive(key(g, "bwd-weights", bias: hasBias)) { () throws(TensorError) -> DNNLPrimitive in
                var d = d
                var desc = dnnl_convolution_desc_t()
                var biasDescriptor = d.bias
                let status = withUnsafeMutablePointer(to: &biasDescriptor) { biasPointer in
                    dnnl_dilated_convolution_backward_weights_desc_init(
                        &desc, dnnl_convolution_direct, &d.source, &d.weights, hasBias ? biasPointer : nil, &d.destination,
                        &d.strides.0, &d.dilates.0, &d.paddingLeft.0, &d.paddingRight.0)
                }
                try check(status, "conv2d backward-weights descriptor")
                return try DNNLPrimitive(op: "conv2d backward weights", desc: &desc, hint: hint, context: context)
            }
            var arguments = [
                DNNLArgument(index: DNNL_ARG_SRC, pointer: UnsafeMutableRawPointer(input.pointer), userDescriptor: d.userSource, isOutput: false),
                DNNLArgument(index: DNNL_ARG_DIFF_DST, pointer: UnsafeMutableRawPointer(gradOutput.pointer), userDescriptor: d.userDestination, isOutput: false),
                DNNLArgument(index: DNNL_ARG_DIFF_WEIGHTS, pointer: UnsafeMutableRawPointer(gradWeight.pointer), userDescriptor: d.userWeights, isOutput: true),
            ]
            if let gradBias {
                arguments.append(DNNLArgument(index: DNNL_ARG_DIFF_BIAS, pointer: UnsafeMutableRawPointer(gradBias.pointer), userDescriptor: d.userBias, isOutput: true))
            }
            try context.execute(primitive, op: "conv2d backward weights", arguments: arguments)
        } else if let gradBias {
            // Bias gradient alone: the sum of dL/dy over N, H, W.
            let plane = g.outputHeight * g.outputWidth
            let s = gradOutput.pointer, t = gradBias.pointer
            for n in 0..<g.batch {
                for c in 0..<g.outputChannels {
                    var total: Float = 0
                    let base = (n * g.outputChannels + c) * plane
                    for i in 0..<plane { total += s[base + i] }
                    t[c] += total
                }
            }
        }
    }
}
