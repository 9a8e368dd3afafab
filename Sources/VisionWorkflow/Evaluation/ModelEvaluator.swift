import VisionData
import VisionDistributed
import VisionImage
import VisionMetricAPI
import VisionModelAPI
import VisionNN

/// Which images of a dataset to evaluate on.
public enum SplitSelection: String, Sendable, Codable, CaseIterable {
    /// Exactly the images the model's split held out for the final test.
    case test
    case val
    case train
    case all
}

/// Evaluates a model on labelled images, from memory (the trainer's final test) or from a model
/// file (`vision evaluate`): predictions, the metric suite, the baseline and the overfitting check.
public enum ModelEvaluator {
    /// What an evaluation needs besides the model and the images.
    public struct Options: Sendable {
        public var suite: MetricSuite
        public var workers: Int
        public var onBadImage: BadImagePolicy
        /// What one image's decode may cost; an image over them is a bad image.
        public var limits: DecodeLimits
        /// Activation memory of one forward pass; batches shrink to fit it, and a model file whose
        /// one image would not fit is refused.
        public var memoryBudget: Int
        /// Also predict the training images, for the overfitting check.
        public var measureTrainAccuracy: Bool
        /// Average the softmax over views of each image (`--tta`); the train accuracy stays plain.
        public var tta: TestTimeAugmentation?
        /// The processes sharing the images (each predicts one shard); one by default.
        public var group: ProcessGroup
        /// Images per forward pass (fewer when the memory budget requires).
        public var batchSize: Int

        public init(
            suite: MetricSuite, workers: Int = 2, onBadImage: BadImagePolicy = .skip, limits: DecodeLimits = .standard,
            memoryBudget: Int = InferenceMemory.defaultBudget, measureTrainAccuracy: Bool = true, batchSize: Int = 256,
            tta: TestTimeAugmentation? = nil, group: ProcessGroup = SingleProcess()
        ) {
            self.group = group
            self.batchSize = batchSize
            self.tta = tta
            self.memoryBudget = memoryBudget
            self.limits = limits
            self.suite = suite
            self.workers = workers
            self.onBadImage = onBadImage
            self.measureTrainAccuracy = measureTrainAccuracy
        }
    }

    /// Evaluates `model` (classes and preprocessing as given) on `items`; `trainItems` give the
    /// majority-class baseline and, when asked, the train accuracy. Labels are the model's class indices.
    public static func evaluate(
        _ model: ClassifierModel, classes: [String], preprocessing: Preprocessing, items: [DatasetItem], split: String,
        trainItems: [DatasetItem], remap: [Int]? = nil, options: Options
    ) throws -> EvaluationResult {
        let (predictions, skipped) = try BatchInference.run(
            model, items: items, preprocessing: preprocessing, classes: classes, remap: remap, workers: options.workers,
            onBadImage: options.onBadImage, limits: options.limits, batchSize: options.batchSize, memoryBudget: options.memoryBudget,
            tta: options.tta, group: options.group)
        let (results, failures) = options.suite.compute(predictions)
        var counts = [Int](repeating: 0, count: classes.count)
        for item in trainItems.isEmpty ? items : trainItems { counts[remap?[item.label] ?? item.label] += 1 }
        let majority = counts.indices.max { counts[$0] < counts[$1] } ?? 0
        let baseline = Double(predictions.targets.filter { $0 == majority }.count) / Double(max(predictions.count, 1))
        var trainAccuracy: Double?
        if options.measureTrainAccuracy, split != SplitSelection.train.rawValue, split != SplitSelection.all.rawValue, !trainItems.isEmpty {
            let (train, _) = try BatchInference.run(
                model, items: trainItems, preprocessing: preprocessing, classes: classes, remap: remap, workers: options.workers,
                onBadImage: .skip, limits: options.limits, batchSize: options.batchSize, memoryBudget: options.memoryBudget,
                group: options.group)
            trainAccuracy = options.suite.accuracy(of: train)
        }
        return EvaluationResult(
            split: split, predictions: predictions, metrics: results, metricFailures: failures, baselineAccuracy: baseline,
            trainAccuracy: trainAccuracy, skipped: skipped)
    }

    /// Evaluates a model file on `split` of the dataset at `root`, with the preprocessing and the
    /// split stored in the file. On a pre-split tree, the file's record comes first (it also
    /// holds the val images carved from train/).
    public static func evaluate(
        _ loaded: LoadedModel, root: String, split: SplitSelection, options: Options
    ) throws -> EvaluationResult {
        let metadata = loaded.metadata
        _ = try InferenceMemory.check(
            loaded.model, preprocessing: metadata.preprocessing, name: metadata.model.plugin, path: loaded.path, budget: options.memoryBudget)
        let dataset = try Dataset.load(root)
        let unknown = dataset.classes.filter { !metadata.classes.contains($0) }
        if !unknown.isEmpty { throw WorkflowError.unknownClasses(unknown) }
        let recorded = Dictionary(metadata.split.map { ($0.path, $0.split) }, uniquingKeysWith: { first, _ in first })
        func items(_ wanted: SplitSelection) -> [DatasetItem] {
            dataset.items.filter { item in
                if wanted == .all { return true }
                if let split = recorded[item.relativePath] { return split == wanted.rawValue }
                return item.presetSplit?.rawValue == wanted.rawValue
            }
        }
        let selected = items(split)
        if selected.isEmpty { throw WorkflowError.noImages(split: split.rawValue) }
        let remap = dataset.classes.map { name in metadata.classes.firstIndex(of: name) ?? 0 }
        return try evaluate(
            loaded.model, classes: metadata.classes, preprocessing: metadata.preprocessing, items: selected, split: split.rawValue,
            trainItems: items(.train), remap: remap, options: options)
    }
}

extension MetricSuite {
    /// Accuracy of `predictions` through the accuracy plugin (NaN when it cannot be computed).
    func accuracy(of predictions: Predictions) -> Double {
        guard var metric = try? registry.make("accuracy", numClasses: predictions.classes.count),
            (try? metric.update(predictions: predictions.predicted, scores: nil, targets: predictions.targets)) != nil
        else { return .nan }
        return (try? metric.compute().value ?? .nan) ?? .nan
    }
}
