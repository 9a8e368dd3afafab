import Crypto
import Foundation
import VisionImage
import VisionModelAPI
import VisionWorkflow

/// A model behind the API: its name, version (the file's SHA-256, first 12 hex digits), what the
/// file says, and the predictor that decodes and runs it.
public final class ServedModel: @unchecked Sendable {
    public let name: String
    public let version: String
    public let path: String
    public let metadata: SavedModelMetadata
    let predictor: Predictor

    /// Loads `path` (checked as every model file is) under `name`.
    public init(path: String, name: String, registry: ModelRegistry, limits: DecodeLimits, memoryBudget: Int) throws {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw ServeError.configuration("\(path): cannot read the model file")
        }
        let loaded = try LoadedModel(path: path, registry: registry)
        self.name = name
        self.path = path
        version = SHA256.hash(data: bytes).prefix(6).map { String(format: "%02x", $0) }.joined()
        metadata = loaded.metadata
        predictor = try Predictor(loaded, limits: limits, memoryBudget: memoryBudget)
    }

    /// `MODEL.vision` is served as `MODEL`; `PATH=NAME` names it.
    public static func nameAndPath(_ argument: String) -> (name: String, path: String) {
        if let equals = argument.lastIndex(of: "="), !argument[argument.index(after: equals)...].isEmpty,
            !argument[argument.index(after: equals)...].contains("/")
        {
            return (String(argument[argument.index(after: equals)...]), String(argument[..<equals]))
        }
        return (((argument as NSString).lastPathComponent as NSString).deletingPathExtension, argument)
    }

    /// What `GET /v1/models` lists for this model.
    var summary: [String: Any] {
        [
            "name": name, "version": version, "classes": metadata.classes, "plugin": metadata.model.plugin,
            "input": ["height": metadata.preprocessing.inputSize.height, "width": metadata.preprocessing.inputSize.width,
                      "channels": metadata.preprocessing.channels],
        ]
    }

    /// What `GET /v1/models/{name}` answers: the summary with preprocessing and the file's figures.
    var details: [String: Any] {
        var out = summary
        let p = metadata.preprocessing
        out["preprocessing"] = [
            "input_size": ["height": p.inputSize.height, "width": p.inputSize.width], "channels": p.channels, "mean": p.mean,
            "std": p.std, "resize": p.resize.rawValue, "crop_fraction": p.cropFraction,
        ]
        out["metrics"] = metadata.metrics.filter { $0.value.isFinite }
        out["epoch"] = metadata.epoch
        if let point = metadata.operatingPoint, let data = try? JSONEncoder().encode(point) {
            out["operating_point"] = try? JSONSerialization.jsonObject(with: data)
        }
        out["monitor"] = metadata.monitor
        return out
    }
}
