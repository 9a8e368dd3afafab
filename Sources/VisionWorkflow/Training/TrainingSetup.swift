import Foundation
import SafeTensors
import VisionData
import VisionDistributed
import VisionImage
import VisionMetricAPI
import VisionModelAPI
import VisionNN
import VisionTensor

/// Everything before the first step, in one place: the split, the preprocessing and its
/// statistics, the model (fresh, fine-tuned or resumed), the optimizer and schedule, the run
/// folder and, when resuming, the state the run had.
public enum TrainingSetup {
    /// What to prepare.
    public struct Request {
        /// The dataset root or CSV manifest.
        public var root: String
        public var configuration: TrainingConfiguration
        /// The run folder.
        public var output: String
        /// Continue the run in `output` from its `last.vision` (and `optimizer.safetensors`).
        public var resume = false
        /// Whether the user named the model (a flag or a config key) rather than taking the default:
        /// fine-tuning then builds the saved model's architecture unless told otherwise.
        public var modelChosen = true
        /// A split made beforehand (tuning shares one across its trials, and deals folds); nil
        /// makes one from the configuration's seed and fractions.
        public var split: SplitDefinition?
        /// Test the best weights on the held-out images and write the report at the end. Tuning
        /// trials leave the test split alone: they are scored on validation only.
        public var finalTest = true
        /// Train without a validation split (a tuning refit on train + val): every epoch is kept as
        /// the best, and the last one is the model.
        public var withoutValidation = false
        /// The configuration keys the user set (flags, config files, a resumed run's config.yaml):
        /// defaults chosen from the data (imbalance) leave these alone. All of them by default,
        /// so that callers that do not say get exactly the configuration they pass.
        public var chosenKeys = Set(TrainingConfiguration.allowedKeys)
        /// What one image's decode may cost; an image over them is a bad image (`on_bad_image`).
        public var limits = DecodeLimits.standard
        /// The processes training together (data-parallel under `mpirun`); one by default.
        public var group: ProcessGroup = SingleProcess()

        public init(root: String, configuration: TrainingConfiguration, output: String, resume: Bool = false, modelChosen: Bool = true) {
            self.root = root
            self.configuration = configuration
            self.output = output
            self.resume = resume
            self.modelChosen = modelChosen
        }
    }

    public static func prepare(
        _ request: Request, models: ModelRegistry, metrics: MetricRegistry, log: @escaping (String) -> Void
    ) throws -> TrainingRun {
        var c = request.configuration
        try c.check()
        let group = request.group
        if group.isDistributed && c.batchSize % group.size != 0 {
            throw TrainingError.invalidConfiguration(
                "batch_size \(c.batchSize) is the global batch and must divide evenly among the \(group.size) ranks (try \(c.batchSize / group.size * group.size) or \((c.batchSize / group.size + 1) * group.size))")
        }
        // The monitor and metrics as given are checked before anything is read.
        _ = try MetricSuite(registry: metrics, extra: c.metrics + (try MetricValueName(c.monitor, registry: metrics).metric.map { [$0] } ?? []))
        let output = request.output
        let lastPath = (output as NSString).appendingPathComponent("last.vision")
        // Resuming and fine-tuning both start from saved weights, with that model's architecture
        // and preprocessing.
        let resumed = request.resume ? try SavedModel.read(lastPath) : nil
        let initial = try resumed ?? c.initFrom.map { path throws -> (SafeTensors, SavedModelMetadata) in
            try initialWeights(path, c, chosen: request.modelChosen, models: models, log: log)
        }
        if let (weights, saved) = initial {
            let source = request.resume ? lastPath : c.initFrom ?? ""
            try saved.checkSizes(path: source)
            try SavedModel.checkFinite(weights, path: source)
        }
        let specification = try modelSpecification(
            c, saved: initial?.1, savedPath: request.resume ? lastPath : c.initFrom, chosen: request.modelChosen, models: models)
        let plugin = try models.plugin(for: specification)
        if let (weights, saved) = initial {
            try SavedModel.checkArchitectureFits(
                weights, metadata: saved, plugin: plugin, configuration: specification.configuration, registry: models,
                path: request.resume ? lastPath : c.initFrom ?? "")
        }

        let dataset = try Dataset.load(request.root)
        guard dataset.classes.count >= 2 else {
            throw TrainingError.invalidConfiguration("found \(dataset.classes.count) class in \(request.root); a classifier needs at least 2")
        }
        for (key, name) in [("positive_class", c.positiveClass), ("good_class", c.goodClass)] {
            if let name, !dataset.classes.contains(name) {
                throw TrainingError.invalidConfiguration(
                    "\(key) '\(name)' is not one of the classes of \(request.root): \(dataset.classes.joined(separator: ", "))")
            }
        }
        let (split, origin) = try request.split.map { given throws -> (SplitDefinition, String) in
            try given.check(against: dataset)
            return (given, "the split given")
        } ?? makeSplit(dataset, c, resuming: resumed != nil, output: output)
        let trainItems = try split.items(.train, of: dataset)
        let valItems = try split.items(.val, of: dataset)
        let testItems = try split.items(.test, of: dataset)
        if trainItems.isEmpty { throw TrainingError.emptySplit("train") }
        c = imbalanceDefaults(c, trainItems: trainItems, classes: dataset.classes, chosen: request.chosenKeys, log: log)
        let monitor = try MetricValueName(c.monitor, registry: metrics)
        let suite = try MetricSuite(registry: metrics, extra: c.metrics + (monitor.metric.map { [$0] } ?? []))
        if valItems.isEmpty && !request.withoutValidation { throw TrainingError.emptySplit("validation") }

        if let saved = initial?.1.preprocessing {
            // Resuming keeps the input; fine-tuning may change its size and resize policy (the
            // convolutions do not care; a flatten + linear layer fails to load, in one line).
            try checkGeometry(c, against: saved, savedPath: request.resume ? lastPath : c.initFrom ?? "", sizeMayChange: !request.resume)
        }
        var preprocessing = try initial.map { saved in
            request.resume ? saved.1.preprocessing : fineTuningGeometry(saved.1.preprocessing, c, log: log)
        } ?? inputGeometry(
            plugin, configuration: specification.configuration, c, sample: ImageSample.of(trainItems, limits: request.limits),
            models: models, log: log)
        // Refuse an input the architecture cannot take before any image is read.
        try models.validate(
            plugin, classes: dataset.classes.count, inputChannels: preprocessing.channels, inputSize: preprocessing.inputSize,
            configuration: specification.configuration)
        log("data: \(dataset.items.count) images, \(dataset.classes.count) classes (\(dataset.classes.joined(separator: ", "))); split train \(trainItems.count) / val \(valItems.count) / test \(testItems.count) (\(origin))")
        if resumed == nil {
            // Normalisation from the training images only (a resumed run keeps its own).
            (preprocessing.mean, preprocessing.std) = try TrainingStatistics.meanAndStd(
                trainItems, preprocessing: preprocessing, workers: c.workers, limits: request.limits)
        }
        log("input: \(preprocessing.summary); normalisation from the train split: mean \(format(preprocessing.mean)), std \(format(preprocessing.std))")
        log("augmentation: \(try c.augmentation().summary)")

        // The machine's cores shared between the job's ranks on it (a tuning trial runs alone
        // on its rank, but beside the other ranks' trials).
        let threads = c.threads ?? Launch.defaultThreads()
        ComputeThreads.configure(threads: threads)
        if group.isDistributed {
            log("distributed: \(group.size) ranks × \(threads) thread\(threads == 1 ? "" : "s"), per-rank batch \(c.batchSize / group.size) (global \(c.batchSize)); gradients averaged over the global batch every step; " + (c.synchronizedBatchNorm ? "batch-norm statistics over the global batch (--sync-bn)" : "batch-norm statistics per rank, running statistics averaged each epoch"))
        }
        let model = try makeModel(
            specification, plugin: plugin, dataset: dataset, preprocessing: preprocessing, resumed: resumed, initial: initial, c: c,
            output: output, models: models, log: log)
        if initial == nil && !request.chosenKeys.contains("epochs") {
            // A fresh model trains for a budget of compute (fine-tuning and resuming keep theirs).
            let macs = try ModelComplexity.multiplyAccumulates(model, inputChannels: preprocessing.channels, inputSize: preprocessing.inputSize)
            let (epochs, reason) = EpochChoice.choose(trainImages: trainItems.count, macsPerImage: macs)
            c.epochs = epochs
            log("epochs: \(epochs) (\(reason); --epochs chooses otherwise)")
        }
        let inverse = TrainingStatistics.inverseFrequencyWeights(trainItems, classes: dataset.classes.count)
        let lossWeights: [Float]? = switch c.classWeights {
        case .none: nil
        case .auto: inverse
        case .sqrt: inverse.map { $0.squareRoot() }
        }
        if let lossWeights {
            log("class weights: " + zip(dataset.classes, lossWeights).map { "\($0) \(String(format: "%.2f", $1))" }.joined(separator: ", "))
        }
        let trainLoader = try DataLoader(
            items: trainItems,
            transform: try PreprocessingTransforms.training(preprocessing, cropPadding: c.cropPadding, flip: c.flip, augment: c.augmentation()),
            options: LoaderOptions(
                batchSize: c.batchSize / group.size, shuffle: true, dropLast: trainItems.count > c.batchSize, classBalanced: c.balancedSampling,
                seed: c.seed, workers: c.workers, rank: group.rank, worldSize: group.size, onBadImage: c.onBadImage, layout: preprocessing.channels == 1 ? .gray : .rgb,
                limits: request.limits))
        let optimizer = OptimizerFactory.optimizer(c)
        let schedule = OptimizerFactory.schedule(c, stepsPerEpoch: trainLoader.batchCount())

        // Rank 0 owns the run folder; the other ranks write nothing.
        if group.isRoot { try prepareFolder(output, split: split, configuration: c, bytes: model.parameterCount * 4 * 4 + (1 << 20)) }
        // Every rank starts from rank 0's weights (they are built alike; this makes sure).
        try ModelReplicas.broadcast(model, group: group)
        var (firstEpoch, history, best, peak) = (1, [EpochRecord](), nil as (epoch: Int, value: Double)?, nil as (epoch: Int, value: Double)?)
        if let (_, saved) = resumed {
            (firstEpoch, history, best, peak) = resumeState(saved, monitor: monitor, output: output, log: log)
            restoreOptimizer(optimizer, model: model, from: (output as NSString).appendingPathComponent("optimizer.safetensors"),
                             epoch: saved.epoch, log: log)
        }
        return TrainingRun(
            configuration: c, output: output, dataset: dataset, split: split, trainItems: trainItems, valItems: valItems,
            testItems: testItems, preprocessing: preprocessing, specification: specification, model: model, optimizer: optimizer,
            schedule: schedule, trainLoader: trainLoader, lossWeights: lossWeights, monitor: monitor, suite: suite,
            firstEpoch: firstEpoch, history: history, best: best, peak: peak, group: group, log: log)
    }

    /// Size, channels and resize policy: the user's where given; else channels from what most
    /// sampled training images store and the size from theirs (`InputSizeChoice`), each said
    /// in the log with why. (Statistics come later.)
    static func inputGeometry(
        _ plugin: any ModelPlugin, configuration: PluginConfiguration, _ c: TrainingConfiguration, sample: ImageSample,
        models: ModelRegistry, log: (String) -> Void = { _ in }
    ) throws -> Preprocessing {
        var p = plugin.defaultPreprocessing
        if let channels = c.channels {
            p = p.adapted(toChannels: channels)
        } else {
            let (channels, reason) = sample.channels
            p = p.adapted(toChannels: channels)
            log("channels: \(channels) (\(reason); --channels chooses otherwise)")
        }
        if let resize = c.resize { p.resize = resize }
        if let fraction = c.cropFraction {
            p.cropFraction = fraction
        } else if p.resize == .centerCrop && p.cropFraction >= 1 {
            p.cropFraction = 0.875  // timm's default when a model that stretches is asked to crop
        }
        if let size = c.imageSize {
            p.inputSize = size.inputSize
        } else if let median = sample.medianSize {
            let atDefault = try models.make(
                plugin, classes: 2, inputChannels: p.channels, inputSize: p.inputSize, configuration: configuration)
            let (size, reason) = InputSizeChoice.choose(
                median: median, sampled: sample.count, defaultSize: p.inputSize,
                macsAtDefault: try ModelComplexity.multiplyAccumulates(atDefault, inputChannels: p.channels, inputSize: p.inputSize),
                minimum: try plugin.minimumInputSize(configuration: configuration),
                maximum: try plugin.maximumInputSize(configuration: configuration), resize: p.resize)
            p.inputSize = size
            log("input size: \(ImageSize(size)) (\(reason); --image-size chooses otherwise)")
        }
        return p
    }

    /// The weights `init_from` names: a vision model file, or a plain state_dict from PyTorch,
    /// torchvision or timm saved as safetensors (built as the named `model`, loaded by name).
    static func initialWeights(
        _ path: String, _ c: TrainingConfiguration, chosen: Bool, models: ModelRegistry, log: (String) -> Void
    ) throws -> (SafeTensors, SavedModelMetadata) {
        let file: SafeTensors
        do {
            file = try SafeTensors.read(contentsOf: path)
        } catch {
            return try SavedModel.read(path)  // its own one-line error
        }
        guard ForeignWeights.isForeign(file) else { return (file, try SavedModel.metadata(of: file, path: path)) }
        guard chosen else {
            throw TrainingError.invalidConfiguration("\(path) is a plain state_dict without vision's metadata: name its architecture with --model")
        }
        let plugin = try models.resolve(nameOrPath: c.model)
        let specification = try models.specification(of: plugin, configuration: c.modelConfig)
        // The model's default input, or the one asked for (a flatten + linear layer fixes it).
        var preprocessing = plugin.defaultPreprocessing
        if let channels = c.channels { preprocessing = preprocessing.adapted(toChannels: channels) }
        if let size = c.imageSize { preprocessing.inputSize = size.inputSize }
        if let resize = c.resize { preprocessing.resize = resize }
        let imported = try ForeignWeights.savedModel(
            file, path: path, specification: specification, classes: nil, preprocessing: preprocessing, training: c, strict: c.strictLoading,
            models: models, log: log)
        return (imported.weights, imported.metadata)
    }

    /// Fine-tuning's input: the saved model's, with the size, resize policy and crop fraction
    /// the user gives (pretrained at 64 × 64, fine-tuned at 128 × 128); said when it changes.
    static func fineTuningGeometry(_ saved: Preprocessing, _ c: TrainingConfiguration, log: (String) -> Void) -> Preprocessing {
        var p = saved
        if let size = c.imageSize { p.inputSize = size.inputSize }
        if let resize = c.resize { p.resize = resize }
        if let fraction = c.cropFraction { p.cropFraction = fraction }
        if p.inputSize != saved.inputSize {
            log("input size: \(ImageSize(p.inputSize)) (the saved model was trained at \(ImageSize(saved.inputSize)); its convolutions take either)")
        }
        return p
    }

    /// Saved weights fit the input they were trained at: an input option that says otherwise is
    /// an error, not silently ignored.
    static func checkGeometry(_ c: TrainingConfiguration, against saved: Preprocessing, savedPath: String, sizeMayChange: Bool = false) throws {
        var differences: [String] = []
        if let channels = c.channels, channels != saved.channels { differences.append("channels \(channels) (saved: \(saved.channels))") }
        if !sizeMayChange {
            if let size = c.imageSize, size.inputSize != saved.inputSize { differences.append("image_size \(size) (saved: \(ImageSize(saved.inputSize)))") }
            if let resize = c.resize, resize != saved.resize { differences.append("resize \(resize.rawValue) (saved: \(saved.resize.rawValue))") }
            if let fraction = c.cropFraction, fraction != saved.cropFraction { differences.append("crop_fraction \(fraction) (saved: \(saved.cropFraction))") }
        }
        guard differences.isEmpty else {
            throw TrainingError.invalidConfiguration(
                "\(savedPath) was trained with another input: \(differences.joined(separator: ", ")); leave these options out to keep the saved ones")
        }
    }

    /// The run folder, checked for space, with the split in it (the split also travels inside
    /// each model file).
    /// When the largest class has at least 3× the training images of the smallest, and the user
    /// chose neither: monitor macro-F1 (accuracy rewards answering the majority class) and weight
    /// the loss by the square root of inverse class frequency; each choice is said. Measured on a
    /// tile-like set (CIFAR-10 images, one class of 500 and five of 60 to 17, DefectNet, seeds
    /// 1–3, scored on 600 unseen images weighted to that prior): accuracy / macro-F1 0.75 / 0.44
    /// with the square root, 0.61 / 0.40 with full inverse weights (the rare classes crowd out
    /// the common one), 0.76 / 0.39 unweighted, 0.72 / 0.42 with balanced sampling (two seeds).
    static func imbalanceDefaults(
        _ configuration: TrainingConfiguration, trainItems: [DatasetItem], classes: [String], chosen: Set<String>, log: (String) -> Void
    ) -> TrainingConfiguration {
        var counts = [Int](repeating: 0, count: classes.count)
        for item in trainItems where item.label < counts.count { counts[item.label] += 1 }
        guard let largest = counts.max(), let smallest = counts.filter({ $0 > 0 }).min(), largest >= 3 * smallest else { return configuration }
        var c = configuration
        var choices: [String] = []
        if !chosen.contains("monitor") {
            c.monitor = "f1_macro"
            choices.append("picks the best epoch by macro-F1 instead of accuracy")
        }
        if !chosen.contains("class_weights") && !chosen.contains("balanced_sampling") {
            c.classWeights = .sqrt
            choices.append("weights the loss by the square root of inverse class frequency")
        }
        guard !choices.isEmpty else { return c }
        log(String(format: "imbalanced training data: %d images in the largest class, %d in the smallest (%.1f×), so vision ", largest, smallest,
                   Double(largest) / Double(smallest)) + choices.joined(separator: " and ") + " (--monitor and --class-weights choose otherwise)")
        return c
    }

    static func prepareFolder(_ output: String, split: SplitDefinition, configuration: TrainingConfiguration, bytes: Int) throws {
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        try checkSpace(in: output, bytes: bytes)
        // The configuration used, with the defaults chosen from the data, travels with the run
        // (a resumed run reads it back).
        try AtomicFile.write(Array(try ConfigurationFile.yaml(configuration).utf8), to: (output as NSString).appendingPathComponent("config.yaml"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(Array(try encoder.encode(split)), to: (output as NSString).appendingPathComponent("split.json"))
    }

    /// Where a resumed run stands: the next epoch, the earlier epochs' figures (from the earlier
    /// invocation's metrics.csv) and the best epoch so far (from last.vision).
    static func resumeState(_ saved: SavedModelMetadata, monitor: MetricValueName, output: String, log: (String) -> Void)
        -> (firstEpoch: Int, history: [EpochRecord], best: (epoch: Int, value: Double)?, peak: (epoch: Int, value: Double)?)
    {
        var history: [EpochRecord] = []
        let csv = (output as NSString).appendingPathComponent("metrics.csv")
        do {
            history = try MetricsCSV.read(csv).filter { $0.epoch <= saved.epoch }
        } catch {
            log("the earlier epochs' figures are lost (\(error)); metrics.csv starts again at epoch \(saved.epoch + 1)")
        }
        // The highest figure by this monitor: recorded in the file, else from the earlier epochs'
        // figures (TrainingRun takes the best epoch when neither has one).
        var peak: (epoch: Int, value: Double)?
        if let epoch = saved.metrics["peak_epoch"], let value = saved.metrics["peak_" + monitor.key] {
            peak = (Int(epoch), value)
        } else {
            for record in history {
                let value = record.validation[monitor.key] ?? .nan
                if monitor.improves(value, on: peak?.value) { peak = (record.epoch, value) }
            }
        }
        var best: (epoch: Int, value: Double)?
        if let epoch = saved.metrics["best_epoch"], let value = saved.metrics["best_" + monitor.key] {
            // The file's own choice stands (its weights are best.vision).
            best = (Int(epoch), value)
        } else if let highest = peak {
            // An older file (best.vision was its highest epoch then), or another monitor than
            // the run started with: the highest so far.
            best = highest
            log("best epoch so far by \(monitor.key): \(highest.epoch) (from metrics.csv)")
        }
        return (saved.epoch + 1, history, best, peak)
    }

    /// The architecture to build. A resumed or fine-tuned run builds the saved model's (its
    /// weights fit nothing else); naming another model then is an error, not a silent switch.
    static func modelSpecification(
        _ c: TrainingConfiguration, saved: SavedModelMetadata?, savedPath: String?, chosen: Bool, models: ModelRegistry
    ) throws -> ModelSpecification {
        guard let saved else { return try models.specification(of: models.resolve(nameOrPath: c.model), configuration: c.modelConfig) }
        if chosen || !c.modelConfig.isEmpty {
            // Without a model named, --model-config speaks of the saved model.
            let requested = chosen ? try models.resolve(nameOrPath: c.model) : try models.plugin(for: saved.model)
            let configuration = c.modelConfig.isEmpty ? saved.model.configuration : try requested.resolveConfiguration(c.modelConfig)
            if requested.name != saved.model.plugin || configuration != saved.model.configuration {
                throw TrainingError.invalidConfiguration(
                    "\(savedPath ?? "the saved model") is a '\(saved.model.plugin)' model\(saved.model.configuration.isEmpty ? "" : " \(saved.model.configuration.sortedDescription)"); its weights do not fit '\(requested.name)'\(configuration.isEmpty ? "" : " \(configuration.sortedDescription)") (leave out --model and --model-config, or start a new run)")
            }
        }
        return saved.model
    }

    static func makeSplit(_ dataset: Dataset, _ c: TrainingConfiguration, resuming: Bool, output: String) throws
        -> (SplitDefinition, String)
    {
        // A resumed run keeps the images it started with in each split (recomputing could move
        // a file between train and test if the data or the split method changed since).
        let savedPath = (output as NSString).appendingPathComponent("split.json")
        if resuming, FileManager.default.fileExists(atPath: savedPath) {
            let split = try SplitDefinition.read(contentsOf: savedPath)
            try split.check(against: dataset)
            return (split, "the run's \(savedPath), seed \(split.seed)")
        }
        let fractions = try SplitFractions(train: c.trainFraction, val: c.valFraction, test: c.testFraction)
        return (Splitter.makeSplit(for: dataset, fractions: fractions, seed: c.seed), "seed \(c.seed)")
    }

    static func makeModel(
        _ specification: ModelSpecification, plugin: any ModelPlugin, dataset: Dataset, preprocessing: Preprocessing,
        resumed: (SafeTensors, SavedModelMetadata)?, initial: (SafeTensors, SavedModelMetadata)?, c: TrainingConfiguration,
        output: String, models: ModelRegistry, log: (String) -> Void
    ) throws -> ClassifierModel {
        let classes = initial?.1.classes.count ?? dataset.classes.count
        let model = try models.make(
            plugin, classes: classes, inputChannels: preprocessing.channels, inputSize: preprocessing.inputSize,
            configuration: specification.configuration, seed: c.seed)
        guard let (weights, saved) = initial else { return model }
        do {
            try model.load(weights)
        } catch {
            throw SavedModelError.weightsDoNotFit(path: resumed != nil ? output : c.initFrom ?? "", detail: error.description)
        }
        if resumed != nil {
            guard saved.classes == dataset.classes else {
                throw TrainingError.invalidConfiguration(
                    "the run in \(output) was trained on classes \(saved.classes.joined(separator: ", ")), the data has \(dataset.classes.joined(separator: ", "))")
            }
            log("resuming \((output as NSString).appendingPathComponent("last.vision")) after epoch \(saved.epoch)")
        } else if saved.classes != dataset.classes {
            try model.replaceHead(classes: dataset.classes.count, seed: c.seed)
            log("fine-tuning \(c.initFrom ?? ""): \(saved.classes.count) → \(dataset.classes.count) classes, new head")
        } else {
            log("fine-tuning \(c.initFrom ?? "") on the same \(saved.classes.count) classes")
        }
        return model
    }

    /// Optimizer state only if it belongs to the same epoch as the weights.
    static func restoreOptimizer(_ optimizer: Optimizer, model: ClassifierModel, from path: String, epoch: Int, log: (String) -> Void) {
        let state: SafeTensors
        do {
            state = try SafeTensors.read(contentsOf: path)
        } catch {
            log("no optimizer state (\(error)): momentum starts afresh")
            return
        }
        guard state.metadata["epochs"] == "\(epoch)" else {
            log("the optimizer state in \(path) is not from epoch \(epoch): momentum starts afresh")
            return
        }
        var restored: [(Tensor, [String: Tensor])] = []
        for (name, parameter) in model.namedParameters() {
            var entries: [String: Tensor] = [:]
            for key in state.names where key.hasPrefix(name + "/") {
                do {
                    guard let entry = state[key] else { continue }
                    entries[String(key.dropFirst(name.count + 1))] = try Tensor(try state.floats(key), shape: entry.shape)
                } catch {
                    log("the optimizer state in \(path) is damaged (\(key): \(error)): momentum starts afresh")
                    return
                }
            }
            restored.append((parameter, entries))
        }
        for (parameter, entries) in restored { optimizer.restore(entries, of: parameter) }
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

    private static func format(_ values: [Double]) -> String {
        "(" + values.map { String(format: "%.4f", $0) }.joined(separator: ", ") + ")"
    }
}

extension Dictionary where Key == String, Value == JSONValue {
    /// `{stages: 3, width: 32}`, keys sorted, for messages.
    var sortedDescription: String {
        "{" + keys.sorted().map { "\($0): \(self[$0]?.shortDescription ?? "")" }.joined(separator: ", ") + "}"
    }
}
