import ArgumentParser
import Foundation
import VisionMetricAPI
import VisionMetrics
import VisionModelAPI
import VisionWorkflow
import VisionYAMLModels

/// `vision train`: a model from a folder of labelled images.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a classifier on DATA (ROOT/CLASS/… or ROOT/train|val|test/CLASS/… or a CSV manifest).",
        discussion: """
            Splits the data (stratified, seeded, stable; or the tree's own split), computes \
            normalisation on the train split only, validates every epoch, writes last.vision and \
            best.vision atomically with metrics.csv into --output, and tests the best model on the \
            images it never saw.
            """
    )

    @Argument(help: "The dataset root or CSV manifest.")
    var data: String

    @Option(help: "A YAML file with any of the options below (batch_size: 128, …); flags given here override it.")
    var config: String?

    @Option(help: "A registered model (see `vision models`) or a model YAML file. [default: lenet]")
    var model: String?

    @Option(name: .customLong("plugin-dir"), help: "Also load YAML models from this folder (repeatable; VISION_PLUGIN_PATH too).")
    var pluginDirectories: [String] = []

    @Option(help: "Epochs. [default: 10]")
    var epochs: Int?

    @Option(name: .customLong("batch-size"), help: "Images per step. [default: 64]")
    var batchSize: Int?

    @Option(name: .customLong("lr"), help: "Peak learning rate. [default: 0.05]")
    var learningRate: Double?

    @Option(help: "Optimizer: sgd, adam or adamw. [default: sgd]")
    var optimizer: String?

    @Option(help: "Learning-rate schedule: constant, cosine, step, onecycle or warmup-cosine. [default: cosine]")
    var schedule: String?

    @Option(name: .customLong("weight-decay"), help: "Weight decay. [default: 0.0005]")
    var weightDecay: Double?

    @Option(help: "Seed for the split, initialisation, shuffling and augmentation. [default: 0]")
    var seed: UInt64?

    @Option(name: .customLong("image-size"), help: "Input side in pixels (default: the model's).")
    var imageSize: Int?

    @Option(help: "Input channels, 1 or 3 (default: what most training images store).")
    var channels: Int?

    @Flag(name: .customLong("flip"), inversion: .prefixedNo, help: "Augment with random horizontal flips (not for digits or text).")
    var flip: Bool?

    @Option(name: .customLong("crop-padding"), help: "Augment with random crops from the image padded by this many pixels (CIFAR: 4).")
    var cropPadding: Int?

    @Option(name: .customLong("class-weights"), help: "'auto' weights the loss by inverse class frequency (imbalanced data), or 'none'.")
    var classWeights: String?

    @Flag(name: .customLong("balanced-sampling"), inversion: .prefixedNo, help: "Draw class-balanced training batches.")
    var balancedSampling: Bool?

    @Option(name: .customLong("init-from"), help: "Fine-tune a saved .vision model (a different class count replaces its head).")
    var initFrom: String?

    @Option(help: "Early stopping: stop when the monitored figure has not improved for this many epochs.")
    var patience: Int?

    @Option(help: "What picks best.vision and drives early stopping: val_accuracy or val_loss. [default: val_accuracy]")
    var monitor: String?

    @Option(help: "Decode workers. [default: 2]")
    var workers: Int?

    @Option(help: "Run folder (default: runs/MODEL).")
    var output: String?

    @Option(help: "Continue an interrupted run: its folder or its last.vision. Its config.yaml is read; flags (e.g. a larger --epochs) override it.")
    var resume: String?

    @Flag(help: "Replace an existing run folder.")
    var overwrite = false

    @Flag(help: "Print only the summary.")
    var quiet = false

    func validate() throws {
        if let optimizer, TrainingConfiguration.OptimizerKind(rawValue: optimizer) == nil {
            throw ValidationError("--optimizer must be one of sgd, adam, adamw; got '\(optimizer)'")
        }
        if let schedule, TrainingConfiguration.ScheduleKind(rawValue: schedule) == nil {
            throw ValidationError("--schedule must be one of constant, cosine, step, onecycle, warmup-cosine; got '\(schedule)'")
        }
        if let monitor, monitor != "val_accuracy" && monitor != "val_loss" {
            throw ValidationError("--monitor must be val_accuracy or val_loss, got '\(monitor)'")
        }
        if let classWeights, classWeights != "auto" && classWeights != "none" {
            throw ValidationError("--class-weights must be 'auto' or 'none', got '\(classWeights)'")
        }
    }

    /// Defaults, then the config file, then the flags given on the command line.
    func resolvedConfiguration() throws -> (TrainingConfiguration, String?) {
        var (c, fileOutput) = try config.map { try TrainingConfigurationFile.load($0) } ?? (TrainingConfiguration(), nil)
        if let folder = resumeFolder {
            let used = (folder as NSString).appendingPathComponent("config.yaml")
            guard FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("last.vision")) else {
                throw CLIError("\(folder): no last.vision to resume from")
            }
            if FileManager.default.fileExists(atPath: used) { (c, _) = try TrainingConfigurationFile.load(used, over: c) }
            fileOutput = folder
        }
        if let model { c.model = model }
        if let epochs { c.epochs = epochs }
        if let batchSize { c.batchSize = batchSize }
        if let learningRate { c.learningRate = learningRate }
        if let optimizer, let kind = TrainingConfiguration.OptimizerKind(rawValue: optimizer) { c.optimizer = kind }
        if let schedule, let kind = TrainingConfiguration.ScheduleKind(rawValue: schedule) { c.schedule = kind }
        if let weightDecay { c.weightDecay = weightDecay }
        if let seed { c.seed = seed }
        if let imageSize { c.imageSize = imageSize }
        if let channels { c.channels = channels }
        if let flip { c.horizontalFlip = flip }
        if let cropPadding { c.cropPadding = cropPadding }
        if let classWeights { c.classWeights = classWeights == "auto" }
        if let balancedSampling { c.balancedSampling = balancedSampling }
        if let initFrom { c.initFrom = initFrom }
        if let workers { c.workers = workers }
        if let patience { c.patience = patience }
        if let monitor { c.monitor = monitor }
        guard c.epochs > 0, c.batchSize > 0, c.learningRate > 0, c.workers >= 0 else {
            throw CLIError("epochs, batch size and learning rate must be positive (got \(c.epochs), \(c.batchSize), \(c.learningRate))")
        }
        if let channels = c.channels, channels != 1 && channels != 3 { throw CLIError("channels must be 1 or 3, got \(channels)") }
        return (c, output ?? fileOutput)
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s % 3600 / 60) : String(format: "%d:%02d", s / 60, s % 60)
    }

    /// The run folder `--resume` names (a folder, or the folder of a model file).
    var resumeFolder: String? {
        guard let resume else { return nil }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: resume, isDirectory: &isFolder), isFolder.boolValue { return resume }
        return (resume as NSString).deletingLastPathComponent
    }

    func run() throws {
        let (c, chosenOutput) = try resolvedConfiguration()
        let model = c.model
        let folder = chosenOutput ?? "runs/\((model as NSString).lastPathComponent)"
        if resume == nil && FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("last.vision")) && !overwrite {
            throw CLIError("\(folder) already holds a run; choose another --output or pass --overwrite")
        }
        let registry = try ModelsCommand.makeRegistry(pluginDirectories: pluginDirectories)
        _ = try registry.resolve(nameOrPath: model)  // an unknown name fails before the folder is made
        try OutputFolder.prepare(folder)
        // The configuration used travels with the run.
        let used = TrainingConfigurationFile.yaml(c)
        try Data(used.utf8).write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("config.yaml")), options: .atomic)
        // Flush each line: progress must show up promptly in logs and pipes, not at exit.
        let trainer = Trainer(root: data, configuration: c, output: folder, registry: registry, resume: resume != nil, log: { line in
            if !quiet {
                // On a terminal, clear the progress bar's line first.
                print((isatty(STDOUT_FILENO) != 0 ? "\r\u{1B}[K" : "") + line)
                fflush(nil)
            }
        })
        // Ctrl-C: finish the step, save, exit cleanly (status 130).
        let stop = StopRequest()
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { stop.request() }
        source.resume()
        trainer.stopRequested = { stop.isRequested }
        // A progress bar on a terminal; plain epoch lines elsewhere (logs, pipes).
        if !quiet && isatty(STDOUT_FILENO) != 0 {
            trainer.progress = { epoch, epochs, batch, batches, loss, accuracy, rate in
                let remaining = Double((epochs - epoch) * batches + (batches - batch)) * Double(c.batchSize) / max(rate, 1e-9)
                let filled = Int(Double(batch) / Double(max(batches, 1)) * 24)
                let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: 24 - filled)
                print(String(format: "\r epoch %d/%d %@ %d/%d  loss %.4f  acc %5.1f%%  %.0f img/s  ETA %@\u{1B}[K", epoch, epochs, bar, batch, batches,
                             loss, accuracy * 100, rate, Self.duration(remaining)), terminator: "")
                fflush(nil)
            }
        }
        let result: TrainingResult
        do {
            result = try trainer.run()
        } catch let error as TrainingError {
            if case .interrupted = error {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(130)
            }
            throw error
        }
        print(String(format: "best validation accuracy %.2f%%", result.bestValAccuracy * 100)
              + (result.testAccuracy.map { String(format: ", test accuracy %.2f%% (images the model never saw)", $0 * 100) } ?? ""))
        print("model: \(result.bestModelPath)   history: \((folder as NSString).appendingPathComponent("metrics.csv"))")
    }
}

/// `vision evaluate`: a saved model on data it never saw.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a saved model on a split of DATA with the preprocessing stored in the model file."
    )

    @Argument(help: "A .vision model file.")
    var modelPath: String

    @Argument(help: "The dataset root.")
    var data: String

    @Option(name: .customLong("plugin-dir"), help: "Also load YAML models from this folder (repeatable).")
    var pluginDirectories: [String] = []

    @Option(help: "Which images: test, val, train or all. test = exactly the images the model's split held out.")
    var split = "test"

    @Option(help: "Metrics to compute, comma-separated (see `vision metrics`), e.g. balanced_accuracy,f1,roc_auc.")
    var metrics: String?

    @Option(name: .customLong("positive-class"), help: "For defect and other binary questions: the class that matters.")
    var positiveClass: String?

    @Option(name: .customLong("target-recall"), help: "With --positive-class: the score threshold that reaches this recall, and the precision there.")
    var targetRecall: Double?

    @Option(name: .customLong("target-precision"), help: "With --positive-class: the threshold that reaches this precision, and the recall there.")
    var targetPrecision: Double?

    @Flag(help: "Print one JSON document.")
    var json = false

    func validate() throws {
        guard ["test", "val", "train", "all"].contains(split) else {
            throw ValidationError("--split must be test, val, train or all; got '\(split)'")
        }
        if (targetRecall != nil || targetPrecision != nil) && positiveClass == nil {
            throw ValidationError("--target-recall and --target-precision need --positive-class")
        }
        for value in [targetRecall, targetPrecision].compactMap({ $0 }) where !(0...1).contains(value) {
            throw ValidationError("targets must be in [0, 1], got \(value)")
        }
    }

    /// The requested metrics and operating points, by name; errors name the metric.
    private func extraMetrics(_ result: EvaluationResult) throws -> ([String: Double], [String: [String: Double]]) {
        let registry = MetricRegistry()
        try registerBuiltinMetrics(in: registry)
        var values: [String: Double] = [:]
        var points: [String: [String: Double]] = [:]
        let classes = result.classes.count
        for name in (metrics ?? "").split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            var metric = try registry.make(name, numClasses: classes)
            try metric.update(predictions: result.predictions, scores: result.probabilities, targets: result.targets)
            if let value = try metric.compute().value { values[name] = value }
        }
        if let positiveClass {
            guard let positive = result.classes.firstIndex(of: positiveClass) else {
                throw CLIError("--positive-class '\(positiveClass)' is not one of the model's classes: \(result.classes.joined(separator: ", "))")
            }
            let requests: [(String, String, Double?)] = [
                ("precision_at_recall", "min_recall", targetRecall), ("recall_at_precision", "min_precision", targetPrecision),
            ]
            for (name, key, target) in requests {
                guard let target else { continue }
                var metric = try registry.make(name, numClasses: classes, configuration: [key: .double(target), "positive_class": .int(positive)])
                try metric.update(predictions: result.predictions, scores: result.probabilities, targets: result.targets)
                let computed = try metric.compute()
                var point = computed.details
                point["value"] = computed.value ?? Double.nan
                if let threshold = computed.threshold { point["threshold"] = threshold }
                points[name] = point
            }
        }
        return (values, points)
    }

    func run() throws {
        let result = try Evaluator.evaluate(
            modelPath: modelPath, root: data, split: split, registry: ModelsCommand.makeRegistry(pluginDirectories: pluginDirectories))
        let matrix = result.confusionMatrix
        var perClass: [[String: Any]] = []
        for (index, name) in result.classes.enumerated() {
            let tp = Double(matrix[index][index])
            let predicted = Double(matrix.reduce(0) { $0 + $1[index] })
            let support = Double(matrix[index].reduce(0, +))
            let precision = predicted > 0 ? tp / predicted : 0
            let recall = support > 0 ? tp / support : 0
            let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
            perClass.append(["class": name, "precision": precision, "recall": recall, "f1": f1, "support": Int(support)])
        }
        var mistakes: [(String, String, String, Float)] = []
        let k = result.classes.count
        for (row, (t, p)) in zip(result.targets, result.predictions).enumerated() where t != p {
            mistakes.append((result.paths[row], result.classes[t], result.classes[p], result.probabilities[row * k + p]))
        }
        mistakes.sort { $0.3 > $1.3 }
        let (extra, points) = try extraMetrics(result)
        var metricValues = extra
        metricValues["accuracy"] = result.accuracy
        if json {
            let document: [String: Any] = [
                "accuracy": result.accuracy, "baseline_accuracy": result.baselineAccuracy,
                "metrics": metricValues, "operating_points": points, "per_class": perClass, "confusion_matrix": matrix,
                "mistakes": mistakes.prefix(20).map { ["path": $0.0, "true": $0.1, "predicted": $0.2, "confidence": Double($0.3)] },
                "split": split, "images": result.targets.count,
            ]
            let data = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print(String(format: "%@ split: %d images, accuracy %.2f%% (majority-class baseline %.2f%%)", split, result.targets.count,
                     result.accuracy * 100, result.baselineAccuracy * 100))
        let rows = perClass.map { row in
            [row["class"] as? String ?? "", String(format: "%.3f", row["precision"] as? Double ?? 0),
             String(format: "%.3f", row["recall"] as? Double ?? 0), String(format: "%.3f", row["f1"] as? Double ?? 0),
             "\(row["support"] as? Int ?? 0)"]
        }
        print(TextTable.render(header: ["class", "precision", "recall", "f1", "support"], rows: rows))
        print("confusion matrix (rows: true class, columns: predicted):")
        print(TextTable.render(header: ["true\\pred"] + result.classes, rows: matrix.enumerated().map { [result.classes[$0.offset]] + $0.element.map(String.init) }))
        for (name, value) in extra.sorted(by: { $0.key < $1.key }) { print(String(format: "%@: %.4f", name, value)) }
        if let positiveClass {
            if let point = points["precision_at_recall"], let target = targetRecall {
                print(point["threshold"].map { String(format: "'%@' at recall ≥ %.3f: threshold %.4f gives precision %.3f", positiveClass, target, $0, point["value"] ?? .nan) }
                      ?? "'\(positiveClass)': no threshold reaches recall \(target)")
            }
            if let point = points["recall_at_precision"], let target = targetPrecision {
                print(point["threshold"].map { String(format: "'%@' at precision ≥ %.3f: threshold %.4f gives recall %.3f", positiveClass, target, $0, point["value"] ?? .nan) }
                      ?? "'\(positiveClass)': no threshold reaches precision \(target)")
            }
        }
        if result.accuracy < result.baselineAccuracy + 0.05 {
            print("warning: accuracy is not clearly above the majority-class baseline")
        }
        if let train = result.trainAccuracy, train - result.accuracy > 0.1 {
            print(String(format: "warning: train accuracy %.1f%% vs %@ %.1f%%: the model overfits", train * 100, split, result.accuracy * 100))
        }
        if !mistakes.isEmpty {
            print("most confident mistakes:")
            for m in mistakes.prefix(5) { print(String(format: "  %@  true %@, predicted %@ (%.1f%%)", m.0, m.1, m.2, Double(m.3) * 100)) }
        }
    }
}

/// Set from the signal handler's queue, read by the training loop.
final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var requested = false

    func request() {
        lock.lock()
        requested = true
        lock.unlock()
    }

    var isRequested: Bool {
        lock.lock()
        defer { lock.unlock() }
        return requested
    }
}
