import Foundation
import SafeTensors
import VisionImage
import VisionMetricAPI
import VisionModelAPI
import VisionNN
import VisionPluginAPI

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
        // JSON has no NaN: a figure that is undefined (no validation split, say) is left out.
        var metadata = metadata
        metadata.metrics = metadata.metrics.filter { $0.value.isFinite }
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
        let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        let version = (object?["format_version"] ?? object?["formatVersion"]) as? Int ?? 0
        if version > SavedModelMetadata.currentFormatVersion {
            throw .newerVersion(path: path, version: version, supported: SavedModelMetadata.currentFormatVersion)
        }
        do {
            if version == 1 { return (file, try JSONDecoder().decode(LegacyModelMetadata.self, from: data).upgraded) }
            return (file, try JSONDecoder().decode(SavedModelMetadata.self, from: data))
        } catch {
            throw .notAModelFile(path: path, detail: "the metadata does not decode: \(error)")
        }
    }
}
