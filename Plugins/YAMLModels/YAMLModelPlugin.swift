import Foundation
import VisionModelAPI
import VisionPluginAPI
import VisionTensor

/// A model plugin defined by a YAML or JSON file (a name and a list of layers); registered
/// under its name like a compiled plugin. It takes no configuration keys: the file is the
/// configuration.
public struct YAMLModelPlugin: ModelPlugin {
    /// The parsed layers.
    public let model: ModelDefinition
    /// The file's path (or what names the text in messages).
    public let path: String
    /// The definition as written, stored in model files so that they rebuild without the file.
    public let text: String
    /// The smallest square side whose shapes work out, found at load.
    private let smallestSide: Int

    /// Reads and checks a model file; throws `ModelFileError` naming the file, line and key.
    public init(contentsOf path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ModelFileError(file: path, line: nil, key: nil, message: "cannot read the file (\(error.localizedDescription))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ModelFileError(file: path, line: nil, key: nil, message: "expected UTF-8 text")
        }
        try self.init(yaml: text, file: path)
    }

    /// Parses a model definition from text; `file` names it in errors.
    public init(yaml text: String, file: String) throws {
        model = try ModelFileParser(file: file).parse(text)
        path = file
        self.text = text
        smallestSide = Self.smallestSide(model, file: file)
        // Shape problems independent of the input size show up at load, not at training time.
        var probe = ModelFileBuilder(file: file, classes: 2, materialize: false, generator: SeededGenerator(seed: 0))
        _ = try probe.classifier(model, inputChannels: defaultPreprocessing.channels, inputSize: defaultPreprocessing.inputSize)
    }

    public var name: String { model.name }
    public var summary: String { model.summary ?? "Defined in \((path as NSString).lastPathComponent)." }
    public var source: String? { path }
    public var definition: ModelDefinitionDocument? { ModelDefinitionDocument(format: YAMLModelFormat.name, text: text) }
    public var configurationKeys: [String] { [] }

    public var defaultPreprocessing: Preprocessing {
        let channels = model.channels ?? model.mean?.count ?? 3
        let fallback = channels == 1 ? Preprocessing.gray(size: 32) : Preprocessing.cifar.adapted(toChannels: channels)
        return Preprocessing(
            inputSize: model.inputSize ?? InputSize(max(32, smallestSide)), channels: channels,
            mean: model.mean.map { $0.map(Double.init) } ?? fallback.mean, std: model.std.map { $0.map(Double.init) } ?? fallback.std,
            resize: model.resize ?? .stretch)
    }

    public func resolveConfiguration(_ configuration: PluginConfiguration) throws -> PluginConfiguration {
        try StrictDecoder.checkKeys(configuration, allowed: [], owner: owner)
        return [:]
    }

    public func minimumInputSize(configuration: PluginConfiguration) throws -> InputSize {
        _ = try resolveConfiguration(configuration)
        return InputSize(smallestSide)
    }

    /// The smallest square side whose shapes work out (every layer here treats height and width
    /// alike). When 1024 does not work either, 1: building then reports the layer that fails.
    private static func smallestSide(_ definition: ModelDefinition, file: String) -> Int {
        let channels = definition.channels ?? definition.mean?.count ?? 3
        func fits(_ side: Int) -> Bool {
            var probe = ModelFileBuilder(file: file, classes: 2, materialize: false, generator: SeededGenerator(seed: 0))
            do {
                _ = try probe.classifier(definition, inputChannels: channels, inputSize: InputSize(side))
                return true
            } catch {
                return false
            }
        }
        guard fits(1024) else { return 1 }
        return (1...1024).first(where: fits) ?? 1
    }

    public func makeModel(
        classes: Int, inputChannels: Int, inputSize: InputSize, configuration: PluginConfiguration, seed: UInt64
    ) throws -> ClassifierModel {
        _ = try resolveConfiguration(configuration)
        var builder = ModelFileBuilder(file: path, classes: classes, materialize: true, generator: SeededGenerator(seed: seed))
        guard let built = try builder.classifier(model, inputChannels: inputChannels, inputSize: inputSize) else {
            throw ModelFileError(file: path, line: nil, key: nil, message: "no model was built")
        }
        return built
    }
}
