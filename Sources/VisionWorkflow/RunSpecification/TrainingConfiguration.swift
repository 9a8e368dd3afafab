import Foundation
import VisionData
import VisionModelAPI

/// The run specification: every option of a training run besides the data. The one source of
/// defaults for `vision train`'s flags, config files, the run's `config.yaml` and the model
/// file's training record. Keys are snake_case (`batch_size`); decoding is strict (an unknown
/// key is an error with a "did you mean"). Adding an option is one field here plus one flag.
public struct TrainingConfiguration: Codable, Sendable, Equatable, StrictDecodable {
    public enum OptimizerKind: String, Codable, Sendable, CaseIterable { case sgd, adam, adamw }
    public enum ScheduleKind: String, Codable, Sendable, CaseIterable {
        case constant, cosine, step, onecycle, warmupCosine = "warmup-cosine"
    }
    public enum ClassWeighting: String, Codable, Sendable, CaseIterable {
        /// Every class counts the same per image.
        case none
        /// Inverse class frequency on the train split, n / (k · n_c), for imbalanced data.
        case auto
        /// The square root of those: rare classes count more, without drowning the common one.
        case sqrt
    }

    /// A registered model name or a model definition file (YAML).
    public var model = "lenet"
    /// The model plugin's configuration (`width: 32`), decoded strictly by the plugin.
    public var modelConfig: PluginConfiguration = [:]
    public var epochs = 10
    public var batchSize = 64
    /// Peak learning rate.
    public var lr = 0.05
    public var optimizer = OptimizerKind.sgd
    public var momentum = 0.9
    public var weightDecay = 5e-4
    public var schedule = ScheduleKind.cosine
    /// Seed for the split, initialisation, shuffling and augmentation.
    public var seed: UInt64 = 0
    /// Input size; nil takes the model's default.
    public var imageSize: ImageSize?
    /// 1 or 3; nil takes what most training images store.
    public var channels: Int?
    /// How images reach the input size; nil takes the model's default.
    public var resize: ResizePolicy?
    /// For `center_crop`: the fraction of the resized image kept; nil takes the model's default.
    public var cropFraction: Double?
    /// Augment with random horizontal flips.
    public var flip = false
    /// Random crops of the input size from the image padded by this many pixels (0: none).
    public var cropPadding = 0
    public var classWeights = ClassWeighting.none
    /// Draw class-balanced training batches instead of in proportion to the data.
    public var balancedSampling = false
    /// Start from a saved model's weights (fine-tuning); a different class count replaces its head.
    public var initFrom: String?
    /// Stop when the monitored figure has not improved for this many epochs (nil: never).
    public var patience: Int?
    /// What picks `best.vision` and drives early stopping: `val_loss`, or any metric value name
    /// (`val_accuracy`, `f1_macro`, `recall_weighted`, …); its direction is the metric's goal.
    public var monitor = "val_accuracy"
    /// Metrics computed on every validation pass besides the defaults and the monitored one.
    public var metrics: [String] = []
    /// What to do with a file that cannot be decoded: leave it out and report it, or stop.
    public var onBadImage = BadImagePolicy.skip
    /// Decode workers.
    public var workers = 2
    /// Compute threads (nil: all cores).
    public var threads: Int?
    /// Defect questions: the class that matters (`positive_class`), or the defect-free one
    /// (`good_class`: every other class is a defect), with a target recall or precision; the
    /// threshold is chosen on the validation split and stored with the model (`operating_point`).
    /// Augmentation: a preset (`none`, `natural`, `defects`) and items that add to it
    /// (`hflip,rot90,brightness=0.2`; see `AugmentationPolicy`).
    public var augmentPreset: AugmentationPolicy.Preset?
    public var augment: String?
    public var positiveClass: String?
    public var goodClass: String?
    public var targetRecall: Double?
    public var targetPrecision: Double?
    /// `init_from` a plain state_dict (safetensors): every tensor must fit (true, the default),
    /// or load what fits and leave the rest at initialisation (false). Optional, like every key
    /// added after the first model files, so that those files still decode.
    public var strict: Bool?
    /// Fine-tuning: train only the head for this many epochs, then everything (default 0).
    public var freezeBackboneEpochs: Int?
    /// Fine-tuning: the backbone's learning rate is the schedule's times this (the head's is the
    /// schedule's), so that pretrained features move less than the new head (default 1).
    public var backboneLrScale: Double?
    /// Distributed training: batch-norm statistics over the global batch (every rank's images)
    /// instead of each rank's own (default false, as PyTorch DDP).
    public var syncBn: Bool?

    var strictLoading: Bool { strict ?? true }
    var frozenEpochs: Int { freezeBackboneEpochs ?? 0 }
    var backboneRateScale: Double { backboneLrScale ?? 1 }
    var synchronizedBatchNorm: Bool { syncBn ?? false }
    public var trainFraction = 0.8
    public var valFraction = 0.1
    public var testFraction = 0.1
    /// The run folder (default: runs/MODEL).
    public var output: String?

    public init() {}

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case model, modelConfig = "model_config", epochs, batchSize = "batch_size", lr, optimizer, momentum
        case weightDecay = "weight_decay", schedule, seed, imageSize = "image_size", channels, resize
        case cropFraction = "crop_fraction", flip, cropPadding = "crop_padding", classWeights = "class_weights"
        case balancedSampling = "balanced_sampling", initFrom = "init_from", patience, monitor, metrics
        case onBadImage = "on_bad_image", workers, threads, trainFraction = "train_fraction", valFraction = "val_fraction"
        case testFraction = "test_fraction", output
        case augmentPreset = "augment_preset", augment
        case positiveClass = "positive_class", goodClass = "good_class", targetRecall = "target_recall", targetPrecision = "target_precision"
        case strict, freezeBackboneEpochs = "freeze_backbone_epochs", backboneLrScale = "backbone_lr_scale"
        case syncBn = "sync_bn"
    }

    public static let allowedKeys = CodingKeys.allCases.map(\.stringValue)

    /// The configuration as a JSON object in the file vocabulary (unset options left out).
    public func object() throws -> PluginConfiguration {
        let data = try JSONEncoder().encode(self)
        return try StrictDecoder.object(fromJSON: data, owner: "the training configuration")
    }

    /// `self` with `overrides` (keys in the file vocabulary; `null` unsets an option) applied,
    /// decoded strictly and checked.
    public func applying(_ overrides: PluginConfiguration) throws -> TrainingConfiguration {
        var merged = try object()
        // JSONDecoder's own message for a negative UInt64 names no key.
        if case .int(let seed)? = overrides["seed"], seed < 0 {
            throw RunSpecificationError.invalidValue(key: "seed", expected: "an integer ≥ 0", found: String(seed))
        }
        for (key, value) in overrides {
            if case .null = value { merged[key] = nil } else { merged[key] = value }
        }
        let configuration: TrainingConfiguration
        do {
            configuration = try StrictDecoder.decode(TrainingConfiguration.self, from: merged, owner: "the training configuration")
        } catch let error as ConfigurationError {
            throw RunSpecificationError(error)
        }
        try configuration.check()
        return configuration
    }

    /// Values the types cannot rule out; errors name the key.
    /// The augmentation policy the preset and items make.
    public func augmentation() throws(RunSpecificationError) -> AugmentationPolicy {
        try AugmentationPolicy(preset: augmentPreset, items: augment)
    }

    public func check() throws(RunSpecificationError) {
        func require(_ ok: Bool, _ key: String, _ expected: String, _ found: CustomStringConvertible) throws(RunSpecificationError) {
            if !ok { throw .invalidValue(key: key, expected: expected, found: found.description) }
        }
        try require(model.isEmpty == false, "model", "a model name or file", model)
        try require((1...1_000_000).contains(epochs), "epochs", "a positive integer (at most 1000000)", epochs)
        try require(backboneRateScale > 0 && backboneRateScale <= 1, "backbone_lr_scale", "a number in (0, 1]", backboneRateScale)
        try require((0...1_000_000).contains(frozenEpochs), "freeze_backbone_epochs", "an integer ≥ 0", frozenEpochs)
        try require((1...1_000_000).contains(batchSize), "batch_size", "a positive integer (at most 1000000)", batchSize)
        try require(lr > 0 && lr.isFinite, "lr", "a positive number", lr)
        try require(momentum >= 0 && momentum < 1, "momentum", "a number in [0, 1)", momentum)
        try require(weightDecay >= 0 && weightDecay.isFinite, "weight_decay", "a number ≥ 0", weightDecay)
        try require(channels == nil || channels == 1 || channels == 3, "channels", "1 or 3", channels.map(String.init) ?? "")
        try require(cropFraction.map { $0 >= 0.05 && $0 <= 1 } ?? true, "crop_fraction", "a number in [0.05, 1]", cropFraction ?? 0)
        try require((0...1024).contains(cropPadding), "crop_padding", "an integer in 0...1024", cropPadding)
        try require(patience.map { $0 >= 1 } ?? true, "patience", "a positive integer", patience ?? 0)
        try require((0...64).contains(workers), "workers", "an integer in 0...64", workers)
        try require(threads.map { (1...1024).contains($0) } ?? true, "threads", "an integer in 1...1024", threads ?? 0)
        for (key, value) in [("train_fraction", trainFraction), ("val_fraction", valFraction), ("test_fraction", testFraction)] {
            try require(value >= 0 && value <= 1, key, "a fraction in [0, 1]", value)
        }
        try require(!monitor.isEmpty, "monitor", "a metric name such as val_accuracy, val_loss or f1_macro", monitor)
        _ = try augmentation()
        for (key, value) in [("target_recall", targetRecall), ("target_precision", targetPrecision)] {
            try require(value.map { $0 > 0 && $0 <= 1 } ?? true, key, "a number in (0, 1]", value ?? 0)
        }
        try require(targetRecall == nil || targetPrecision == nil, "target_precision", "one target: target_recall or target_precision", "both")
        try require(positiveClass == nil || goodClass == nil, "good_class", "one of positive_class and good_class", "both")
        let named = positiveClass != nil || goodClass != nil, targeted = targetRecall != nil || targetPrecision != nil
        try require(!named || targeted, positiveClass != nil ? "positive_class" : "good_class", "a target too (target_recall or target_precision)", "no target")
        try require(named || !targeted, targetRecall != nil ? "target_recall" : "target_precision", "positive_class or good_class too", "neither")
    }
}

extension RunSpecificationError {
    /// A strict-decoding error of the training configuration, in this type's words.
    init(_ error: ConfigurationError) {
        switch error {
        case .unknownKey(_, let key, _, let suggestion):
            let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? ""
            self = .invalidValue(
                key: key, expected: "a known option\(hint); valid keys: \(TrainingConfiguration.allowedKeys.joined(separator: ", "))",
                found: key)
        case .invalidValue(_, let key, let expected, let found):
            self = .invalidValue(key: key, expected: expected, found: found)
        case .missingKey(_, let key):
            self = .invalidValue(key: key, expected: "a value", found: "nothing")
        case .notAnObject(_, let found):
            self = .invalidValue(key: "-", expected: "a mapping of option: value", found: found)
        }
    }
}
