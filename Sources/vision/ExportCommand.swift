import ArgumentParser
import Foundation
import VisionImage
import VisionONNX
import VisionWorkflow

/// `vision export`: a saved model for other runtimes.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a saved model to ONNX (ONNX Runtime, TensorRT, OpenVINO, browsers, phones).",
        discussion: """
            The network is traced once in eval mode and written as an ONNX graph: input `input` \
            (N × C × H × W float32, normalised as the model file says) and output `logits`; \
            parameters and batch-norm statistics keep their state_dict names. \
            --with-preprocessing puts the normalisation in the graph (input `pixels`: values in \
            [0, 1], RGB or one gray channel, already resized to the model's input size); \
            --with-softmax ends in `probabilities`. metadata_props holds JSON strings: classes \
            (in output order), preprocessing, operating_point (when the model has one), \
            vision_version. A layer whose op has no ONNX form fails with one line naming both.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case onnx }

    @Argument(help: "A .vision model file.")
    var modelPath: String

    @Option(help: "The output format.")
    var format: Format = .onnx

    @Option(help: "The output file (default: the model's path with .onnx).")
    var output: String?

    @Option(help: "The ONNX operator set (13 or later).")
    var opset = 17

    @Option(help: "'dynamic' or a fixed batch size.")
    var batch = "dynamic"

    @Flag(name: .customLong("with-preprocessing"), help: "Normalisation in the graph: the input is pixels in [0, 1].")
    var withPreprocessing = false

    @Flag(name: .customLong("with-softmax"), help: "Softmax in the graph: the output is probabilities.")
    var withSoftmax = false

    @Option(name: .customLong("plugin-dir"), help: "Also load YAML models from this folder (repeatable).")
    var pluginDirectories: [String] = []

    func validate() throws {
        if batch != "dynamic" && (Int(batch).map { $0 < 1 } ?? true) {
            throw ValidationError("--batch must be 'dynamic' or a positive size, got '\(batch)'")
        }
        if opset < 13 { throw ValidationError("--opset must be 13 or later, got \(opset)") }
    }

    func run() throws {
        let loaded = try LoadedModel(path: modelPath, registry: Registries.models(pluginDirectories: pluginDirectories))
        var options = ONNXExportOptions()
        options.opset = opset
        options.batch = Int(batch)
        options.withPreprocessing = withPreprocessing
        options.withSoftmax = withSoftmax
        let metadata = loaded.metadata
        func json<T: Encodable>(_ value: T) throws -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        }
        options.metadata = [("classes", try json(metadata.classes)), ("preprocessing", try json(metadata.preprocessing))]
        if let point = metadata.operatingPoint { options.metadata.append(("operating_point", try json(point))) }
        options.metadata.append(("vision_version", try json(Vision.version)))
        options.metadata.append(("model", try json(metadata.model.plugin)))
        let proto = try ONNXExporter.export(loaded.model, preprocessing: metadata.preprocessing, options: options)
        let target = output ?? ((modelPath as NSString).deletingPathExtension + ".onnx")
        let bytes = try proto.serializedBytes() as [UInt8]
        try AtomicFile.write(bytes, to: target)
        print(String(format: "%@: ONNX opset %d, %d nodes, %d initializers, input %@ %@, output %@ (%d classes), %.1f MB", target, opset,
                     proto.graph.node.count, proto.graph.initializer.count, withPreprocessing ? "pixels" : "input",
                     "\(batch)×\(metadata.preprocessing.channels)×\(metadata.preprocessing.inputSize.height)×\(metadata.preprocessing.inputSize.width)",
                     withSoftmax ? "probabilities" : "logits", metadata.classes.count, Double(bytes.count) / 1e6))
    }
}
