import CDNNL

/// Batch normalisation through oneDNN, in whatever layout the input arrives (blocked from a
/// convolution, usually), with separate scale and shift.
enum DNNLBatchNorm {
    struct Saved {
        let mean: Tensor
        let variance: Tensor
        let layout: dnnl_memory_desc_t
        /// With a fused ReLU: which outputs were clipped, for the backward pass.
        let workspace: (TensorStorage, dnnl_memory_desc_t)?
        let flags: UInt32
    }

    private static func primitive(_ kind: String, data: dnnl_memory_desc_t, epsilon: Float, flags: UInt32,
                                  prop: dnnl_prop_kind_t, hint: DNNLPrimitive?, context: DNNLContext) throws(TensorError) -> DNNLPrimitive {
        try context.primitive("bn \(kind) \(DNNLContext.describe(data)) e\(epsilon) f\(flags)") { () throws(TensorError) -> DNNLPrimitive in
            var desc = dnnl_batch_normalization_desc_t()
            var d = data
            if prop == dnnl_backward {
                try check(dnnl_batch_normalization_backward_desc_init(&desc, prop, &d, &d, epsilon, flags), "batchnorm backward descriptor")
            } else {
                try check(dnnl_batch_normalization_forward_desc_init(&desc, prop, &d, epsilon, flags), "batchnorm forward descriptor")
            }
            return try DNNLPrimitive(op: "batchnorm \(kind)", desc: &desc, hint: hint, context: context)
        }
    }

    private static let scaleShift = dnnl_use_scale.rawValue | dnnl_use_shift.rawValue

    /// Forward; in training returns the batch mean and biased variance (for the backward pass
    /// and the running-statistics update).
    static func forward(_ x: Tensor, weight: Tensor, bias: Tensor, runningMean: Tensor, runningVariance: Tensor, training: Bool,
                        epsilon: Float, fuseReLU: Bool = false) throws(TensorError) -> (Tensor, Saved) {
        let context = try DNNLContext.shared()
        let data = try x.memoryDescriptor()
        let channels = x.shape[1]
        let flags = scaleShift | (training ? 0 : dnnl_use_global_stats.rawValue) | (fuseReLU ? dnnl_fuse_norm_relu.rawValue : 0)
        let prop = training ? dnnl_forward_training : (GradientMode.isEnabled ? dnnl_forward_training : dnnl_forward_inference)
        let primitive = try primitive(training ? "fwd-train" : "fwd-global", data: data, epsilon: epsilon, flags: flags, prop: prop, hint: nil, context: context)
        let stat = try plainDescriptor([channels], dnnl_x)
        let mean = training ? Tensor(zeros: [channels]) : runningMean.detached()
        let variance = training ? Tensor(zeros: [channels]) : runningVariance.detached()
        let output = Tensor(shape: x.shape, storage: TensorStorage(uninitializedCount: x.storage.count), layout: x.layout)
        let workspace = fuseReLU && prop == dnnl_forward_training ? context.workspace(of: primitive) : nil
        var extra: [DNNLOperand] = []
        if let workspace {
            extra.append(DNNLOperand(index: DNNL_ARG_WORKSPACE, descriptor: workspace.1, pointer: UnsafeMutableRawPointer(workspace.0.pointer)))
        }
        try context.run(primitive, op: "batchnorm forward", extra + [
            DNNLOperand(index: DNNL_ARG_SRC, descriptor: data, pointer: UnsafeMutableRawPointer(x.storage.pointer)),
            DNNLOperand(index: DNNL_ARG_DST, descriptor: data, pointer: UnsafeMutableRawPointer(output.storage.pointer)),
            DNNLOperand(index: DNNL_ARG_SCALE, descriptor: stat, pointer: UnsafeMutableRawPointer(weight.rowMajorStorage.pointer)),
            DNNLOperand(index: DNNL_ARG_SHIFT, descriptor: stat, pointer: UnsafeMutableRawPointer(bias.rowMajorStorage.pointer)),
            DNNLOperand(index: DNNL_ARG_MEAN, descriptor: stat, pointer: UnsafeMutableRawPointer(mean.rowMajorStorage.pointer)),
            DNNLOperand(index: DNNL_ARG_VARIANCE, descriptor: stat, pointer: UnsafeMutableRawPointer(variance.rowMajorStorage.pointer)),
        ])
        return (output, Saved(mean: mean, variance: variance, layout: data, workspace: workspace, flags: flags))
    }

    static func backward(_ x: Tensor, gradOutput: Tensor, weight: Tensor, bias: Tensor, saved: Saved, training: Bool, epsilon: Float)
        throws(TensorError) -> (Tensor, Tensor, Tensor)
    {
        let context = try DNNLContext.shared()
        let flags = saved.flags
        let forwardPrimitive = try primitive(training ? "fwd-train" : "fwd-global", data: saved.layout, epsilon: epsilon, flags: flags,
                                             prop: dnnl_forward_training, hint: nil, context: context)
        let primitive = try primitive(training ? "bwd-train" : "bwd-global", data: saved.layout, epsilon: epsilon, flags: flags,
                                      prop: dnnl_backward, hint: forwardPrimitive, context: context)
        try gradOutput.convert(to: saved.layout)
        try x.convert(to: saved.layout)
        let channels = x.shape[1]
        let stat = try plainDescriptor([channels], dnnl_x)
        let gradInput = Tensor(shape: x.shape, storage: TensorStorage(uninitializedCount: x.storage.count), layout: x.layout)
        let gradWeight = Tensor(zeros: [channels]), gradBias = Tensor(zeros: [channels])
        var extra: [DNNLOperand] = []
        if let workspace = saved.workspace {
            extra.append(DNNLOperand(index: DNNL_ARG_WORKSPACE, descriptor: workspace.1, pointer: UnsafeMutableRawPointer(workspace.0.pointer)))
        }
        try context.run(primitive, op: "batchnorm backward", extra + [
            DNNLOperand(index: DNNL_ARG_SRC, descriptor: saved.layout, pointer: UnsafeMutableRawPointer(x.storage.pointer)),
            DNNLOperand(index: DNNL_ARG_DIFF_DST, descriptor: saved.layout, pointer: UnsafeMutableRawPointer(gradOutput.storage.pointer)),
            DNNLOperand(index: DNNL_ARG_DIFF_SRC, descriptor: saved.layout, pointer: UnsafeMutableRawPointer(gradInput.storage.pointer)),
            DNNLOperand(index: DNNL_ARG_SCALE, descriptor: stat, pointer: UnsafeMutableRawPointer(weight.rowMajorStorage.pointer)),
            // Unused by the computation, but oneDNN 2.6 checks that every argument its primitive
            // descriptor lists is given.
            DNNLOperand(index: DNNL_ARG_SHIFT, descriptor: stat, pointer: UnsafeMutableRawPointer(bias.rowMajorStorage.pointer)),
            DNNLOperand(index: DNNL_ARG_MEAN, descriptor: stat, pointer: UnsafeMutableRawPointer(saved.mean.rowMajorStorage.pointer)),
            DNNLOperand(index: DNNL_ARG_VARIANCE, descriptor: stat, pointer: UnsafeMutableRawPointer(saved.variance.rowMajorStorage.pointer)),
            DNNLOperand(index: DNNL_ARG_DIFF_SCALE, descriptor: stat, pointer: UnsafeMutableRawPointer(gradWeight.storage.pointer)),
            DNNLOperand(index: DNNL_ARG_DIFF_SHIFT, descriptor: stat, pointer: UnsafeMutableRawPointer(gradBias.storage.pointer)),
        ])
        return (gradInput, gradWeight, gradBias)
    }
}
