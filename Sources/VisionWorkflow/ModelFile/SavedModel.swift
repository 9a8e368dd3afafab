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

extension SavedModelMetadata {
    /// The sizes a model will be built from, checked before anything is allocated: a file whose
    /// metadata says 2³¹ pixels or a million classes is refused in one line.
    public func checkSizes(path: String) throws(SavedModelError) {
        let p = preprocessing
        func refuse(_ detail: String) -> SavedModelError { .notAModelFile(path: path, detail: detail) }
        guard (1...ImageSize.largestSide).contains(p.inputSize.height), (1...ImageSize.largestSide).contains(p.inputSize.width) else {
            throw refuse("input size \(p.inputSize) is outside 1...\(ImageSize.largestSide) per side")
        }
        guard p.inputSize.height * p.inputSize.width <= 64 << 20 else { throw refuse("input size \(p.inputSize) is over 64 megapixels") }
        guard (1...4).contains(p.channels), p.mean.count == p.channels, p.std.count == p.channels else {
            throw refuse("preprocessing has \(p.channels) channels with \(p.mean.count) means and \(p.std.count) stds")
        }
        guard p.mean.allSatisfy(\.isFinite), p.std.allSatisfy({ $0.isFinite && $0 > 0 }) else { throw refuse("mean or std is not a finite positive number") }
        guard (1...100_000).contains(classes.count) else { throw refuse("\(classes.count) classes, expected 1...100000") }
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

    /// Throws when the architecture the metadata names would need more parameters than the file
    /// holds weights: checked before the model is built, so a file declaring 100,000 classes (or a
    /// huge input) for a model whose head grows with them is one line, not a failed allocation.
    /// Only files with many classes need the estimate: with 64 or fewer, a head of any built-in or
    /// YAML model fits in memory and the weights are matched one by one when they load.
    public static func checkArchitectureFits(
        _ weights: SafeTensors, metadata: SavedModelMetadata, plugin: any ModelPlugin, configuration: PluginConfiguration,
        registry: ModelRegistry, path: String
    ) throws {
        guard metadata.classes.count > 64 else { return }
        let p = metadata.preprocessing
        let needed = try registry.estimatedParameterCount(
            plugin, classes: metadata.classes.count, inputChannels: p.channels, inputSize: p.inputSize, configuration: configuration)
        let held = weights.names.reduce(0) { total, name in
            total &+ (weights[name].map { $0.dtype == .f32 ? $0.elementCount : 0 } ?? 0)
        }
        if needed > held {
            throw SavedModelError.notAModelFile(
                path: path,
                detail: "model '\(plugin.name)' with \(metadata.classes.count) classes at \(p.inputSize) needs \(needed == .max ? "too many" : String(needed)) parameters, the file holds \(held) weights")
        }
    }

    /// Throws when a float tensor holds NaN or infinity: such a model answers "nan" for everything.
    public static func checkFinite(_ weights: SafeTensors, path: String) throws(SavedModelError) {
        for name in weights.names {
            guard let entry = weights[name], entry.dtype == .f32, let values = try? weights.floats(name) else { continue }
            if let index = values.firstIndex(where: { !$0.isFinite }) {
                throw .weightsDoNotFit(path: path, detail: "tensor '\(name)' holds \(values[index]) at index \(index); the model is broken (retrain it)")
            }
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
        return (file, try metadata(of: file, path: path))
    }

    /// The metadata of a parsed safetensors file (`path` names it in errors).
    public static func metadata(of file: SafeTensors, path: String) throws(SavedModelError) -> SavedModelMetadata {
        guard let text = file.metadata[metadataKey] else {
            throw .notAModelFile(path: path, detail: "a safetensors file without vision's metadata")
        }
        let data = Data(text.utf8)
        // Only the version first, through a two-key Decodable: JSONSerialization would build an
        // object per split entry (5 MB of heap for a 100 KB split, most of a cold start's heap).
        let probe = try? JSONDecoder().decode(FormatVersionProbe.self, from: data)
        let version = probe?.version ?? probe?.legacyVersion ?? 0
        if version > SavedModelMetadata.currentFormatVersion {
            throw .newerVersion(path: path, version: version, supported: SavedModelMetadata.currentFormatVersion)
        }
        do {
            if version == 1 { return try JSONDecoder().decode(LegacyModelMetadata.self, from: data).upgraded }
            return try JSONDecoder().decode(SavedModelMetadata.self, from: data)
        } catch {
            throw .notAModelFile(path: path, detail: "the metadata does not decode: \(error)")
        }
    }
}

/// The metadata's version key (`format_version`; version 1 files spelled it `formatVersion`).
private struct FormatVersionProbe: Decodable {
    var version: Int?
    var legacyVersion: Int?
    enum CodingKeys: String, CodingKey { case version = "format_version", legacyVersion = "formatVersion" }
}
