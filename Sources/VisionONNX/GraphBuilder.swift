import Foundation
import VisionModelAPI
import VisionNN
import VisionTensor

/// Turns traced ops into ONNX nodes: names values, adds parameters as initializers the first
/// time a node reads them, and spells each op in ONNX (opset 13+).
struct GraphBuilder {
    enum AttributeValue {
        case int(Int)
        case ints([Int])
        case float(Float)
        case string(String)
    }

    /// Value names by tensor: the input, traced outputs, and initializers.
    var names: [ObjectIdentifier: String] = [:]
    private(set) var nodes: [Onnx_NodeProto] = []
    private(set) var initializers: [Onnx_TensorProto] = []
    private var taken = Set<String>()
    /// The model's parameters and buffers under their `state_dict` names.
    private let stateNames: [ObjectIdentifier: (name: String, tensor: Tensor)]
    /// Layer paths (`layer1.0.conv1`) by module.
    private let layerNames: [ObjectIdentifier: String]
    let opset: Int

    init(model: ClassifierModel, opset: Int) {
        var state: [ObjectIdentifier: (String, Tensor)] = [:]
        for (name, tensor) in model.namedParameters() + model.namedBuffers() { state[ObjectIdentifier(tensor)] = (name, tensor) }
        stateNames = state
        var layers: [ObjectIdentifier: String] = [ObjectIdentifier(model): model.pluginName.isEmpty ? "model" : model.pluginName]
        func walk(_ module: Module, _ path: String) {
            for (name, child) in module.children {
                let childPath = path.isEmpty ? name : path + "." + name
                layers[ObjectIdentifier(child)] = childPath
                walk(child, childPath)
            }
        }
        walk(model, "")
        layerNames = layers
        self.opset = opset
    }

    func layerName(_ node: GraphTrace.Node) -> String {
        node.layer.map { layerNames[ObjectIdentifier($0)] ?? "\(type(of: $0))" } ?? "model"
    }

    /// A fresh value or node name from `hint`.
    mutating func unique(_ hint: String) -> String {
        var name = hint
        var counter = 1
        while taken.contains(name) {
            counter += 1
            name = "\(hint)_\(counter)"
        }
        taken.insert(name)
        return name
    }

    /// The value name of `tensor`: an earlier node's output, the input, or a parameter or buffer
    /// (added as an initializer the first time).
    mutating func name(of tensor: Tensor, layer: String) throws -> String {
        let id = ObjectIdentifier(tensor)
        if let name = names[id] { return name }
        guard let (stateName, value) = stateNames[id] else {
            throw ONNXExportError.unsupportedOp(layer: layer, op: "(unknown)", detail: "reads a tensor that no exportable op produced")
        }
        let name = unique(stateName)
        initializers.append(Self.tensorProto(name, value.scalars, shape: value.shape))
        names[id] = name
        return name
    }

    /// A new initializer holding `values`.
    mutating func constant(_ values: [Float], shape: [Int], hint: String) -> String {
        let name = unique(hint)
        initializers.append(Self.tensorProto(name, values, shape: shape))
        return name
    }

    mutating func constantInt64(_ values: [Int], hint: String) -> String {
        let name = unique(hint)
        var proto = Onnx_TensorProto()
        proto.name = name
        proto.dims = [Int64(values.count)]
        proto.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        proto.int64Data = values.map(Int64.init)
        initializers.append(proto)
        return name
    }

    static func tensorProto(_ name: String, _ values: [Float], shape: [Int]) -> Onnx_TensorProto {
        var proto = Onnx_TensorProto()
        proto.name = name
        proto.dims = shape.map(Int64.init)
        proto.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        // Little-endian float32, as ONNX's raw_data specifies.
        proto.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }
        return proto
    }

    mutating func node(_ type: String, _ inputs: [String], _ outputs: [String], name: String, _ attributes: [String: AttributeValue] = [:]) {
        var node = Onnx_NodeProto()
        node.opType = type
        node.input = inputs
        node.output = outputs
        node.name = unique(name)
        node.attribute = attributes.keys.sorted().map { key in
            var attribute = Onnx_AttributeProto()
            attribute.name = key
            switch attributes[key] {
            case .int(let value)?:
                attribute.type = .int
                attribute.i = Int64(value)
            case .ints(let values)?:
                attribute.type = .ints
                attribute.ints = values.map(Int64.init)
            case .float(let value)?:
                attribute.type = .float
                attribute.f = value
            case .string(let value)?:
                attribute.type = .string
                attribute.s = Data(value.utf8)
            case nil:
                break
            }
            return attribute
        }
        nodes.append(node)
    }

    /// One traced op as ONNX nodes; its output gets a value name.
    mutating func convert(_ traced: GraphTrace.Node) throws {
        let layer = layerName(traced)
        let inputs = try traced.inputs.map { try name(of: $0, layer: layer) }
        let out = unique(layer + "." + traced.op)
        names[ObjectIdentifier(traced.output)] = out
        let a = traced.attributes
        func ints(_ key: String) -> [Int] { if case .ints(let v)? = a[key] { return v } else { return [] } }
        func int(_ key: String) -> Int { if case .int(let v)? = a[key] { return v } else { return 0 } }
        func float(_ key: String) -> Float { if case .float(let v)? = a[key] { return v } else { return 0 } }
        func unsupported(_ detail: String) -> ONNXExportError { .unsupportedOp(layer: layer, op: traced.op, detail: detail) }
        switch traced.op {
        case "conv2d":
            let weight = traced.inputs[1].shape
            let padding = ints("padding")
            node("Conv", inputs, [out], name: layer, [
                "kernel_shape": .ints([weight[2], weight[3]]), "strides": .ints(ints("stride")),
                "pads": .ints([padding[0], padding[1], padding[0], padding[1]]), "dilations": .ints(ints("dilation")), "group": .int(int("groups")),
            ])
        case "batchnorm2d":
            guard int("training") == 0 else { throw unsupported("runs in training mode") }
            if int("relu") == 1 {
                let normalised = unique(layer + ".batchnorm")
                node("BatchNormalization", inputs, [normalised], name: layer, ["epsilon": .float(float("epsilon"))])
                node("Relu", [normalised], [out], name: layer + ".relu")
            } else {
                node("BatchNormalization", inputs, [out], name: layer, ["epsilon": .float(float("epsilon"))])
            }
        case "relu": node("Relu", inputs, [out], name: layer)
        case "sigmoid": node("Sigmoid", inputs, [out], name: layer)
        case "tanh": node("Tanh", inputs, [out], name: layer)
        case "hardswish": node("HardSwish", inputs, [out], name: layer)
        case "leaky_relu": node("LeakyRelu", inputs, [out], name: layer, ["alpha": .float(float("slope"))])
        case "relu6":
            let low = constant([0], shape: [], hint: layer + ".min"), high = constant([6], shape: [], hint: layer + ".max")
            node("Clip", inputs + [low, high], [out], name: layer)
        case "silu":
            let gate = unique(layer + ".sigmoid")
            node("Sigmoid", inputs, [gate], name: layer + ".sigmoid")
            node("Mul", [inputs[0], gate], [out], name: layer)
        case "gelu":
            // x · ½ (1 + erf(x / √2))
            let root2 = constant([Float(2).squareRoot()], shape: [], hint: layer + ".sqrt2")
            let one = constant([1], shape: [], hint: layer + ".one"), half = constant([0.5], shape: [], hint: layer + ".half")
            let (scaledValue, erf, shifted, product) = (unique(layer + ".div"), unique(layer + ".erf"), unique(layer + ".add"), unique(layer + ".mul"))
            node("Div", [inputs[0], root2], [scaledValue], name: layer + ".div")
            node("Erf", [scaledValue], [erf], name: layer + ".erf")
            node("Add", [erf, one], [shifted], name: layer + ".add")
            node("Mul", [inputs[0], shifted], [product], name: layer + ".mul")
            node("Mul", [product, half], [out], name: layer)
        case "gelu_tanh":
            // ½ x (1 + tanh(√(2/π) (x + 0.044715 x³)))
            let k = constant([0.7978845608028654], shape: [], hint: layer + ".k"), c = constant([0.044715], shape: [], hint: layer + ".c")
            let one = constant([1], shape: [], hint: layer + ".one"), half = constant([0.5], shape: [], hint: layer + ".half")
            let names = (0..<8).map { unique(layer + ".t\($0)") }
            node("Mul", [inputs[0], inputs[0]], [names[0]], name: names[0])
            node("Mul", [names[0], inputs[0]], [names[1]], name: names[1])
            node("Mul", [names[1], c], [names[2]], name: names[2])
            node("Add", [inputs[0], names[2]], [names[3]], name: names[3])
            node("Mul", [names[3], k], [names[4]], name: names[4])
            node("Tanh", [names[4]], [names[5]], name: names[5])
            node("Add", [names[5], one], [names[6]], name: names[6])
            node("Mul", [inputs[0], names[6]], [names[7]], name: names[7])
            node("Mul", [names[7], half], [out], name: layer)
        case "add": node("Add", inputs, [out], name: layer)
        case "multiply": node("Mul", inputs, [out], name: layer)
        case "scale":
            let factor = constant([float("factor")], shape: [], hint: layer + ".factor")
            node("Mul", [inputs[0], factor], [out], name: layer)
        case "linear":
            node("Gemm", inputs, [out], name: layer, ["transB": .int(1)])
        case "maxpool2d", "avgpool2d":
            let padding = ints("padding")
            var attributes: [String: AttributeValue] = [
                "kernel_shape": .ints(ints("kernel")), "strides": .ints(ints("stride")), "pads": .ints([padding[0], padding[1], padding[0], padding[1]]),
            ]
            if traced.op == "avgpool2d" { attributes["count_include_pad"] = .int(int("count_include_pad")) }
            node(traced.op == "maxpool2d" ? "MaxPool" : "AveragePool", inputs, [out], name: layer, attributes)
        case "adaptive_avgpool2d":
            let size = ints("output_size"), shape = traced.inputs[0].shape
            if size == [1, 1] {
                node("GlobalAveragePool", inputs, [out], name: layer)
            } else if shape[2] % size[0] == 0 && shape[3] % size[1] == 0 {
                let kernel = [shape[2] / size[0], shape[3] / size[1]]
                node("AveragePool", inputs, [out], name: layer, ["kernel_shape": .ints(kernel), "strides": .ints(kernel)])
            } else {
                throw unsupported("pools \(shape[2])×\(shape[3]) to \(size[0])×\(size[1]); ONNX's fixed windows need sides that divide evenly")
            }
        case "reshape":
            let from = traced.inputs[0].shape, to = traced.output.shape
            if to.count == 2 && to[0] == from[0] {
                node("Flatten", inputs, [out], name: layer, ["axis": .int(1)])
            } else if to.first == from.first {
                // The batch dimension copied (0), the rest as traced.
                let shape = constantInt64([0] + Array(to.dropFirst()), hint: layer + ".shape")
                node("Reshape", inputs + [shape], [out], name: layer)
            } else {
                throw unsupported("changes the batch dimension (\(from) → \(to))")
            }
        case "concat":
            node("Concat", inputs, [out], name: layer, ["axis": .int(int("dimension"))])
        case "shortcut":
            // Every stride-th row and column, then zero channels before and after.
            let stride = int("stride")
            let starts = constantInt64([0, 0], hint: layer + ".starts"), ends = constantInt64([Int(Int32.max), Int(Int32.max)], hint: layer + ".ends")
            let axes = constantInt64([2, 3], hint: layer + ".axes"), steps = constantInt64([stride, stride], hint: layer + ".steps")
            let sliced = unique(layer + ".slice")
            node("Slice", [inputs[0], starts, ends, axes, steps], [sliced], name: layer + ".slice")
            let pads = constantInt64([0, int("pad_before"), 0, 0, 0, int("pad_after"), 0, 0], hint: layer + ".pads")
            node("Pad", [sliced, pads], [out], name: layer, ["mode": .string("constant")])
        case "softmax":
            node("Softmax", inputs, [out], name: layer, ["axis": .int(int("dimension"))])
        default:
            throw unsupported("has no ONNX form in this exporter")
        }
    }
}
