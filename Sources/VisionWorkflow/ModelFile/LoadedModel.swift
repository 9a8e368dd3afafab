import VisionModelAPI
import VisionNN

/// A model file made ready to run: the network rebuilt from the file's model specification
/// (plugin, configuration, embedded definition) with its weights, in eval mode. What
/// evaluation, inference and serving start from; nothing comes from defaults.
public struct LoadedModel {
    public let path: String
    public let metadata: SavedModelMetadata
    public let model: ClassifierModel

    public init(path: String, registry: ModelRegistry) throws {
        let (weights, metadata) = try SavedModel.read(path)
        try metadata.checkSizes(path: path)
        try SavedModel.checkFinite(weights, path: path)
        let p = metadata.preprocessing
        try SavedModel.checkArchitectureFits(
            weights, metadata: metadata, plugin: try registry.plugin(for: metadata.model), configuration: metadata.model.configuration,
            registry: registry, path: path)
        let model = try registry.make(metadata.model, classes: metadata.classes.count, inputChannels: p.channels, inputSize: p.inputSize)
        do {
            try model.load(weights)
        } catch {
            throw SavedModelError.weightsDoNotFit(path: path, detail: error.description)
        }
        model.eval()
        self.path = path
        self.metadata = metadata
        self.model = model
    }
}
