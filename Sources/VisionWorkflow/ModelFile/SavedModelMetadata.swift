import Foundation
import VisionModelAPI

/// What a `.vision` model file says about itself, stored as one JSON document in the
/// safetensors metadata under `vision`, beside the weights. The schema is in the README
/// ("The model file"); `plugin`, `classes` and `preprocessing` stay at the top level.
public struct SavedModelMetadata: Codable, Sendable, Equatable {
    /// Files from a newer vision have a higher version and are refused with a clear message.
    /// Version 1 files (before the model specification) still read.
    public static let currentFormatVersion = 2

    public var formatVersion: Int
    /// The model plugin's name (also in `model`), for scripts that read only this.
    public var plugin: String
    /// The plugin, its resolved configuration and, for YAML models, the definition itself:
    /// enough to rebuild the network from this file alone.
    public var model: ModelSpecification
    public var classes: [String]
    /// How inputs are prepared: what evaluation, inference and serving apply, never defaults.
    public var preprocessing: Preprocessing
    /// The run specification the model was trained with.
    public var training: TrainingConfiguration
    /// The figure that picked these weights (`val_f1_macro`), when the run monitored one.
    public var monitor: String?
    /// The epoch whose weights these are (for `best.vision`, the best epoch).
    public var epoch: Int
    /// Figures by name: `val_*` (at `epoch`), `best_*`, `train_loss`, and `test_*` after the final test.
    public var metrics: [String: Double]
    /// The split the model was trained with (relative paths and their split), so that
    /// evaluation can use exactly the images the model never saw.
    public var split: [SplitRecord]
    public var datasetRoot: String
    /// A digest of the training data's relative paths and labels.
    public var datasetFingerprint: String
    public var createdBy: String
    /// A summary of the training inputs for drift monitoring (`vision serve`, `vision drift`);
    /// absent in files from before it existed and in checkpoints.
    public var drift: DriftFingerprint?
    /// The defect threshold chosen on the validation split, when the run asked for one.
    public var operatingPoint: OperatingPoint?

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

    public init(
        model: ModelSpecification, classes: [String], preprocessing: Preprocessing, training: TrainingConfiguration,
        monitor: String? = nil, epoch: Int, metrics: [String: Double], split: [SplitRecord], datasetRoot: String,
        datasetFingerprint: String
    ) {
        formatVersion = Self.currentFormatVersion
        plugin = model.plugin
        self.model = model
        self.classes = classes
        self.preprocessing = preprocessing
        self.training = training
        self.monitor = monitor
        self.epoch = epoch
        self.metrics = metrics
        self.split = split
        self.datasetRoot = datasetRoot
        self.datasetFingerprint = datasetFingerprint
        createdBy = "vision"
    }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", plugin, model, classes, preprocessing, training, monitor, epoch, metrics, split
        case datasetRoot = "dataset_root", datasetFingerprint = "dataset_fingerprint", createdBy = "created_by", drift, operatingPoint = "operating_point"
    }
}

/// The metadata of a version 1 file, read so that models trained before version 2 still
/// evaluate and infer: a plugin name without configuration, a stretched square input, and the
/// training options as strings.
struct LegacyModelMetadata: Decodable {
    struct Preprocessing: Decodable {
        var width: Int
        var height: Int
        var channels: Int
        var mean: [Double]
        var std: [Double]
    }

    var plugin: String
    var classes: [String]
    var preprocessing: Preprocessing
    var split: [SavedModelMetadata.SplitRecord]
    var datasetRoot: String
    var datasetFingerprint: String
    var training: [String: String]
    var metrics: [String: Double]
    var epochs: Int

    var upgraded: SavedModelMetadata {
        let p = preprocessing
        // The old record spelled every option as a string; take what still parses.
        var overrides: PluginConfiguration = [:]
        for (key, text) in training {
            if let int = Int(text) {
                overrides[key] = .int(int)
            } else if let number = Double(text) {
                overrides[key] = .double(number)
            } else if let flag = Bool(text) {
                overrides[key] = .bool(flag)
            } else {
                overrides[key] = .string(text)
            }
        }
        var training = TrainingConfiguration()
        training.model = plugin
        // One key at a time: an option this version no longer takes is left at its default
        // without losing the others.
        for key in overrides.keys.sorted() where key != "model" {
            if let applied = try? training.applying([key: overrides[key] ?? .null]) { training = applied }
        }
        return SavedModelMetadata(
            model: ModelSpecification(plugin: plugin), classes: classes,
            preprocessing: VisionModelAPI.Preprocessing(
                inputSize: InputSize(height: p.height, width: p.width), channels: p.channels, mean: p.mean, std: p.std),
            training: training, epoch: epochs, metrics: metrics, split: split, datasetRoot: datasetRoot,
            datasetFingerprint: datasetFingerprint)
    }
}
