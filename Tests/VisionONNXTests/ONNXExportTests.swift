import Foundation
import SwiftProtobuf
import Testing
import VisionModelAPI
import VisionModels
import VisionNN
import VisionONNX
import VisionTensor
import VisionTestSupport
import VisionYAMLModels

/// `vision export --format onnx`, checked structurally by parsing the file back: inputs,
/// outputs, initializer names and shapes, op types, and a graph whose every value is defined
/// before it is read. (Numerics against ONNX Runtime: benchmarks/interop/check-onnx.py.)
@Suite struct ONNXExportTests {
    static func registry() throws -> ModelRegistry {
        let registry = ModelRegistry()
        try registerBuiltinModels(in: registry)
        _ = try registerYAMLModels(in: registry, folders: [Fixtures.path("models/plugins")])
        return registry
    }

    static func roundTrip(_ model: ClassifierModel, _ preprocessing: Preprocessing, _ options: ONNXExportOptions = .init()) throws -> Onnx_ModelProto {
        let proto = try ONNXExporter.export(model, preprocessing: preprocessing, options: options)
        let bytes: [UInt8] = try proto.serializedBytes()
        return try Onnx_ModelProto(serializedBytes: bytes)
    }

    static func dimensions(_ info: Onnx_ValueInfoProto) -> [String] {
        info.type.tensorType.shape.dim.map { dimension in
            if case .dimParam(let name)? = dimension.value { return name }
            return String(dimension.dimValue)
        }
    }

    /// Every node reads only graph inputs, initializers or earlier nodes' outputs.
    static func isTopological(_ graph: Onnx_GraphProto) -> Bool {
        var defined = Set(graph.input.map(\.name) + graph.initializer.map(\.name))
        for node in graph.node {
            guard node.input.allSatisfy({ $0.isEmpty || defined.contains($0) }) else { return false }
            defined.formUnion(node.output)
        }
        return graph.output.allSatisfy { defined.contains($0.name) }
    }

    @Test func resnet20WithItsShortcutsAndStateDictNames() throws {
        let model = try Self.registry().make("resnet20", classes: 10, seed: 1)
        let proto = try Self.roundTrip(model, Preprocessing.cifar)
        let graph = proto.graph
        #expect(proto.opsetImport.first?.version == 17 && proto.irVersion == 8)
        #expect(graph.input.map(\.name) == ["input"] && Self.dimensions(graph.input[0]) == ["batch", "3", "32", "32"])
        #expect(graph.output.map(\.name) == ["logits"] && Self.dimensions(graph.output[0]) == ["batch", "10"])
        let initializers = Dictionary(graph.initializer.map { ($0.name, $0.dims) }, uniquingKeysWith: { a, _ in a })
        #expect(initializers["conv1.weight"] == [16, 3, 3, 3])
        #expect(initializers["bn1.running_var"] == [16] && initializers["layer3.2.bn2.running_mean"] == [64])
        #expect(initializers["linear.weight"] == [10, 64] && initializers["linear.bias"] == [10])
        // Every parameter and batch-norm statistic the network reads, and nothing else under those names.
        let state = Set(model.namedParameters().map(\.name) + model.namedBuffers().map(\.name).filter { !$0.hasSuffix("num_batches_tracked") })
        #expect(state.isSubset(of: Set(initializers.keys)))
        let ops = Set(graph.node.map(\.opType))
        #expect(ops.isSuperset(of: ["Conv", "BatchNormalization", "Relu", "Add", "Slice", "Pad", "GlobalAveragePool", "Flatten", "Gemm", "Identity"]))
        #expect(graph.node.filter { $0.opType == "Conv" }.count == 19)
        #expect(Self.isTopological(graph))
        // Raw float32 data of the right size.
        let weight = try #require(graph.initializer.first { $0.name == "conv1.weight" })
        #expect(weight.rawData.count == 16 * 3 * 3 * 3 * 4)
    }

    @Test func preprocessingSoftmaxFixedBatchAndMetadata() throws {
        let model = try Self.registry().make("defectnet", classes: 2, inputChannels: 1, inputSize: InputSize(height: 48, width: 80), seed: 1)
        let preprocessing = Preprocessing(inputSize: InputSize(height: 48, width: 80), channels: 1, mean: [0.6], std: [0.15])
        var options = ONNXExportOptions()
        options.withPreprocessing = true
        options.withSoftmax = true
        options.batch = 4
        options.metadata = [("classes", "[\"defect\",\"good\"]"), ("vision_version", "\"0.1.0\"")]
        let proto = try Self.roundTrip(model, preprocessing, options)
        let graph = proto.graph
        #expect(graph.input.map(\.name) == ["pixels"] && Self.dimensions(graph.input[0]) == ["4", "1", "48", "80"])
        #expect(graph.output.map(\.name) == ["probabilities"] && Self.dimensions(graph.output[0]) == ["4", "2"])
        #expect(graph.node.prefix(2).map(\.opType) == ["Sub", "Div"] && graph.node.last?.opType == "Softmax")
        let mean = try #require(graph.initializer.first { $0.name == "preprocessing.mean" })
        #expect(mean.dims == [1, 1, 1, 1] && mean.rawData.withUnsafeBytes { $0.load(as: Float.self) } == 0.6)
        #expect(proto.metadataProps.map(\.key) == ["classes", "vision_version"])
        #expect(Set(graph.node.map(\.opType)).isSuperset(of: ["Conv", "BatchNormalization", "Relu", "MaxPool", "GlobalAveragePool", "Gemm"]))
        #expect(Self.isTopological(graph))
    }

    @Test func everyBuiltInAndYAMLModelExports() throws {
        let registry = try Self.registry()
        for name in registry.names() {
            let plugin = try registry.plugin(named: name)
            let p = plugin.defaultPreprocessing
            // Small inputs keep the test fast; every plugin takes 32 × 32 or says its minimum.
            let minimum = try plugin.minimumInputSize(configuration: [:])
            let size = InputSize(height: max(32, minimum.height), width: max(32, minimum.width))
            let model = try registry.make(plugin, classes: 3, inputChannels: p.channels, inputSize: size, seed: 2)
            var preprocessing = p
            preprocessing.inputSize = size
            let proto = try Self.roundTrip(model, preprocessing)
            #expect(Self.isTopological(proto.graph), "\(name)")
            #expect(Self.dimensions(proto.graph.output[0]) == ["batch", "3"], "\(name)")
            // Dropout never reaches the graph: export is eval mode.
            #expect(!proto.graph.node.contains { $0.opType == "Dropout" }, "\(name)")
        }
    }

    @Test func anOpWithoutAnONNXFormIsOneLineNamingTheLayerAndOp() throws {
        /// A head that ends in log-softmax, which the exporter does not spell.
        final class LogSoftmaxHead: Module {
            let linear: Linear
            override init() {
                var generator = SeededGenerator(seed: 1)
                linear = Linear(4, 2, generator: &generator)
            }
            override var children: [(name: String, module: Module)] { [("linear", linear)] }
            override func forward(_ x: Tensor) throws -> Tensor { try logSoftmax(linear(flatten(x))) }
        }
        final class Odd: ClassifierModel {
            init() {
                var generator = SeededGenerator(seed: 1)
                super.init(inputChannels: 1, inputSize: InputSize(2), featureCount: 4, classes: 2, headName: "head",
                           initialHead: LogSoftmaxHead(), generator: &generator)
            }
            override func features(_ x: Tensor) throws -> Tensor { try flatten(x) }
        }
        let preprocessing = Preprocessing(inputSize: InputSize(2), channels: 1, mean: [0], std: [1])
        #expect { _ = try ONNXExporter.export(Odd(), preprocessing: preprocessing, options: .init()) } throws: { error in
            "\(error)" == "cannot export layer 'head': op 'log_softmax' has no ONNX form in this exporter"
        }
    }
}
