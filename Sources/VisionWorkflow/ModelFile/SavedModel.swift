import Foundation
import SafeTensors
import VisionImage
import VisionMetricAPI
import VisionModelAPI
import VisionNN
import VisionPluginAPI

/// What a `.vision` model file says about itself, stored as one JSON document in the
/// safetensors metadata under `vision`, beside the weights.
public struct SavedModelMetadata: Codable, Sendable, Equatable {
    /// Files from a newer vision have a higher version and are refused with a clear message.
    public static let currentFormatVersion = 1

    public var formatVersion: Int
    /// The model plugin that builds the network, and its configuration.
    public var plugin: String
    public var pluginConfiguration: [String: String]
    public var classes: [String]
    public var preprocessing: Preprocessing
    /// The split the model was trained with (relative paths and their split), so that
    /// evaluation can use exactly the images the model never saw.
    public var split: [SplitRecord]
    public var datasetRoot: String
    /// A digest of the training data's relative paths, labels and sizes.
    public var datasetFingerprint: String
    public var training: [String: String]
    /// Final figures (validation and test metrics) by name.
    public var metrics: [String: Double]
    public var epochs: Int
    public var createdBy: String

    /// How inputs are prepared: what evaluation and inference must do, never defaults.
    public struct Preprocessing: Codable, Sendable, Equatable {
        public var width: Int
        public var height: Int
        public var channels: Int
        public var mean: [Double]
        public var std: [Double]

        public init(width: Int, height: Int, channels: Int, mean: [Double], std: [Double]) {
            self.width = width
            self.height = height
            self.channels = channels
            self.mean = mean
            self.std = std
        }
    }

    /// One image of the training data and the split it was in.
    public struct SplitRecord: Codable, Sendable, Equatable {
        public var path: String
        public var label: String
        public var split: String

        public init(path: String, label: String, split: String) {
            self.path = path
            self.label = label
            self.split = split
        }
    }

    public init(plugin: String, pluginConfiguration: [String: String] = [:], classes: [String], preprocessing: Preprocessing,
                split: [SplitRecord], datasetRoot: String, datasetFingerprint: String, training: [String: String],
                metrics: [String: Double], epochs: Int) {
        formatVersion = Self.currentFormatVersion
        self.plugin = plugin
        self.pluginConfiguration = pluginConfiguration
        self.classes = classes
        self.preprocessing = preprocessing
        self.split = split
        self.datasetRoot = datasetRoot
        self.datasetFingerprint = datasetFingerprint
        self.training = training
        self.metrics = metrics
        self.epochs = epochs
        createdBy = "vision"
    }
}

/// Why a model file could not be read or written.
public enum SavedModelError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, detail: String)
    case notAModelFile(path: String, detail: String)
    case newerVersion(path: String, version: Int, supported: Int)
    case weightsDoNotFit(path: String, detail: String)
    case unwritable(path: String, detail: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let detail): return "\(path): cannot read the model file (\(detail))"
        case .notAModelFile(let path, let detail): return "\(path): not a vision model file (\(detail))"
        case .newerVersion(let path, let version, let supported):
            return "\(path): model file format version \(version) is newer than this vision supports (\(supported)); upgrade vision"
        case .weightsDoNotFit(let path, let detail): return "\(path): the weights do not fit the model (\(detail))"
        case .unwritable(let path, let detail): return "\(path): cannot write the model file (\(detail))"
        }
    }
}

/// Reads and writes `.vision` files: one safetensors file (weights under PyTorch state_dict
/// names, loadable with `safetensors.numpy.load_file`) whose metadata holds the JSON document.
public enum SavedModel {
    static let metadataKey = "vision"

    /// Writes atomically: a temporary file in the same folder, fsync, rename.
    public static func write(_ model: Module, metadata: SavedModelMetadata, to path: String) throws(SavedModelError) {
        var file = model.stateDict()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            file.metadata = [metadataKey: String(decoding: try encoder.encode(metadata), as: UTF8.self), "format": "pt"]
        } catch {
            throw .unwritable(path: path, detail: "the metadata does not encode: \(error)")
        }
        do {
            try AtomicFile.write(file.serialized(), to: path)
        } catch {
            throw .unwritable(path: path, detail: "\(error)")
        }
    }

    /// The weights and the metadata; a truncated file, a tampered header or a newer format
    /// version is an error.
    public static func read(_ path: String) throws(SavedModelError) -> (weights: SafeTensors, metadata: SavedModelMetadata) {
        let file: SafeTensors
        do {
            file = try SafeTensors.read(contentsOf: path)
        } catch {
            switch error {
            case .unreadable(_, let reason): throw .unreadable(path: path, detail: reason)
            default: throw .notAModelFile(path: path, detail: "\(error)")
            }
        }
        guard let text = file.metadata[metadataKey] else {
            throw .notAModelFile(path: path, detail: "a safetensors file without vision's metadata")
        }
        let data = Data(text.utf8)
        if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let version = object["formatVersion"] as? Int,
            version > SavedModelMetadata.currentFormatVersion
        {
            throw .newerVersion(path: path, version: version, supported: SavedModelMetadata.currentFormatVersion)
        }
        do {
            return (file, try JSONDecoder().decode(SavedModelMetadata.self, from: data))
        } catch {
            throw .notAModelFile(path: path, detail: "the metadata does not decode: \(error)")
        }
    }
}
