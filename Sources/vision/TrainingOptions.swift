import ArgumentParser
import Foundation
import VisionData
import VisionModelAPI
import VisionWorkflow

/// Every option of a training run, shared by `vision train` and `vision tune`: one flag per
/// field of `TrainingConfiguration`, whose defaults the help shows.
struct TrainingOptions: ParsableArguments {
    private static let defaults = TrainingConfiguration()

    @Option(help: "A YAML file with any of the options below (batch_size: 128, model_config: {width: 32}, …).")
    var config: String?

    @Option(help: "A registered model (see `vision models`) or a model YAML file. [default: \(defaults.model)]")
    var model: String?

    @Option(name: .customLong("model-config"), help: "A model configuration key (see `vision models --details`), e.g. width=32 (repeatable).")
    var modelConfig: [ConfigurationAssignment] = []

    @Option(name: .customLong("plugin-dir"), help: "Also load YAML models from this folder (repeatable; VISION_PLUGIN_PATH too).")
    var pluginDirectories: [String] = []

    @Option(help: "Epochs. [default: a fresh train chooses 10 to 60 from a compute budget and says why; fine-tuning and tune \(defaults.epochs); data issues 5]")
    var epochs: Int?

    @Option(name: .customLong("batch-size"), help: "Images per step. [default: \(defaults.batchSize)]")
    var batchSize: Int?

    @Option(name: .customLong("lr"), help: "Peak learning rate. [default: \(defaults.lr)]")
    var learningRate: Double?

    @Option(help: "Optimizer. [default: \(defaults.optimizer.rawValue)]")
    var optimizer: TrainingConfiguration.OptimizerKind?

    @Option(help: "Momentum (SGD). [default: \(defaults.momentum)]")
    var momentum: Double?

    @Option(help: "Learning-rate schedule. [default: \(defaults.schedule.rawValue)]")
    var schedule: TrainingConfiguration.ScheduleKind?

    @Option(name: .customLong("weight-decay"), help: "Weight decay. [default: \(defaults.weightDecay)]")
    var weightDecay: Double?

    @Option(help: "Seed for the split, initialisation, shuffling and augmentation. [default: \(defaults.seed)]")
    var seed: UInt64?

    @Option(
        name: .customLong("image-size"), help: "Input size: S (square) or WxH, e.g. 96x64 (default: the model's).",
        transform: { try ImageSize(parsing: $0) })
    var imageSize: ImageSize?

    @Option(help: "Input channels, 1 or 3 (default: what most training images store).")
    var channels: Int?

    @Option(help: "How images reach the input size (default: the model's).")
    var resize: ResizePolicy?

    @Option(name: .customLong("crop-fraction"), help: "For --resize center_crop: the fraction of the resized image kept (default: the model's, or 0.875).")
    var cropFraction: Double?

    @Flag(name: .customLong("flip"), inversion: .prefixedNo, help: "Augment with random horizontal flips (not for digits or text).")
    var flip: Bool?

    @Option(name: .customLong("crop-padding"), help: "Augment with random crops from the image padded by this many pixels (CIFAR: 4).")
    var cropPadding: Int?

    @Option(name: .customLong("class-weights"), help: "auto weights the loss by inverse class frequency, sqrt by its square root. [default: sqrt when the largest class has 3× the images of the smallest, else none]")
    var classWeights: TrainingConfiguration.ClassWeighting?

    @Flag(name: .customLong("balanced-sampling"), inversion: .prefixedNo, help: "Draw class-balanced training batches.")
    var balancedSampling: Bool?

    @Option(name: .customLong("init-from"), help: "Fine-tune a saved .vision model (a different class count replaces its head).")
    var initFrom: String?

    @Option(help: "Early stopping: stop when the monitored figure has not improved for this many epochs.")
    var patience: Int?

    @Option(help: "What picks best.vision and drives early stopping: val_loss or any metric value, e.g. val_accuracy, f1_macro, recall_weighted, balanced_accuracy (see `vision metrics`). [default: \(defaults.monitor)]")
    var monitor: String?

    @Option(help: "More metrics for every validation pass, comma-separated (accuracy, balanced accuracy, precision, recall and F1 are always there).")
    var metrics: String?

    @Option(name: .customLong("on-bad-image"), help: "A file that cannot be decoded: skip it (and list it at the end) or fail. [default: \(defaults.onBadImage.rawValue)]")
    var onBadImage: BadImagePolicy?

    @Option(help: "Decode workers. [default: \(defaults.workers)]")
    var workers: Int?

    @Option(name: .customLong("train-fraction"), help: "Share of each class for training (trees without their own split). [default: \(defaults.trainFraction)]")
    var trainFraction: Double?

    @Option(name: .customLong("val-fraction"), help: "Share of each class for validation. [default: \(defaults.valFraction)]")
    var valFraction: Double?

    @Option(name: .customLong("test-fraction"), help: "Share of each class for the final test. [default: \(defaults.testFraction)]")
    var testFraction: Double?

    @Option(help: "Compute threads (default: all cores).")
    var threads: Int?

    @Option(name: .customLong("augment-preset"), help: "Augmentation preset: none, natural (crops and horizontal flips), defects (flips, quarter turns, light brightness and contrast).")
    var augmentPreset: AugmentationPolicy.Preset?

    @Option(help: "Augmentations, comma-separated, added to the preset: hflip, vflip, rot90, rotate=DEG, scale=LO-HI, brightness=B, contrast=C, noise=S, erase=P.")
    var augment: String?

    @Option(name: .customLong("positive-class"), help: "Defect questions: the class that matters; with --target-recall or --target-precision the threshold is chosen on validation and stored with the model.")
    var positiveClass: String?

    @Option(name: .customLong("good-class"), help: "Defect questions: the defect-free class (every other class is a defect); with a target, as --positive-class.")
    var goodClass: String?

    @Option(name: .customLong("target-recall"), help: "With --positive-class or --good-class: the defect recall the stored threshold must reach.")
    var targetRecall: Double?

    @Option(name: .customLong("target-precision"), help: "With --positive-class or --good-class: the defect precision the stored threshold must reach.")
    var targetPrecision: Double?

    @Option(help: "With --init-from a plain state_dict (.safetensors): false loads the tensors that fit and leaves the rest at initialisation (listed). [default: true]")
    var strict: Bool?

    @Option(name: .customLong("freeze-backbone-epochs"), help: "Fine-tuning: train only the head for this many epochs, then the whole network.")
    var freezeBackboneEpochs: Int?

    @Option(name: .customLong("backbone-lr-scale"), help: "Fine-tuning: the backbone learns at this fraction of the learning rate (e.g. 0.1); the head at the full rate. [default: 1]")
    var backboneLrScale: Double?

    @Flag(name: .customLong("sync-bn"), inversion: .prefixedNo, help: "Under mpirun: batch-norm statistics over the global batch (every rank's images; slower) instead of each rank's own. [default: per rank]")
    var syncBn: Bool?

    /// The flags given, in the configuration's vocabulary: one line per option.
    var overrides: PluginConfiguration {
        var o: PluginConfiguration = [:]
        o["model"] = model.map(JSONValue.string)
        if !modelConfig.isEmpty { o["model_config"] = .object(ConfigurationAssignment.object(modelConfig)) }
        o["epochs"] = epochs.map(JSONValue.int)
        o["batch_size"] = batchSize.map(JSONValue.int)
        o["lr"] = learningRate.map(JSONValue.double)
        o["optimizer"] = optimizer.map { .string($0.rawValue) }
        o["momentum"] = momentum.map(JSONValue.double)
        o["schedule"] = schedule.map { .string($0.rawValue) }
        o["weight_decay"] = weightDecay.map(JSONValue.double)
        // A seed above Int.max has no JSON integer: it fails decoding with the key named.
        o["seed"] = seed.map { Int(exactly: $0).map(JSONValue.int) ?? .string(String($0)) }
        o["image_size"] = imageSize.map { .string($0.description) }
        o["channels"] = channels.map(JSONValue.int)
        o["resize"] = resize.map { .string($0.rawValue) }
        o["crop_fraction"] = cropFraction.map(JSONValue.double)
        o["flip"] = flip.map(JSONValue.bool)
        o["strict"] = strict.map(JSONValue.bool)
        o["freeze_backbone_epochs"] = freezeBackboneEpochs.map(JSONValue.int)
        o["backbone_lr_scale"] = backboneLrScale.map(JSONValue.double)
        o["sync_bn"] = syncBn.map(JSONValue.bool)
        o["crop_padding"] = cropPadding.map(JSONValue.int)
        o["class_weights"] = classWeights.map { .string($0.rawValue) }
        o["balanced_sampling"] = balancedSampling.map(JSONValue.bool)
        o["init_from"] = initFrom.map(JSONValue.string)
        o["patience"] = patience.map(JSONValue.int)
        o["monitor"] = monitor.map(JSONValue.string)
        o["metrics"] = metrics.map { .array($0.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) }) }
        o["on_bad_image"] = onBadImage.map { .string($0.rawValue) }
        o["workers"] = workers.map(JSONValue.int)
        o["train_fraction"] = trainFraction.map(JSONValue.double)
        o["val_fraction"] = valFraction.map(JSONValue.double)
        o["test_fraction"] = testFraction.map(JSONValue.double)
        o["threads"] = threads.map(JSONValue.int)
        o["augment_preset"] = augmentPreset.map { .string($0.rawValue) }
        o["augment"] = augment.map(JSONValue.string)
        o["positive_class"] = positiveClass.map(JSONValue.string)
        o["good_class"] = goodClass.map(JSONValue.string)
        o["target_recall"] = targetRecall.map(JSONValue.double)
        o["target_precision"] = targetPrecision.map(JSONValue.double)
        return o
    }

    /// The configuration keys set by these flags, the config file and `resumed` (a run's
    /// config.yaml): what defaults chosen from the data must leave alone.
    func chosenKeys(resumed: String? = nil) throws -> Set<String> {
        var keys = Set(overrides.keys)
        if let config { keys.formUnion(try ConfigurationFile.read(config).overrides.keys) }
        if let resumed, FileManager.default.fileExists(atPath: resumed) { keys.formUnion(try ConfigurationFile.read(resumed).overrides.keys) }
        return keys
    }

    /// Defaults, then the config file, then `resumed` (a run's config.yaml) when given, then the
    /// flags. Also says whether the model was named (by a flag or a file) rather than defaulted.
    func resolvedConfiguration(resumed: String? = nil) throws -> (TrainingConfiguration, modelChosen: Bool) {
        var c = TrainingConfiguration()
        var modelChosen = model != nil
        if let config {
            c = try ConfigurationFile.load(config, over: c)
            let named = try ConfigurationFile.read(config).overrides["model"] != nil
            modelChosen = modelChosen || named
        }
        if let resumed, FileManager.default.fileExists(atPath: resumed) { c = try ConfigurationFile.load(resumed, over: c) }
        var flags = overrides
        if let model, model != c.model, modelConfig.isEmpty {
            // A model named here drops the file's configuration of another model.
            flags["model_config"] = .object([:])
        } else if !modelConfig.isEmpty && (model == nil || model == c.model) {
            // --model-config keys change those of the file, key by key.
            flags["model_config"] = .object(c.modelConfig.merging(ConfigurationAssignment.object(modelConfig)) { $1 })
        }
        return (try c.applying(flags), modelChosen)
    }
}

