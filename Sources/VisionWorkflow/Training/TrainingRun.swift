import Foundation
import SafeTensors
import VisionData
import VisionDistributed
import VisionImage
import VisionModelAPI
import VisionNN

/// A prepared training run: the data and its split, the preprocessing, the model, the optimizer
/// and schedule, and what the loop has done so far. Made by `TrainingSetup.prepare`; the loop
/// and the callbacks read and update it.
public final class TrainingRun {
    public let configuration: TrainingConfiguration
    /// The run folder.
    public let output: String
    public let dataset: Dataset
    public let split: SplitDefinition
    public let trainItems: [DatasetItem]
    public let valItems: [DatasetItem]
    public let testItems: [DatasetItem]
    public let preprocessing: Preprocessing
    public let specification: ModelSpecification
    public let model: ClassifierModel
    public let optimizer: Optimizer
    public let schedule: LearningRateSchedule
    public let trainLoader: DataLoader
    /// Per-class loss weights (`class_weights: auto` or `sqrt`), nil otherwise.
    public let lossWeights: [Float]?
    /// The figure that picks the best epoch and drives early stopping.
    public let monitor: MetricValueName
    public let suite: MetricSuite
    /// The first epoch this invocation trains (after a resume, the one after the saved epoch).
    public let firstEpoch: Int
    /// Every epoch of the run, including those of earlier invocations when resuming.
    public internal(set) var history: [EpochRecord]
    /// The best epoch so far and its monitored value: the latest within one standard error of
    /// `peak` (`BestEpochChoice`); its weights are `best.vision`.
    public internal(set) var best: (epoch: Int, value: Double)?
    /// The epoch with the highest monitored figure so far: what early stopping counts from.
    public internal(set) var peak: (epoch: Int, value: Double)?
    /// The best epoch's weights, kept in memory for the final test.
    public internal(set) var bestWeights: SafeTensors?
    /// Optimizer steps taken since the run began.
    public internal(set) var step: Int
    /// Files left out because they could not be decoded.
    public internal(set) var skipped: [BadImage] = []
    /// Progress and result lines for the user.
    public let log: (String) -> Void
    /// The processes training together; rank 0 writes the run folder.
    public let group: ProcessGroup
    /// Gradient reductions of a distributed run: time blocked on them and volume, for the summary.
    public internal(set) var communication = CommunicationStatistics()

    init(
        configuration: TrainingConfiguration, output: String, dataset: Dataset, split: SplitDefinition, trainItems: [DatasetItem],
        valItems: [DatasetItem], testItems: [DatasetItem], preprocessing: Preprocessing, specification: ModelSpecification,
        model: ClassifierModel, optimizer: Optimizer, schedule: LearningRateSchedule, trainLoader: DataLoader, lossWeights: [Float]?,
        monitor: MetricValueName, suite: MetricSuite, firstEpoch: Int, history: [EpochRecord], best: (epoch: Int, value: Double)?,
        peak: (epoch: Int, value: Double)? = nil, group: ProcessGroup = SingleProcess(), log: @escaping (String) -> Void
    ) {
        self.group = group
        self.configuration = configuration
        self.output = output
        self.dataset = dataset
        self.split = split
        self.trainItems = trainItems
        self.valItems = valItems
        self.testItems = testItems
        self.preprocessing = preprocessing
        self.specification = specification
        self.model = model
        self.optimizer = optimizer
        self.schedule = schedule
        self.trainLoader = trainLoader
        self.lossWeights = lossWeights
        self.monitor = monitor
        self.suite = suite
        self.firstEpoch = firstEpoch
        self.history = history
        self.best = best
        self.peak = peak ?? best
        self.log = log
        step = (firstEpoch - 1) * trainLoader.batchCount()
    }

    /// What one image's decode may cost, for every image the run reads (the training loader's).
    public var decodeLimits: DecodeLimits { trainLoader.options.limits }

    /// A file in the run folder.
    public func path(_ name: String) -> String { (output as NSString).appendingPathComponent(name) }

    /// The model file's metadata for the current weights, trained `epoch` epochs, with `metrics`.
    public func metadata(epoch: Int, metrics: [String: Double]) -> SavedModelMetadata {
        // Where the run was written says nothing about the model (and would make two runs with
        // the same seed differ byte for byte).
        var training = configuration
        training.output = nil
        return SavedModelMetadata(
            model: specification, classes: dataset.classes, preprocessing: preprocessing, training: training,
            monitor: monitor.key, epoch: epoch, metrics: metrics,
            split: split.entries.map { .init(path: $0.path, label: $0.label, split: $0.split.rawValue) }, datasetRoot: dataset.root,
            datasetFingerprint: Self.fingerprint(split))
    }

    /// The figures a model file records for `record`: its validation figures, its training
    /// loss, the best epoch so far with its monitored value, and the highest (`peak_`), which
    /// a resumed run needs when metrics.csv is gone.
    public func figures(for record: EpochRecord) -> [String: Double] {
        var figures = record.validation
        figures["train_loss"] = record.trainLoss
        figures["train_accuracy"] = record.trainAccuracy
        if let best {
            figures["best_epoch"] = Double(best.epoch)
            figures["best_" + monitor.key] = best.value
        }
        if let peak {
            figures["peak_epoch"] = Double(peak.epoch)
            figures["peak_" + monitor.key] = peak.value
        }
        return figures
    }

    /// A digest of the split's relative paths and labels.
    static func fingerprint(_ split: SplitDefinition) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for entry in split.entries.sorted(by: { $0.path < $1.path }) {
            for byte in (entry.path + "\u{0}" + entry.label + "\u{0}").utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        }
        return String(hash, radix: 16)
    }
}
