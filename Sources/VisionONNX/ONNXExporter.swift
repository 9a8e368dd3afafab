import Foundation
import SwiftProtobuf
import VisionModelAPI
import VisionNN
import VisionTensor

/// What `vision export --format onnx` writes besides the network.
public struct ONNXExportOptions: Sendable {
    /// The ONNX operator set (13 or later: Slice, Pad and Clip take their bounds as inputs).
    public var opset = 17
    /// A fixed batch size, or nil for a dynamic one (`batch`).
    public var batch: Int?
    /// Normalisation in the graph: the input is pixels in [0, 1] at the model's input size.
    public var withPreprocessing = false
    /// Softmax in the graph: the output is probabilities instead of logits.
    public var withSoftmax = false
    /// `metadata_props`: each value a JSON string (classes, preprocessing, operating_point, …).
    public var metadata: [(key: String, value: String)] = []

    public init() {}
}

public enum ONNXExportError: Error, CustomStringConvertible, Equatable {
    /// An op the exporter has no ONNX form for, with the layer that ran it.
    case unsupportedOp(layer: String, op: String, detail: String)
    case invalidOption(String)

    public var description: String {
        switch self {
        case .unsupportedOp(let layer, let op, let detail):
            return "cannot export layer '\(layer)': op '\(op)' \(detail)"
        case .invalidOption(let message):
            return message
        }
    }
}

/// A classifier as an ONNX model: its forward pass traced once in eval mode (`GraphTrace`), each
/// op one or a few ONNX nodes, parameters and batch-norm statistics as initializers under their
/// `state_dict` names (so that they match PyTorch's), input `input` (N × C × H × W) and output
/// `logits` (or `probabilities`).
public enum ONNXExporter {
    public static func export(_ model: ClassifierModel, preprocessing: Preprocessing, options: ONNXExportOptions) throws -> Onnx_ModelProto {
        guard options.opset >= 13 else { throw ONNXExportError.invalidOption("--opset must be 13 or later, got \(options.opset)") }
        if let batch = options.batch, batch < 1 { throw ONNXExportError.invalidOption("--batch must be 'dynamic' or a positive size, got \(batch)") }
        let (height, width, channels) = (preprocessing.inputSize.height, preprocessing.inputSize.width, preprocessing.channels)
        let wasTraining = model.isTraining
        model.eval()
        defer { model.setTraining(wasTraining) }
        // Gradients on: the unfused path, whose ops take the model's own parameter tensors.
        let input = Tensor(zeros: [1, channels, height, width])
        var output: Tensor?
        let trace = try GradientMode.$isEnabled.withValue(true) {
            try GraphTrace.recording { output = try model(input) }
        }
        guard let output else { throw ONNXExportError.invalidOption("the model gave no output") }

        var builder = GraphBuilder(model: model, opset: options.opset)
        var graph = Onnx_GraphProto()
        graph.name = model.pluginName.isEmpty ? "vision" : model.pluginName
        let batchDimension = options.batch.map { Dimension.fixed($0) } ?? .symbolic("batch")
        var inputName = "input"
        if options.withPreprocessing {
            // pixels in [0, 1] → (pixels − mean) / std, per channel.
            let mean = builder.constant(preprocessing.mean.prefix(channels).map(Float.init), shape: [1, channels, 1, 1], hint: "preprocessing.mean")
            let std = builder.constant(preprocessing.std.prefix(channels).map(Float.init), shape: [1, channels, 1, 1], hint: "preprocessing.std")
            builder.node("Sub", ["pixels", mean], ["preprocessing.centred"], name: "preprocessing.sub")
            builder.node("Div", ["preprocessing.centred", std], ["input"], name: "preprocessing.div")
            inputName = "pixels"
        }
        builder.names[ObjectIdentifier(input)] = "input"
        for node in trace.nodes { try builder.convert(node) }
        var outputName = try builder.name(of: output, layer: "output")
        if options.withSoftmax {
            builder.node("Softmax", [outputName], ["probabilities"], name: "softmax", ["axis": .int(1)])
            outputName = "probabilities"
        } else if outputName != "logits" {
            builder.node("Identity", [outputName], ["logits"], name: "logits")
            outputName = "logits"
        }
        graph.node = builder.nodes
        graph.initializer = builder.initializers
        graph.input = [valueInfo(inputName, [batchDimension, .fixed(channels), .fixed(height), .fixed(width)])]
        graph.output = [valueInfo(outputName, [batchDimension, .fixed(output.shape[1])])]

        var proto = Onnx_ModelProto()
        proto.irVersion = options.opset >= 19 ? 9 : 8
        proto.producerName = "vision"
        proto.producerVersion = "1"
        proto.domain = "vision"
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = Int64(options.opset)
        proto.opsetImport = [opset]
        proto.graph = graph
        proto.metadataProps = options.metadata.map { entry in
            var property = Onnx_StringStringEntryProto()
            property.key = entry.key
            property.value = entry.value
            return property
        }
        return proto
    }

    enum Dimension {
        case fixed(Int)
        case symbolic(String)
    }

    static func valueInfo(_ name: String, _ dimensions: [Dimension]) -> Onnx_ValueInfoProto {
        var shape = Onnx_TensorShapeProto()
        shape.dim = dimensions.map { dimension in
            var d = Onnx_TensorShapeProto.Dimension()
            switch dimension {
            case .fixed(let value): d.dimValue = Int64(value)
            case .symbolic(let name): d.dimParam = name
            }
            return d
        }
        var tensorType = Onnx_TypeProto.Tensor()
        tensorType.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensorType.shape = shape
        var type = Onnx_TypeProto()
        type.tensorType = tensorType
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type = type
        return info
    }
}
