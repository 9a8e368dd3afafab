import Foundation
import SafeTensors
import VisionData
import VisionImage
import VisionMetricAPI
import VisionModelAPI
import VisionNN
import VisionPluginAPI
import VisionTensor

/// One epoch's figures.
public struct EpochRecord: Sendable, Equatable {
    public var epoch: Int
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var valLoss: Double
    public var valAccuracy: Double
    public var learningRate: Double
    public var seconds: Double
    public var imagesPerSecond: Double
}

/// What a run produced.
public struct TrainingResult: Sendable {
    public var history: [EpochRecord]
    public var bestValAccuracy: Double
    public var testAccuracy: Double?
    public var bestModelPath: String
    public var lastModelPath: String
    public var skippedImages: [String]
}

/// Trains a classifier on a folder of labelled images: honest split, normalisation from the
/// train split only, validation every epoch, `last.vision` and `best.vision` written atomically,
/// `metrics.csv`, and a final test on images the model never saw.
public final class Trainer {
    public let root: String
    public let configuration: TrainingConfiguration
    public let output: String
    /// Where `configuration.model` (a registered name or a YAML file) is looked up.
    public let registry: ModelRegistry
    /// Continue the run in `output` from its `last.vision` (and `optimizer.safetensors`).
    public let resume: Bool
    /// Asked after every step; when it says stop (Ctrl-C), the step is finished, the weights are
    /// saved as `last.vision` for the epochs completed so far, and `run` throws `.interrupted`.
    public var stopRequested: @Sendable () -> Bool = { false }
    /// Called after every step with (epoch, epochs, batch, batches, running loss, running
    /// accuracy, images per second): a terminal can draw a progress bar from it.
    public var progress: ((Int, Int, Int, Int, Double, Double, Double) -> Void)?
    private let log: (String) -> Void

    public init(root: String, configuration: TrainingConfiguration, output: String, registry: ModelRegistry, resume: Bool = false,
                log: @escaping (String) -> Void = { print($0) }) {
        self.root = root
        self.configuration = configuration
        self.output = output
        self.registry = registry
        self.resume = resume
        self.log = log
    }

    public func run() throws -> TrainingResult {
        let c = configuration
        guard c.monitor == "val_accuracy" || c.monitor == "val_loss" else {
            throw TrainingError.invalidConfiguration("monitor must be val_accuracy or val_loss, got '\(c.monitor)'")
        }
        guard c.epochs > 0, c.batchSize > 0, c.learningRate > 0 else {
            throw TrainingError.invalidConfiguration("epochs, batch size and learning rate must be positive")
        }
        let lastPath = (output as NSString).appendingPathComponent("last.vision")
        let bestPath = (output as NSString).appendingPathComponent("best.vision")
        let optimizerPath = (output as NSString).appendingPathComponent("optimizer.safetensors")
        // Resuming and fine-tuning both start from saved weights, with that model's architecture
        // and input size.
        let resumed = resume ? try SavedModel.read(lastPath) : nil
        let initial = try resumed ?? c.initFrom.map { path throws -> (SafeTensors, SavedModelMetadata) in try SavedModel.read(path) }
        let plugin = try registry.resolve(nameOrPath: initial?.1.plugin ?? c.model)
        let dataset = try Dataset.load(root)
        guard dataset.classes.count >= 2 else {
            throw TrainingError.invalidConfiguration("found \(dataset.classes.count) class in \(root); a classifier needs at least 2")
        }
        let fractions = try SplitFractions(train: c.trainFraction, val: c.valFraction, test: c.testFraction)
        // A resumed run keeps the images it started with in each split (recomputing could move
        // a file between train and test if the data or the split method changed since).
        let savedSplitPath = (output as NSString).appendingPathComponent("split.json")
        let split: SplitDefinition, splitOrigin: String
        if resumed != nil, FileManager.default.fileExists(atPath: savedSplitPath) {
            split = try SplitDefinition.read(contentsOf: savedSplitPath)
            try split.check(against: dataset)
            splitOrigin = "the run's \(savedSplitPath), seed \(split.seed)"
        } else {
            split = Splitter.makeSplit(for: dataset, fractions: fractions, seed: c.seed)
            splitOrigin = "seed \(c.seed)"
        }
        let trainItems = try split.items(.train, of: dataset)
        let valItems = try split.items(.val, of: dataset)
        let testItems = try split.items(.test, of: dataset)
        if trainItems.isEmpty { throw TrainingError.emptySplit("train") }
        if valItems.isEmpty { throw TrainingError.emptySplit("validation") }

        let side = initial?.1.preprocessing.height ?? c.imageSize ?? plugin.defaultPreprocessing.inputSize.height
        let channels = try initial?.1.preprocessing.channels ?? c.channels ?? majorityChannels(trainItems)
        // Refuse an input the architecture cannot take before any image is read.
        try registry.validate(plugin, classes: dataset.classes.count, inputChannels: channels, inputSize: InputSize(height: side, width: side))
        let layout: ChannelLayout = channels == 1 ? .gray : .rgb
        log("data: \(dataset.items.count) images, \(dataset.classes.count) classes (\(dataset.classes.joined(separator: ", "))); split train \(trainItems.count) / val \(valItems.count) / test \(testItems.count) (\(splitOrigin))")

        // Normalisation from the training images only.
        let (mean, std) = try statistics(trainItems, side: side, layout: layout)
        log("normalisation from the train split: mean \(format(mean)), std \(format(std))")
        let preprocessing = SavedModelMetadata.Preprocessing(width: side, height: side, channels: channels, mean: mean, std: std)
        let evalTransform = try Self.evaluationTransform(preprocessing)
        var trainSteps: [any Transform] = [try Resize(.exact(width: side, height: side))]
        if c.cropPadding > 0 { trainSteps.append(try RandomCrop(width: side, height: side, padding: c.cropPadding)) }
        if c.horizontalFlip { trainSteps.append(try RandomHorizontalFlip()) }
        trainSteps += [ToTensor(), try Normalize(mean: mean, std: std)]
        let trainTransform = try Compose(trainSteps)

        ComputeThreads.configure(threads: ProcessInfo.processInfo.activeProcessorCount)
        let model: ClassifierModel
        if let (weights, saved) = resumed {
            model = try registry.make(plugin, classes: saved.classes.count, inputChannels: channels,
                                      inputSize: InputSize(height: side, width: side), seed: c.seed)
            try model.load(weights)
            guard saved.classes == dataset.classes else {
                throw TrainingError.invalidConfiguration(
                    "the run in \(output) was trained on classes \(saved.classes.joined(separator: ", ")), the data has \(dataset.classes.joined(separator: ", "))")
            }
            log("resuming \(lastPath) after epoch \(saved.epochs)")
        } else if let (weights, saved) = initial {
            model = try registry.make(plugin, classes: saved.classes.count, inputChannels: channels,
                                      inputSize: InputSize(height: side, width: side), seed: c.seed)
            try model.load(weights)
            if saved.classes != dataset.classes {
                try model.replaceHead(classes: dataset.classes.count, seed: c.seed)
                log("fine-tuning \(c.initFrom ?? ""): \(saved.classes.count) → \(dataset.classes.count) classes, new head")
            } else {
                log("fine-tuning \(c.initFrom ?? "") on the same \(saved.classes.count) classes")
            }
        } else {
            model = try registry.make(plugin, classes: dataset.classes.count, inputChannels: channels,
                                      inputSize: InputSize(height: side, width: side), seed: c.seed)
        }
        // Inverse-frequency weights from the train split: n / (k · n_c).
        var lossWeights: [Float]?
        if c.classWeights {
            var counts = [Int](repeating: 0, count: dataset.classes.count)
            for item in trainItems { counts[item.label] += 1 }
            let n = Float(trainItems.count), k = Float(counts.count)
            lossWeights = counts.map { $0 > 0 ? n / (k * Float($0)) : 0 }
            log("class weights: " + zip(dataset.classes, lossWeights ?? []).map { "\($0) \(String(format: "%.2f", $1))" }.joined(separator: ", "))
        }
        let parameters = model.trainableParameters
        let trainLoader = try DataLoader(items: trainItems, transform: trainTransform, options: LoaderOptions(
            batchSize: c.batchSize, shuffle: true, dropLast: trainItems.count > c.batchSize, classBalanced: c.balancedSampling, seed: c.seed,
            workers: c.workers, layout: layout))
        let stepsPerEpoch = trainLoader.batchCount()
        let totalSteps = max(stepsPerEpoch * c.epochs, 1)
        let optimizer: Optimizer
        switch c.optimizer {
        case .sgd: optimizer = SGD(learningRate: Float(c.learningRate), momentum: Float(c.momentum), weightDecay: Float(c.weightDecay))
        case .adam: optimizer = Adam(learningRate: Float(c.learningRate), weightDecay: Float(c.weightDecay))
        case .adamw: optimizer = Adam.adamW(learningRate: Float(c.learningRate), weightDecay: Float(c.weightDecay))
        }
        let schedule: LearningRateSchedule
        switch c.schedule {
        case .constant: schedule = ConstantSchedule(Float(c.learningRate))
        case .cosine: schedule = CosineSchedule(initial: Float(c.learningRate), totalSteps: totalSteps)
        case .step: schedule = StepSchedule(initial: Float(c.learningRate), stepSize: max(totalSteps / 3, 1))
        case .onecycle: schedule = OneCycleSchedule(maximum: Float(c.learningRate), totalSteps: totalSteps)
        case .warmupCosine: schedule = WarmupCosineSchedule(initial: Float(c.learningRate), warmupSteps: stepsPerEpoch, totalSteps: totalSteps)
        }

        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        try Self.checkSpace(in: output, bytes: model.parameterCount * 4 * 4 + (1 << 20))
        // The split travels with the run (and inside each model file).
        let splitEncoder = JSONEncoder()
        splitEncoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(Array(try splitEncoder.encode(split)), to: (output as NSString).appendingPathComponent("split.json"))
        var csv = "epoch,train_loss,train_accuracy,val_loss,val_accuracy,learning_rate,seconds,images_per_second\n"
        var history: [EpochRecord] = []
        var best = -1.0
        var skipped: [String] = []
        var firstEpoch = 1
        var bestEpoch = 0
        var bestScore = -Double.infinity
        if let (_, saved) = resumed {
            firstEpoch = saved.epochs + 1
            best = saved.metrics["best_val_accuracy"] ?? saved.metrics["val_accuracy"] ?? -1
            bestScore = c.monitor == "val_loss" ? -(saved.metrics["best_val_loss"] ?? .infinity) : best
            // Keep the finished epochs' rows; a row written after the model file was is dropped.
            let path = (output as NSString).appendingPathComponent("metrics.csv")
            if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                for line in text.split(separator: "\n").dropFirst() {
                    if let epoch = Int(line.split(separator: ",").first ?? ""), epoch <= saved.epochs { csv += line + "\n" }
                }
            }
            // Optimizer state only if it belongs to the same epoch as the weights.
            if let state = try? SafeTensors.read(contentsOf: optimizerPath), state.metadata["epochs"] == "\(saved.epochs)" {
                for (name, parameter) in model.namedParameters() {
                    var entries: [String: Tensor] = [:]
                    for key in state.names where key.hasPrefix(name + "/") {
                        if let entry = state[key], let values = try? state.floats(key) {
                            entries[String(key.dropFirst(name.count + 1))] = try Tensor(values, shape: entry.shape)
                        }
                    }
                    optimizer.restore(entries, of: parameter)
                }
            } else {
                log("no optimizer state for epoch \(saved.epochs): momentum starts afresh")
            }
        }
        var step = (firstEpoch - 1) * stepsPerEpoch
        let splitRecords = split.entries.map { SavedModelMetadata.SplitRecord(path: $0.path, label: $0.label, split: $0.split.rawValue) }
        func metadata(_ metrics: [String: Double], epochs: Int) -> SavedModelMetadata {
            SavedModelMetadata(
                plugin: c.model, classes: dataset.classes, preprocessing: preprocessing, split: splitRecords, datasetRoot: root,
                datasetFingerprint: Self.fingerprint(split), training: Self.describe(c), metrics: metrics, epochs: epochs)
        }

        if firstEpoch > c.epochs { log("the run already has \(c.epochs) epochs; pass a larger --epochs to train further") }
        for epoch in firstEpoch..<(max(firstEpoch, c.epochs + 1)) {
            model.train()
            let clock = ContinuousClock()
            let start = clock.now
            var lossSum = 0.0, correct = 0, seen = 0
            let iterator = trainLoader.epoch(epoch - 1)
            while let batch = try iterator.next() {
                let rate = schedule.learningRate(at: step)
                optimizer.learningRate = rate
                if let sgd = optimizer as? SGD, let momentum = schedule.momentum(at: step) { sgd.momentum = momentum }
                let images = try Tensor(batch.images, shape: batch.shape)
                for parameter in parameters { parameter.grad = nil; parameter.requiresGrad = true }
                let logits = try model(images)
                let loss = try crossEntropy(logits, targets: batch.labels, classWeights: lossWeights)
                guard loss.item.isFinite else {
                    throw TrainingError.nonFiniteLoss(epoch: epoch, step: step, lastGood: epoch > 1 ? lastPath : nil)
                }
                try backward(loss)
                try optimizer.step(parameters)
                lossSum += Double(loss.item) * Double(batch.count)
                correct += Self.correctCount(logits, batch.labels)
                seen += batch.count
                step += 1
                if let progress {
                    let elapsed = clock.now - start
                    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
                    progress(epoch, c.epochs, step - (epoch - 1) * stepsPerEpoch, stepsPerEpoch, lossSum / Double(max(seen, 1)),
                             Double(correct) / Double(max(seen, 1)), Double(seen) / max(seconds, 1e-9))
                }
                if stopRequested() {
                    // The epoch is unfinished: record the epochs before it, so that --resume
                    // repeats this one from the weights as they are now.
                    let figures = ["best_val_accuracy": best]
                    try SavedModel.write(model, metadata: metadata(figures, epochs: epoch - 1), to: lastPath)
                    throw TrainingError.interrupted(epoch: epoch, savedTo: lastPath)
                }
            }
            skipped += iterator.badImages.map { "\($0)" }
            let (valLoss, valAccuracy) = try evaluate(model, items: valItems, transform: evalTransform, layout: layout)
            let elapsed = clock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            let record = EpochRecord(
                epoch: epoch, trainLoss: lossSum / Double(max(seen, 1)), trainAccuracy: Double(correct) / Double(max(seen, 1)),
                valLoss: valLoss, valAccuracy: valAccuracy, learningRate: Double(optimizer.learningRate), seconds: seconds,
                imagesPerSecond: Double(seen) / max(seconds, 1e-9))
            history.append(record)
            csv += String(format: "%d,%.6f,%.6f,%.6f,%.6f,%.6g,%.3f,%.1f\n", epoch, record.trainLoss, record.trainAccuracy, record.valLoss,
                          record.valAccuracy, record.learningRate, record.seconds, record.imagesPerSecond)
            try AtomicFile.write(Array(csv.utf8), to: (output as NSString).appendingPathComponent("metrics.csv"))
            var figures = ["val_accuracy": valAccuracy, "val_loss": valLoss, "train_loss": record.trainLoss]
            figures["best_val_accuracy"] = max(best, valAccuracy)
            figures["best_val_loss"] = min(-bestScore, valLoss)
            // Optimizer state first, then the model: a kill between the two leaves state that
            // does not match the model's epoch, which resuming then ignores.
            var state = SafeTensors(metadata: ["epochs": "\(epoch)"])
            for (name, parameter) in model.namedParameters() {
                for (key, tensor) in optimizer.state(of: parameter) {
                    state.set(name + "/" + key, SafeTensorsEntry(floats: tensor.scalars, shape: tensor.shape))
                }
            }
            try AtomicFile.write(state.serialized(), to: optimizerPath)
            try SavedModel.write(model, metadata: metadata(figures, epochs: epoch), to: lastPath)
            var mark = ""
            // Higher is better for accuracy; for loss, compare negated values.
            let score = c.monitor == "val_loss" ? -valLoss : valAccuracy
            if score > bestScore {
                bestScore = score
                best = valAccuracy
                bestEpoch = epoch
                try SavedModel.write(model, metadata: metadata(figures, epochs: epoch), to: bestPath)
                mark = "  ★ best"
            }
            log(String(format: "epoch %2d/%d  loss %.4f  train acc %5.1f%%  val loss %.4f  val acc %5.1f%%  lr %.4g  %.1fs (%.0f img/s)%@",
                       epoch, c.epochs, record.trainLoss, record.trainAccuracy * 100, valLoss, valAccuracy * 100, record.learningRate,
                       seconds, record.imagesPerSecond, mark))
            if let patience = c.patience, bestEpoch > 0, epoch - bestEpoch >= patience {
                log("early stop: \(c.monitor) has not improved for \(patience) epochs (best at epoch \(bestEpoch), validation accuracy \(String(format: "%.2f%%", best * 100)))")
                break
            }
        }
        if !skipped.isEmpty { log("skipped \(skipped.count) unreadable images:\n  " + skipped.joined(separator: "\n  ")) }

        // One evaluation of the best model on the held-out images (test, or val without test)
        // gives both the test figure and the report.
        let reportSplit = testItems.isEmpty ? "val" : "test"
        let evaluation = try Evaluator.evaluate(
            modelPath: bestPath, root: root, split: reportSplit, registry: registry, workers: c.workers, trainAccuracy: false)
        var testAccuracy: Double?
        if !testItems.isEmpty {
            testAccuracy = evaluation.accuracy
            let (weights, _) = try SavedModel.read(bestPath)
            try model.load(weights)
            var figures = ["val_accuracy": best, "test_accuracy": evaluation.accuracy]
            figures["train_loss"] = history.last?.trainLoss
            try SavedModel.write(model, metadata: metadata(figures, epochs: history.count), to: bestPath)
        }
        try RunReport.write(folder: output, title: "\(c.model) on \((root as NSString).lastPathComponent)", evaluation: evaluation, split: reportSplit)
        log("report: \((output as NSString).appendingPathComponent("report.html"))")
        return TrainingResult(history: history, bestValAccuracy: best, testAccuracy: testAccuracy, bestModelPath: bestPath,
                              lastModelPath: lastPath, skippedImages: skipped)
    }

    /// Fails before training when `folder` cannot take what the run will write (two model files,
    /// the optimizer state and the logs): a full disk is found now, not after an hour of work.
    static func checkSpace(in folder: String, bytes: Int) throws {
        let probe = (folder as NSString).appendingPathComponent(".space-check-\(getpid())")
        defer { unlink(probe) }
        do {
            try AtomicFile.write([UInt8](repeating: 0, count: bytes), to: probe)
        } catch {
            throw TrainingError.outputUnusable(folder: folder, detail: "\(bytes / 1_048_576 + 1) MB needed; \(error)")
        }
    }

    /// Resize to the model's input, to [0, 1], normalise with the training statistics.
    public static func evaluationTransform(_ p: SavedModelMetadata.Preprocessing) throws -> Compose {
        try Compose([try Resize(.exact(width: p.width, height: p.height)), ToTensor(), try Normalize(mean: p.mean, std: p.std)])
    }

    /// Mean loss and accuracy of `model` (eval mode, no tape) on `items`.
    func evaluate(_ model: Module, items: [DatasetItem], transform: Compose, layout: ChannelLayout) throws -> (Double, Double) {
        model.eval()
        let loader = try DataLoader(items: items, transform: transform, options: LoaderOptions(
            batchSize: 256, shuffle: false, workers: configuration.workers, layout: layout))
        var lossSum = 0.0, correct = 0, seen = 0
        try GradientMode.withoutGradients {
            let iterator = loader.epoch(0)
            while let batch = try iterator.next() {
                let logits = try model(try Tensor(batch.images, shape: batch.shape))
                lossSum += Double(try crossEntropy(logits, targets: batch.labels).item) * Double(batch.count)
                correct += Self.correctCount(logits, batch.labels)
                seen += batch.count
            }
        }
        return (lossSum / Double(max(seen, 1)), Double(correct) / Double(max(seen, 1)))
    }

    static func correctCount(_ logits: Tensor, _ labels: [Int]) -> Int {
        let k = logits.shape[1]
        let values = logits.values
        var correct = 0
        for (row, label) in labels.enumerated() {
            var best = 0
            for j in 1..<k where values[row * k + j] > values[row * k + best] { best = j }
            if best == label { correct += 1 }
        }
        return correct
    }

    /// Per-channel mean and std of the training images after resizing, in [0, 1].
    private func statistics(_ items: [DatasetItem], side: Int, layout: ChannelLayout) throws -> ([Double], [Double]) {
        let loader = try DataLoader(items: items, transform: try Compose([try Resize(.exact(width: side, height: side)), ToTensor()]),
                                    options: LoaderOptions(batchSize: 256, shuffle: false, workers: configuration.workers, layout: layout))
        var sums: [Double] = [], squares: [Double] = [], count = 0.0
        let iterator = loader.epoch(0)
        while let batch = try iterator.next() {
            let (n, c, plane) = (batch.shape[0], batch.shape[1], batch.shape[2] * batch.shape[3])
            if sums.isEmpty { sums = [Double](repeating: 0, count: c); squares = sums }
            for image in 0..<n {
                for channel in 0..<c {
                    let base = (image * c + channel) * plane
                    for i in 0..<plane {
                        let v = Double(batch.images[base + i])
                        sums[channel] += v
                        squares[channel] += v * v
                    }
                }
            }
            count += Double(n * plane)
        }
        let mean = sums.map { $0 / max(count, 1) }
        let std = zip(squares, mean).map { max(($0 / max(count, 1)) - $1 * $1, 1e-12).squareRoot() }
        return (mean, std)
    }

    private func majorityChannels(_ items: [DatasetItem]) throws -> Int {
        var gray = 0, colour = 0
        for item in items.prefix(64) {
            if let decoded = try? ImageDecoder.decode(contentsOf: item.path) {
                if decoded.storedChannels <= 2 { gray += 1 } else { colour += 1 }
            }
        }
        return gray > colour ? 1 : 3
    }

    private func format(_ values: [Double]) -> String { "(" + values.map { String(format: "%.4f", $0) }.joined(separator: ", ") + ")" }

    static func fingerprint(_ split: SplitDefinition) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for entry in split.entries.sorted(by: { $0.path < $1.path }) {
            for byte in (entry.path + "\u{0}" + entry.label + "\u{0}").utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        }
        return String(hash, radix: 16)
    }

    static func describe(_ c: TrainingConfiguration) -> [String: String] {
        Dictionary(TrainingConfigurationFile.entries(c).map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
    }
}
