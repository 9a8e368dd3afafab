import SafeTensors
import VisionImage

/// Writes `last.vision` (with the optimizer state) after every epoch and `best.vision` when the
/// epoch is chosen as the best (`BestEpochChoice`); keeps the best weights in memory for the
/// final test. Each model
/// file records its own epoch and that epoch's validation figures.
public final class Checkpointing: TrainingCallback {
    public init() {}

    public func epochDidEnd(_ record: EpochRecord, run: TrainingRun) throws -> TrainingDecision {
        let model = run.model
        // Every rank keeps the best weights for the (sharded) final test; rank 0 alone writes.
        if record.isBest { run.bestWeights = model.stateDict() }
        guard run.group.isRoot else { return .proceed }
        // Optimizer state first, then the model: a kill between the two leaves state that does
        // not match the model's epoch, which resuming then ignores.
        var state = SafeTensors(metadata: ["epochs": "\(record.epoch)"])
        for (name, parameter) in model.namedParameters() {
            for (key, tensor) in run.optimizer.state(of: parameter) {
                state.set(name + "/" + key, SafeTensorsEntry(floats: tensor.scalars, shape: tensor.shape))
            }
        }
        try AtomicFile.write(state.serialized(), to: run.path("optimizer.safetensors"))
        let metadata = run.metadata(epoch: record.epoch, metrics: run.figures(for: record))
        try SavedModel.write(model, metadata: metadata, to: run.path("last.vision"))
        if record.isBest { try SavedModel.write(model, metadata: metadata, to: run.path("best.vision")) }
        return .proceed
    }
}

/// Rewrites `metrics.csv` from the run's history after every epoch.
public final class MetricsLogging: TrainingCallback {
    public init() {}

    public func epochDidEnd(_ record: EpochRecord, run: TrainingRun) throws -> TrainingDecision {
        guard run.group.isRoot else { return .proceed }
        try MetricsCSV.write(run.history, to: run.path("metrics.csv"))
        return .proceed
    }
}

/// Stops when the monitored figure has not improved for `patience` epochs.
public final class EarlyStopping: TrainingCallback {
    public let patience: Int

    public init(patience: Int) { self.patience = patience }

    public func epochDidEnd(_ record: EpochRecord, run: TrainingRun) throws -> TrainingDecision {
        guard let peak = run.peak ?? run.best, record.epoch - peak.epoch >= patience else { return .proceed }
        run.log("early stop: \(run.monitor.key) has not improved for \(patience) epochs (highest \(EpochLog.format(peak.value)) at epoch \(peak.epoch))")
        return .stop
    }
}

/// One line per epoch: losses, accuracies, the monitored figure, the learning rate and speed.
public final class EpochLog: TrainingCallback {
    public init() {}

    public func epochDidEnd(_ r: EpochRecord, run: TrainingRun) throws -> TrainingDecision {
        let key = run.monitor.key
        let monitored = key == "val_accuracy" || key == "val_loss" ? "" : "  \(key.dropFirst(4)) \(Self.format(r.validation[key] ?? .nan))"
        run.log(String(
            format: "epoch %2d/%d  loss %.4f  train acc %5.1f%%  val loss %.4f  val acc %5.1f%%%@  lr %.4g  %.1fs (%.0f img/s)%@",
            r.epoch, run.configuration.epochs, r.trainLoss, r.trainAccuracy * 100, r.valLoss, r.valAccuracy * 100, monitored,
            r.learningRate, r.seconds, r.imagesPerSecond, r.isBest ? "  ★ best" : ""))
        return .proceed
    }

    static func format(_ value: Double) -> String { String(format: "%.4f", value) }
}

/// Ctrl-C: when `isRequested` says so, the step is finished, the weights are saved as
/// `last.vision` for the epochs completed so far, and the run stops with `.interrupted`.
public final class StopOnRequest: TrainingCallback {
    private let isRequested: @Sendable () -> Bool

    public init(_ isRequested: @escaping @Sendable () -> Bool) { self.isRequested = isRequested }

    public func stepDidEnd(_ progress: StepProgress, run: TrainingRun) throws -> TrainingDecision {
        guard isRequested() else { return .proceed }
        // The epoch is unfinished: record the epochs before it, so that --resume repeats this
        // one from the weights as they are now.
        let previous = run.history.last
        var figures = previous.map { run.figures(for: $0) } ?? [:]
        if previous == nil, let best = run.best {
            figures["best_epoch"] = Double(best.epoch)
            figures["best_" + run.monitor.key] = best.value
        }
        if run.group.isRoot {
            try SavedModel.write(run.model, metadata: run.metadata(epoch: progress.epoch - 1, metrics: figures), to: run.path("last.vision"))
        }
        throw TrainingError.interrupted(epoch: progress.epoch, savedTo: run.path("last.vision"))
    }
}
