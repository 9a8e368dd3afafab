import ArgumentParser
import Foundation
import VisionData
import VisionModelAPI
import VisionWorkflow

/// `vision train`: a model from a folder of labelled images.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a classifier on DATA (ROOT/CLASS/… or ROOT/train|val|test/CLASS/… or a CSV manifest).",
        discussion: """
            Splits the data (stratified, seeded, stable; or the tree's own split), computes \
            normalisation on the train split only, validates every epoch through the metric \
            plugins, writes last.vision and best.vision atomically with metrics.csv, config.yaml, \
            split.json and report.html into --output, and tests the best model on the images it \
            never saw. Every option can also come from --config (the same names with underscores: \
            batch_size: 128); flags given here override the file.
            """
    )

    private static let defaults = TrainingConfiguration()

    @Argument(help: "The dataset root or CSV manifest.")
    var data: String

    @Option(help: "A YAML file with any of the options below (batch_size: 128, model_config: {width: 32}, …).")
    var config: String?

    @Option(help: "A registered model (see `vision models`) or a model YAML file. [default: \(defaults.model)]")
    var model: String?

    @Option(name: .customLong("model-config"), help: "A model configuration key (see `vision models --details`), e.g. width=32 (repeatable).")
    var modelConfig: [ConfigurationAssignment] = []

    @Option(name: .customLong("plugin-dir"), help: "Also load YAML models from this folder (repeatable; VISION_PLUGIN_PATH too).")
    var pluginDirectories: [String] = []

    @Option(help: "Epochs. [default: \(defaults.epochs)]")
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

    @Option(name: .customLong("image-size"), help: "Input size: S (square) or WxH, e.g. 96x64 (default: the model's).")
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

    @Option(name: .customLong("class-weights"), help: "auto weights the loss by inverse class frequency (imbalanced data). [default: none]")
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

    @Option(help: "Compute threads (default: all cores).")
    var threads: Int?

    @Option(help: "Run folder (default: runs/MODEL).")
    var output: String?

    @Option(help: "Continue an interrupted run: its folder or its last.vision. Its config.yaml is read; flags (e.g. a larger --epochs) override it.")
    var resume: String?

    @Flag(help: "Replace an existing run folder.")
    var overwrite = false

    @Flag(help: "Print only the summary.")
    var quiet = false

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
        o["seed"] = seed.map { .int(Int(clamping: $0)) }
        o["image_size"] = imageSize.map { .string($0.description) }
        o["channels"] = channels.map(JSONValue.int)
        o["resize"] = resize.map { .string($0.rawValue) }
        o["crop_fraction"] = cropFraction.map(JSONValue.double)
        o["flip"] = flip.map(JSONValue.bool)
        o["crop_padding"] = cropPadding.map(JSONValue.int)
        o["class_weights"] = classWeights.map { .string($0.rawValue) }
        o["balanced_sampling"] = balancedSampling.map(JSONValue.bool)
        o["init_from"] = initFrom.map(JSONValue.string)
        o["patience"] = patience.map(JSONValue.int)
        o["monitor"] = monitor.map(JSONValue.string)
        o["metrics"] = metrics.map { .array($0.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) }) }
        o["on_bad_image"] = onBadImage.map { .string($0.rawValue) }
        o["workers"] = workers.map(JSONValue.int)
        o["threads"] = threads.map(JSONValue.int)
        o["output"] = output.map(JSONValue.string)
        return o
    }

    /// Defaults, then the config file, then the run's config.yaml when resuming, then the flags.
    /// Also says whether the model was named (by a flag or a file) rather than defaulted.
    func resolvedConfiguration() throws -> (TrainingConfiguration, modelChosen: Bool) {
        var c = TrainingConfiguration()
        var modelChosen = model != nil
        if let config {
            c = try ConfigurationFile.load(config, over: c)
            let named = try ConfigurationFile.read(config).overrides["model"] != nil
            modelChosen = modelChosen || named
        }
        if let folder = resumeFolder {
            guard FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("last.vision")) else {
                throw CLIError("\(folder): no last.vision to resume from")
            }
            let used = (folder as NSString).appendingPathComponent("config.yaml")
            if FileManager.default.fileExists(atPath: used) { c = try ConfigurationFile.load(used, over: c) }
            c.output = folder
        }
        var flags = overrides
        // A model named here drops the file's configuration of another model.
        if let model, model != c.model, modelConfig.isEmpty { flags["model_config"] = .object([:]) }
        return (try c.applying(flags), modelChosen)
    }

    /// The run folder `--resume` names (a folder, or the folder of a model file).
    var resumeFolder: String? {
        guard let resume else { return nil }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: resume, isDirectory: &isFolder), isFolder.boolValue { return resume }
        return (resume as NSString).deletingLastPathComponent
    }

    func run() throws {
        var (c, modelChosen) = try resolvedConfiguration()
        let folder = c.output ?? "runs/\((c.model as NSString).lastPathComponent)"
        c.output = folder
        if resume == nil && FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("last.vision")) && !overwrite {
            throw CLIError("\(folder) already holds a run; choose another --output or pass --overwrite")
        }
        let models = try Registries.models(pluginDirectories: pluginDirectories)
        let metricRegistry = try Registries.metrics()
        // An unknown model, configuration key or monitored figure fails before the folder is made.
        if resume == nil && c.initFrom == nil { _ = try models.specification(of: models.resolve(nameOrPath: c.model), configuration: c.modelConfig) }
        _ = try MetricValueName(c.monitor, registry: metricRegistry)
        try OutputFolder.prepare(folder)
        // The configuration used travels with the run.
        try Data(try ConfigurationFile.yaml(c).utf8).write(
            to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("config.yaml")), options: .atomic)
        let onTerminal = isatty(STDOUT_FILENO) != 0
        let trainer = Trainer(
            TrainingSetup.Request(root: data, configuration: c, output: folder, resume: resume != nil, modelChosen: modelChosen),
            models: models, metrics: metricRegistry
        ) { line in
            guard !quiet else { return }
            // On a terminal, clear the progress bar's line first; flush each line so that
            // progress shows up promptly in logs and pipes.
            print((onTerminal ? "\r\u{1B}[K" : "") + line)
            fflush(nil)
        }
        // Ctrl-C: finish the step, save, exit cleanly (status 130).
        let stop = StopRequest()
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { stop.request() }
        source.resume()
        trainer.stopRequested = { stop.isRequested }
        if !quiet && onTerminal { trainer.callbacks.append(ProgressBar()) }
        let result: TrainingResult
        do {
            result = try trainer.run()
        } catch TrainingError.interrupted(let epoch, let path) {
            FileHandle.standardError.write(Data("\(TrainingError.interrupted(epoch: epoch, savedTo: path))\n".utf8))
            throw ExitCode(130)
        }
        var summary = "best \(result.monitor) \(result.bestValue.map { String(format: "%.4f", $0) } ?? "-")"
        if let epoch = result.bestEpoch { summary += " at epoch \(epoch)" }
        if let best = result.history.first(where: { $0.epoch == result.bestEpoch }) {
            summary += String(format: " (validation accuracy %.2f%%)", best.valAccuracy * 100)
        }
        if let test = result.testAccuracy { summary += String(format: ", test accuracy %.2f%% (images the model never saw)", test * 100) }
        print(summary)
        print("model: \(result.bestModelPath)   history: \((folder as NSString).appendingPathComponent("metrics.csv"))")
    }
}

/// The terminal progress bar: epoch, batch, running loss and accuracy, speed and time left.
final class ProgressBar: TrainingCallback {
    func stepDidEnd(_ p: StepProgress, run: TrainingRun) throws -> TrainingDecision {
        let filled = Int(Double(p.batch) / Double(max(p.batches, 1)) * 24)
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: max(24 - filled, 0))
        print(String(
            format: "\r epoch %d/%d %@ %d/%d  loss %.4f  acc %5.1f%%  %.0f img/s  ETA %@\u{1B}[K", p.epoch, p.epochs, bar, p.batch,
            p.batches, p.loss, p.accuracy * 100, p.imagesPerSecond, Self.duration(p.secondsRemaining)), terminator: "")
        fflush(nil)
        return .proceed
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s % 3600 / 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}

/// Set from the signal handler's queue, read by the training loop.
final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var requested = false

    func request() { lock.withLock { requested = true } }

    var isRequested: Bool { lock.withLock { requested } }
}
