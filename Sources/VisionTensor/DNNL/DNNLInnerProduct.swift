import CDNNL

/// Inference y = x Wᵀ + b as one oneDNN inner-product primitive (the bias inside it), so that
/// a network's head runs through oneDNN like the rest of it and inference plans replay it.
enum DNNLInnerProduct {
    static func inference(_ x: Tensor, weight: Tensor, bias: Tensor?) throws(TensorError) -> Tensor {
        let (n, outFeatures, inFeatures) = (x.shape[0], weight.shape[0], weight.shape[1])
        let context = try DNNLContext.shared()
        var source = try plainDescriptor([n, inFeatures], dnnl_ab)
        var weights = try plainDescriptor([outFeatures, inFeatures], dnnl_ab)
        var biasDescriptor = try plainDescriptor([outFeatures], dnnl_a)
        var destination = try plainDescriptor([n, outFeatures], dnnl_ab)
        let key = DNNLContext.key("inner product infer", [n, inFeatures, outFeatures, bias == nil ? 0 : 1])
        let primitive = try context.primitive(key) { () throws(TensorError) -> DNNLPrimitive in
            var desc = dnnl_inner_product_desc_t()
            let status = withUnsafeMutablePointer(to: &biasDescriptor) { biasPointer in
                dnnl_inner_product_forward_desc_init(&desc, dnnl_forward_inference, &source, &weights, bias == nil ? nil : biasPointer, &destination)
            }
            try check(status, "inner product descriptor")
            return try DNNLPrimitive(op: "linear inference", desc: &desc, context: context)
        }
        let output = Tensor(zeros: [n, outFeatures])
        var operands = [
            DNNLOperand(index: DNNL_ARG_SRC, descriptor: source, pointer: UnsafeMutableRawPointer(x.rowMajorStorage.pointer)),
            DNNLOperand(index: DNNL_ARG_WEIGHTS, descriptor: weights, pointer: UnsafeMutableRawPointer(weight.rowMajorStorage.pointer)),
            DNNLOperand(index: DNNL_ARG_DST, descriptor: destination, pointer: UnsafeMutableRawPointer(output.storage.pointer)),
        ]
        if let bias {
            operands.append(DNNLOperand(index: DNNL_ARG_BIAS, descriptor: biasDescriptor, pointer: UnsafeMutableRawPointer(bias.rowMajorStorage.pointer)))
        }
        try context.run(primitive, op: "linear inference", operands)
        return output
    }
}
