import Foundation
import SafeTensors
import VisionData
import VisionImage
import VisionWorkflow
import VisionYAMLModels

/// The inputs vision reads from untrusted files, one function each: libFuzzer calls them with
/// mutated bytes (`fuzz/run.sh`), and `FuzzRegressionTests` replays every saved input. Each must
/// return or throw for any bytes: a trap, a hang or a huge allocation is the bug being hunted.
public enum FuzzTargets {
    public static let names = ["png", "jpeg", "safetensors", "modelfile", "yamlmodel", "config", "csv"]

    /// Runs target `name` on `bytes`; errors are the expected outcome for most inputs.
    public static func run(_ name: String, _ bytes: [UInt8]) {
        switch name {
        case "png", "jpeg": decode(bytes)
        case "safetensors": _ = try? SafeTensors.parse(bytes)
        case "modelfile": modelFile(bytes)
        case "yamlmodel": _ = try? YAMLModelPlugin(yaml: String(decoding: bytes, as: UTF8.self), file: "fuzz.yaml")
        case "config": config(bytes)
        case "csv": _ = try? CSVManifest.parse(String(decoding: bytes, as: UTF8.self), source: "fuzz.csv")
        default: break
        }
    }

    /// Decodes as every command does: stored channels, and gray/RGB with a size hint.
    static func decode(_ bytes: [UInt8]) {
        _ = try? ImageDecoder.decode(bytes)
        _ = try? ImageDecoder.decode(bytes, options: DecodeOptions(layout: .rgb, sizeHint: (32, 32)))
        _ = try? ImageDecoder.decode(bytes, options: DecodeOptions(layout: .gray, allowTruncated: true))
    }

    /// A `.vision` file: safetensors, then the metadata, its sizes and the weights' values.
    static func modelFile(_ bytes: [UInt8]) {
        guard let file = try? SafeTensors.parse(bytes), let metadata = try? SavedModel.metadata(of: file, path: "fuzz.vision") else { return }
        _ = try? metadata.checkSizes(path: "fuzz.vision")
        _ = try? SavedModel.checkFinite(file, path: "fuzz.vision")
    }

    /// A training configuration file, applied over the defaults as `--config` does.
    static func config(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let (overrides, _) = try? ConfigurationFile.parse(text, path: "fuzz.yaml") else { return }
        _ = try? TrainingConfiguration().applying(overrides)
    }
}
