/// Where an epoch stands after one optimizer step: what a progress bar draws.
public struct StepProgress: Sendable, Equatable {
    public var epoch: Int
    public var epochs: Int
    /// The step within the epoch (from 1) and the epoch's step count.
    public var batch: Int
    public var batches: Int
    /// Steps since the run began (across resumes).
    public var step: Int
    /// Running mean loss and accuracy over the epoch so far.
    public var loss: Double
    public var accuracy: Double
    public var imagesPerSecond: Double
    public var batchSize: Int

    /// Seconds left for the run at the current speed.
    public var secondsRemaining: Double {
        Double((epochs - epoch) * batches + (batches - batch)) * Double(batchSize) / max(imagesPerSecond, 1e-9)
    }
}

/// One epoch's figures: the training loss and accuracy, and every validation figure by the
/// metric naming rule with a `val_` prefix (`val_loss`, `val_accuracy`, `val_f1_macro`, …).
public struct EpochRecord: Sendable, Equatable {
    public var epoch: Int
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var validation: [String: Double]
    public var learningRate: Double
    public var seconds: Double
    /// Training images per second over the epoch's steps (validation not counted).
    public var imagesPerSecond: Double
    /// Whether this epoch's weights are the best so far by the monitored figure.
    public var isBest = false

    public init(
        epoch: Int, trainLoss: Double, trainAccuracy: Double, validation: [String: Double], learningRate: Double, seconds: Double,
        imagesPerSecond: Double
    ) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.trainAccuracy = trainAccuracy
        self.validation = validation
        self.learningRate = learningRate
        self.seconds = seconds
        self.imagesPerSecond = imagesPerSecond
    }

    public var valLoss: Double { validation["val_loss"] ?? .nan }
    public var valAccuracy: Double { validation["val_accuracy"] ?? .nan }
}

/// What a callback asks of the loop.
public enum TrainingDecision: Sendable {
    case proceed
    /// End training after this step or epoch (early stopping); the run still finishes normally.
    case stop
}

/// Hooks into the training loop (Keras callbacks, Lightning hooks): checkpointing, early
/// stopping, CSV logging, the terminal progress bar, and later tuning and distributed training.
/// Every method has a default that does nothing. Throwing stops the run with that error.
public protocol TrainingCallback: AnyObject {
    /// Before the first epoch of this invocation.
    func trainingWillStart(_ run: TrainingRun) throws
    /// After every optimizer step.
    func stepDidEnd(_ progress: StepProgress, run: TrainingRun) throws -> TrainingDecision
    /// After every epoch's validation; `run.history` already holds `record`.
    func epochDidEnd(_ record: EpochRecord, run: TrainingRun) throws -> TrainingDecision
    /// After the last epoch, or after a callback stopped training.
    func trainingDidEnd(_ run: TrainingRun) throws
}

extension TrainingCallback {
    public func trainingWillStart(_ run: TrainingRun) throws {}
    public func stepDidEnd(_ progress: StepProgress, run: TrainingRun) throws -> TrainingDecision { .proceed }
    public func epochDidEnd(_ record: EpochRecord, run: TrainingRun) throws -> TrainingDecision { .proceed }
    public func trainingDidEnd(_ run: TrainingRun) throws {}
}
