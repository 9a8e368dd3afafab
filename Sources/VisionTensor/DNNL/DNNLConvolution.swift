import CDNNL
import Foundation

/// Convolution forward, backward-data and backward-weights through oneDNN, with primitives
/// cached per geometry. oneDNN picks the activation layouts (blocked, e.g. nChw16c); outputs
/// stay in them, and inputs are reordered in place once when they arrive in another layout.
enum DNNLConvolution {
    struct Descriptors {
        var source: dnnl_memory_desc_t
        var weights: dnnl_memory_desc_t
        var bias: dnnl_memory_desc_t
        var destination: dnnl_memory_desc_t
        var userWeights: dnnl_memory_desc_t
        var strides: [Int]
        var dilates: [Int]
        var paddingLeft: [Int]
        var paddingRight: [Int]
    }

    static func descriptors(_ g: ConvolutionGeometry) throws(TensorError) -> Descriptors {
        let weightDims = g.groups == 1
            ? g.weightShape
            : [g.groups, g.outputChannels / g.groups, g.inputChannels / g.groups, g.kernelHeight, g.kernelWidth]
        // oneDNN wants explicit right padding; PyTorch's floor rule can make it smaller than the
        // left padding (even negative), which oneDNN accepts.
        let padBottom = (g.outputHeight - 1) * g.strideHeight + (g.kernelHeight - 1) * g.dilationHeight + 1 - g.inputHeight - g.paddingHeight
        let padRight = (g.outputWidth - 1) * g.strideWidth + (g.kernelWidth - 1) * g.dilationWidth + 1 - g.inputWidth - g.paddingWidth
        return Descriptors(
            source: try plainDescriptor(g.inputShape, dnnl_format_tag_any),
            weights: try plainDescriptor(weightDims, dnnl_format_tag_any),
            bias: try plainDescriptor([g.outputChannels], dnnl_x),
            destination: try plainDescriptor(g.outputShape, dnnl_format_tag_any),
            userWeights: try plainDescriptor(weightDims, g.groups == 1 ? dnnl_oihw : dnnl_goihw),
            strides: [g.strideHeight, g.strideWidth],
            dilates: [g.dilationHeight - 1, g.dilationWidth - 1],
            paddingLeft: [g.paddingHeight, g.paddingWidth],
            paddingRight: [padBottom, padRight])
    }

    static func key(_ g: ConvolutionGeometry, _ kind: String, bias: Bool) -> String {
        DNNLContext.key("conv " + kind, g.inputShape + g.weightShape + [
            g.strideHeight, g.strideWidth, g.paddingHeight, g.paddingWidth, g.dilationHeight, g.dilationWidth, g.groups, bias ? 1 : 0,
        ])
    }

    static func forwardPrimitive(_ g: ConvolutionGeometry, bias: Bool, training: Bool, context: DNNLContext) throws(TensorError) -> DNNLPrimitive {
        try context.primitive(key(g, training ? "fwd-train" : "fwd-infer", bias: bias)) { () throws(TensorError) -> DNNLPrimitive in
            func make(_ algorithm: dnnl_alg_kind_t) throws(TensorError) -> DNNLPrimitive {
                var d = try descriptors(g)
                let dims = DimsArena()
                var desc = dnnl_convolution_desc_t()
                var biasDescriptor = d.bias
                let status = withUnsafeMutablePointer(to: &biasDescriptor) { biasPointer in
                    dnnl_dilated_convolution_forward_desc_init(
                        &desc, training ? dnnl_forward_training : dnnl_forward_inference, algorithm, &d.source,
                        &d.weights, bias ? biasPointer : nil, &d.destination, dims(d.strides), dims(d.dilates), dims(d.paddingLeft),
                        dims(d.paddingRight))
                }
                try check(status, "conv2d forward descriptor")
                return try DNNLPrimitive(op: "conv2d forward", desc: &desc, context: context)
            }
            // The backward passes follow the forward's choice (see `backward`).
            return try preferringWinograd(usesWinograd(g), make)
        }
    }

    /// The primitive `make` builds with Winograd when `wanted` and oneDNN has a real kernel for
    /// it (not its `ref:` code, and not on CPUs without one), else with direct convolution.
    static func preferringWinograd(_ wanted: Bool, _ make: (dnnl_alg_kind_t) throws(TensorError) -> DNNLPrimitive)
        throws(TensorError) -> DNNLPrimitive
    {
        if wanted, let primitive = try? make(dnnl_convolution_winograd), !primitive.implementation.hasPrefix("ref") {
            return primitive
        }
        return try make(dnnl_convolution_direct)
    }

    /// Weights arrive row-major (OIHW) and go to the primitive's layout through a temporary;
    /// in inference the reordered copy is kept until the weight changes (`Tensor.version`).
    private static func weights(_ weight: Tensor, _ g: ConvolutionGeometry, _ index: Int32, of primitive: DNNLPrimitive,
                                context: DNNLContext, keepAlive: inout [TensorStorage]) throws(TensorError) -> DNNLOperand {
        var user = try descriptors(g).userWeights
        let storage = weight.rowMajorStorage
        guard let query = DNNLContext.query(for: index), var wanted = primitive.memoryDescriptor(query),
            dnnl_memory_desc_equal(&user, &wanted) == 0
        else {
            return DNNLOperand(index: index, descriptor: user, pointer: UnsafeMutableRawPointer(storage.pointer))
        }
        // Only in inference: during training the weights change every step, and the backward
        // pass sees them through detached tensors.
        let cacheable = !GradientMode.isEnabled
        let key = DNNLContext.describe(wanted)
        if cacheable, let cached = WeightCache.shared.lookup(storage, version: weight.version, layout: key) {
            keepAlive.append(cached)
            return DNNLOperand(index: index, descriptor: wanted, pointer: UnsafeMutableRawPointer(cached.pointer))
        }
        let temporary = try context.reordered(storage, from: user, to: wanted)
        if cacheable { WeightCache.shared.store(temporary, for: storage, version: weight.version, layout: key) }
        keepAlive.append(temporary)
        return DNNLOperand(index: index, descriptor: wanted, pointer: UnsafeMutableRawPointer(temporary.pointer))
    }

    static func forward(_ g: ConvolutionGeometry, input: Tensor, weight: Tensor, bias: Tensor?) throws(TensorError) -> Tensor {
        if AVX2Winograd.applies(g) { return try AVX2Winograd.forward(g, input: input, weight: weight, bias: bias, residual: nil, relu: false) }
        let context = try DNNLContext.shared()
        let primitive = try forwardPrimitive(g, bias: bias != nil, training: GradientMode.isEnabled, context: context)
        var keep: [TensorStorage] = []
        var operands = [
            try context.input(input, DNNL_ARG_SRC, of: primitive, inPlace: true, keepAlive: &keep),
            try weights(weight, g, DNNL_ARG_WEIGHTS, of: primitive, context: context, keepAlive: &keep),
        ]
        if let bias {
            operands.append(DNNLOperand(index: DNNL_ARG_BIAS, descriptor: try descriptors(g).bias,
                                        pointer: UnsafeMutableRawPointer(bias.rowMajorStorage.pointer)))
        }
        let (output, destination) = try context.output(g.outputShape, DNNL_ARG_DST, of: primitive)
        operands.append(destination)
        try context.run(primitive, op: "conv2d forward", operands, keepAlive: keep)
        return output
    }

    /// Winograd F(4×4, 3×3) (`VISION_WINOGRAD=0` turns it off) for 3×3 stride-1 convolutions
    /// with at least 32 input and output channels in 16-lane blocks and outputs of at least 8×8
    /// (smaller maps have too few tiles to gain), in inference and in all three training passes.
    /// It does about 2.25× fewer multiplications than direct convolution: on ResNet-20 with 2
    /// threads, inference at batch 64 ran 1.35× faster on the 32-channel layers and 2× on the
    /// 64-channel ones (but 1.5× slower on 16-channel ones, where its transforms dominate), and
    /// training at batch 128 9% faster overall. Results differ from direct convolution by
    /// rounding only (about 1e-5 relative to the values' scale, inside the PyTorch golden tests'
    /// tolerances).
    static let winogradEnabled: Bool = ProcessInfo.processInfo.environment["VISION_WINOGRAD"] != "0"

    static func usesWinograd(_ g: ConvolutionGeometry) -> Bool {
        winogradEnabled && g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideHeight == 1 && g.strideWidth == 1
            && g.dilationHeight == 1 && g.dilationWidth == 1 && g.groups == 1
            && g.inputChannels >= 32 && g.outputChannels >= 32 && g.inputChannels % 16 == 0 && g.outputChannels % 16 == 0
            && g.outputHeight >= 8 && g.outputWidth >= 8
            // One image: as fast direct (or with AVX2Winograd), without weights 4× their size.
            && (g.batch > 1 || GradientMode.isEnabled)
    }

    /// Inference convolution with bias, then optionally `residual` added (a sum post-op: the
    /// output buffer starts as a copy of the residual) and ReLU, all in one pass over memory.
    ///
    /// Layouts: once an activation is in nChw16c it stays there (the source is asked for in the
    /// layout it already has, and so is the output when its channels fill 16-lane blocks), so a
    /// network pays one reorder at its edge instead of one between differently-chosen layers.
    static func forwardInference(_ g: ConvolutionGeometry, input: Tensor, weight: Tensor, bias: Tensor, residual: Tensor?, relu: Bool)
        throws(TensorError) -> Tensor
    {
        if AVX2Winograd.applies(g) { return try AVX2Winograd.forward(g, input: input, weight: weight, bias: bias, residual: residual, relu: relu) }
        let context = try DNNLContext.shared()
        let winograd = usesWinograd(g)
        var inputIs16 = false
        if g.inputChannels % 16 == 0 && g.outputChannels % 16 == 0 { inputIs16 = try input.isStored(as: dnnl_aBcd16b) }
        let kind = "infer" + (relu ? "-relu" : "") + (residual != nil ? "-sum" : "") + (inputIs16 ? "-16c" : "") + (winograd ? "-wino" : "")
        let primitive = try context.primitive(key(g, kind, bias: true)) { () throws(TensorError) -> DNNLPrimitive in
            func make(_ algorithm: dnnl_alg_kind_t, blocked16: Bool) throws(TensorError) -> DNNLPrimitive {
                var d = try descriptors(g)
                if blocked16 {
                    d.source = try plainDescriptor(g.inputShape, dnnl_aBcd16b)
                    d.destination = try plainDescriptor(g.outputShape, dnnl_aBcd16b)
                }
                let dims = DimsArena()
                var attributes: dnnl_primitive_attr_t?
                try check(dnnl_primitive_attr_create(&attributes), "conv2d attributes")
                defer { dnnl_primitive_attr_destroy(attributes) }
                if relu || residual != nil {
                    var postOps: dnnl_post_ops_t?
                    try check(dnnl_post_ops_create(&postOps), "conv2d post-ops")
                    defer { dnnl_post_ops_destroy(postOps) }
                    if residual != nil { try check(dnnl_post_ops_append_sum(postOps, 1), "conv2d sum post-op") }
                    if relu { try check(dnnl_post_ops_append_eltwise(postOps, 1, dnnl_eltwise_relu, 0, 0), "conv2d ReLU post-op") }
                    try check(dnnl_primitive_attr_set_post_ops(attributes, postOps), "conv2d post-ops")
                }
                var desc = dnnl_convolution_desc_t()
                try check(dnnl_dilated_convolution_forward_desc_init(
                    &desc, dnnl_forward_inference, algorithm, &d.source, &d.weights, &d.bias, &d.destination,
                    dims(d.strides), dims(d.dilates), dims(d.paddingLeft), dims(d.paddingRight)), "conv2d inference descriptor")
                return try DNNLPrimitive(op: "conv2d inference", desc: &desc, attributes: attributes, context: context)
            }
            // Winograd in nChw16c; direct convolution in nChw16c only if the input already is
            // (so that a CPU without 16-lane kernels is not pushed onto oneDNN's reference code).
            return try preferringWinograd(winograd) { (algorithm: dnnl_alg_kind_t) throws(TensorError) -> DNNLPrimitive in
                try make(algorithm, blocked16: algorithm == dnnl_convolution_winograd || inputIs16)
            }
        }
        var keep: [TensorStorage] = []
        let output: Tensor, destination: DNNLOperand
        if let residual {
            guard let wanted = primitive.memoryDescriptor(dnnl_query_dst_md) else {
                throw .backend(op: "conv2d inference", detail: "no destination layout")
            }
            // The sum post-op adds to what the output buffer holds: start it as the residual.
            let storage = try context.reordered(residual.storage, from: residual.memoryDescriptor(), to: wanted)
            output = try Tensor(shape: g.outputShape, storage: storage, storedAs: wanted)
            destination = DNNLOperand(index: DNNL_ARG_DST, descriptor: wanted, pointer: UnsafeMutableRawPointer(storage.pointer))
        } else {
            (output, destination) = try context.output(g.outputShape, DNNL_ARG_DST, of: primitive)
        }
        try context.run(primitive, op: "conv2d inference", [
            try context.input(input, DNNL_ARG_SRC, of: primitive, inPlace: true, keepAlive: &keep),
            try weights(weight, g, DNNL_ARG_WEIGHTS, of: primitive, context: context, keepAlive: &keep),
            DNNLOperand(index: DNNL_ARG_BIAS, descriptor: try descriptors(g).bias, pointer: UnsafeMutableRawPointer(bias.rowMajorStorage.pointer)),
            destination,
        ], keepAlive: keep)
        return output
    }

    static func backward(_ g: ConvolutionGeometry, input: Tensor, weight: Tensor, gradOutput: Tensor, needs: (Bool, Bool, Bool))
        throws(TensorError) -> (Tensor?, Tensor?, Tensor?)
    {
        if AVX2Winograd.applies(g) {
            let gradInput = needs.0 ? try AVX2Winograd.backwardData(g, weight: weight, gradOutput: gradOutput) : nil
            if needs.1 {
                let (gradWeight, gradBias) = try AVX2Winograd.backwardWeights(g, input: input, gradOutput: gradOutput, bias: needs.2)
                return (gradInput, gradWeight, gradBias)
            }
            return (gradInput, nil, needs.2 ? biasGradient(g, gradOutput) : nil)
        }
        let context = try DNNLContext.shared()
        let hasBias = needs.2
        let hint = try forwardPrimitive(g, bias: hasBias, training: true, context: context)
        // The backward passes use the forward's algorithm (it is their hint), and fall back to
        // direct convolution should oneDNN refuse Winograd for one of them. The algorithm is in
        // their cache keys so that a hint and its backward primitives always agree.
        let winograd = hint.implementation.contains("wino")
        let tag = winograd ? "-wino" : ""
        var gradInput: Tensor?, gradWeight: Tensor?, gradBias: Tensor?
        if needs.0 {
            let primitive = try context.primitive(key(g, "bwd-data" + tag, bias: false)) { () throws(TensorError) -> DNNLPrimitive in
                try preferringWinograd(winograd) { (algorithm: dnnl_alg_kind_t) throws(TensorError) -> DNNLPrimitive in
                    var d = try descriptors(g)
                    let dims = DimsArena()
                    var desc = dnnl_convolution_desc_t()
                    try check(dnnl_dilated_convolution_backward_data_desc_init(
                        &desc, algorithm, &d.source, &d.weights, &d.destination, dims(d.strides), dims(d.dilates),
                        dims(d.paddingLeft), dims(d.paddingRight)), "conv2d backward-data descriptor")
                    return try DNNLPrimitive(op: "conv2d backward data", desc: &desc, hint: hint, context: context)
                }
            }
            var keep: [TensorStorage] = []
            let (result, diffSource) = try context.output(g.inputShape, DNNL_ARG_DIFF_SRC, of: primitive)
            try context.run(primitive, op: "conv2d backward data", [
                try context.input(gradOutput, DNNL_ARG_DIFF_DST, of: primitive, inPlace: true, keepAlive: &keep),
                try weights(weight, g, DNNL_ARG_WEIGHTS, of: primitive, context: context, keepAlive: &keep),
                diffSource,
            ], keepAlive: keep)
            gradInput = result
        }
        if needs.1 {
            let primitive = try context.primitive(key(g, "bwd-weights" + tag, bias: hasBias)) { () throws(TensorError) -> DNNLPrimitive in
                try preferringWinograd(winograd) { (algorithm: dnnl_alg_kind_t) throws(TensorError) -> DNNLPrimitive in
                    var d = try descriptors(g)
                    let dims = DimsArena()
                    var desc = dnnl_convolution_desc_t()
                    var biasDescriptor = d.bias
                    let status = withUnsafeMutablePointer(to: &biasDescriptor) { biasPointer in
                        dnnl_dilated_convolution_backward_weights_desc_init(
                            &desc, algorithm, &d.source, &d.weights, hasBias ? biasPointer : nil, &d.destination,
                            dims(d.strides), dims(d.dilates), dims(d.paddingLeft), dims(d.paddingRight))
                    }
                    try check(status, "conv2d backward-weights descriptor")
                    return try DNNLPrimitive(op: "conv2d backward weights", desc: &desc, hint: hint, context: context)
                }
            }
            var keep: [TensorStorage] = []
            let (weightResult, diffWeights) = try context.output(
                g.groups == 1 ? g.weightShape : [g.groups, g.outputChannels / g.groups, g.inputChannels / g.groups, g.kernelHeight, g.kernelWidth],
                DNNL_ARG_DIFF_WEIGHTS, of: primitive)
            var operands = [
                try context.input(input, DNNL_ARG_SRC, of: primitive, inPlace: true, keepAlive: &keep),
                try context.input(gradOutput, DNNL_ARG_DIFF_DST, of: primitive, inPlace: true, keepAlive: &keep),
                diffWeights,
            ]
            let biasResult = hasBias ? Tensor(zeros: [g.outputChannels]) : nil
            if let biasResult {
                operands.append(DNNLOperand(index: DNNL_ARG_DIFF_BIAS, descriptor: try descriptors(g).bias,
                                            pointer: UnsafeMutableRawPointer(biasResult.pointer)))
            }
            try context.run(primitive, op: "conv2d backward weights", operands, keepAlive: keep)
            // Grouped weights come back 5-D; the parameter is 4-D with the same row-major order.
            gradWeight = g.groups == 1 ? weightResult : Tensor(shape: g.weightShape, storage: weightResult.rowMajorStorage)
            gradBias = biasResult
        } else if hasBias {
            gradBias = biasGradient(g, gradOutput)
        }
        return (gradInput, gradWeight, gradBias)
    }

    /// The bias gradient alone: the sum of dL/dy over N, H, W.
    static func biasGradient(_ g: ConvolutionGeometry, _ gradOutput: Tensor) -> Tensor {
        let result = Tensor(zeros: [g.outputChannels])
        let plane = g.outputHeight * g.outputWidth
        let s = gradOutput.pointer, t = result.pointer
        for n in 0..<g.batch {
            for c in 0..<g.outputChannels {
                var total: Float = 0
                let base = (n * g.outputChannels + c) * plane
                for i in 0..<plane { total += s[base + i] }
                t[c] += total
            }
        }
        return result
    }
}
