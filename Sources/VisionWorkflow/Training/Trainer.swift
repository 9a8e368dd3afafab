import Foundation
import VisionData
import VisionImage
import VisionMetricAPI
import VisionModelAPI
import VisionNN

/// What a run produced.
public struct TrainingResult: Sendable {
    public var history: [EpochRecord]
    /// The best epoch and its monitored value (nil when no epoch was trained).
    public var bestEpoch: Int?
    public var bestValue: Double?
    /// The monitored figure's name (`val_f1_macro`).
    public var monitor: String
    /// The best model on the held-out images (test, or val when there is no test split).
    public var evaluation: EvaluationResult?
    /// The defect threshold chosen on validation and stored in best.vision, when asked for.
    public var operatingPoint: OperatingPoint?
    public var testAccuracy: Double?
    public var bestModelPath: String
    public var lastModelPath: String
    public var skippedImages: [BadImage]
    /// The model's trainable parameters.
    public var parameterCount = 0
}

/// Trains a classifier on a folder of labelled images: `TrainingSetup` (honest split,
/// normalisation from the train split only, the model), the `TrainingLoop` with the standard
/// callbacks (checkpoints, metrics.csv, epoch lines, early stopping, Ctrl-C), then a final test
/// of the best weights, from memory, and the report.
public final class Trainer {
    public let request: TrainingSetup.Request
    public let models: ModelRegistry
    public let metrics: MetricRegistry
    /// Asked after every step; when it says stop (Ctrl-C), the step is finished, the weights are
    /// saved as `last.vision` for the epochs completed so far, and `run` throws `.interrupted`.
    public var stopRequested: @Sendable () -> Bool = { false }
    /// More callbacks (a progress bar, tuning, distributed training), called after the standard ones.
    public var callbacks: [TrainingCallback] = []
    private let log: (String) -> Void

    public init(
        _ request: TrainingSetup.Request, models: ModelRegistry, metrics: MetricRegistry, log: @escaping (String) -> Void = { print($0) }
    ) {
        self.request = request
        self.models = models
        self.metrics = metrics
        self.log = log
    }

    public func run() throws -> TrainingResult {
        let run = try TrainingSetup.prepare(request, models: models, metrics: metrics, log: log)
        // Distributed: a stop asked of any rank (Ctrl-C reaches them at different moments) stops
        // every rank after the same step; this is asked once per step on every rank.
        let group = run.group, isRequested = stopRequested
        let stop: @Sendable () -> Bool
        if group.isDistributed {
            stop = {
                do {
                    return try group.any(isRequested())
                } catch {
                    group.abort("cannot agree on stopping with the other ranks: \(error)", code: 1)
                }
            }
        } else {
            stop = isRequested
        }
        var standard: [TrainingCallback] = [StopOnRequest(stop), Checkpointing(), MetricsLogging(), EpochLog()]
        if let patience = run.configuration.patience { standard.append(EarlyStopping(patience: patience)) }
        try TrainingLoop(run: run, callbacks: standard + callbacks).train()
        if let best = run.best, let peak = run.peak, best.epoch != peak.epoch,
            let error = BestEpochChoice.standardError(of: peak.value, monitor: run.monitor, images: run.valItems.count)
        {
            log(String(
                format: "best epoch: %d (%@ %.4f), the latest within one standard error (%.3f on %d validation images) of the highest, %.4f at epoch %d: a difference that small is noise, and the later weights trained longer",
                best.epoch, run.monitor.key, best.value, error, run.valItems.count, peak.value, peak.epoch))
        }
        if run.group.isDistributed && run.group.isRoot && run.communication.steps > 0 { log(run.communication.summary) }
        if !run.skipped.isEmpty {
            let unique = Dictionary(run.skipped.map { ($0.path, $0.reason) }, uniquingKeysWith: { first, _ in first })
            log("skipped \(unique.count) unreadable images:\n  " + unique.keys.sorted().map { "\($0): \(unique[$0] ?? "")" }.joined(separator: "\n  "))
        }
        let bestPath = run.path("best.vision"), lastPath = run.path("last.vision")
        var result = TrainingResult(
            history: run.history, bestEpoch: run.best?.epoch, bestValue: run.best?.value, monitor: run.monitor.key, evaluation: nil,
            testAccuracy: nil, bestModelPath: bestPath, lastModelPath: lastPath, skippedImages: run.skipped,
            parameterCount: run.model.parameterCount)
        guard let best = run.best, request.finalTest else { return result }
        // The best weights: in memory when this invocation found them, else from best.vision.
        let (weights, saved) = try run.bestWeights.map { ($0, nil as SavedModelMetadata?) } ?? {
            let (weights, metadata) = try SavedModel.read(bestPath)
            return (weights, metadata)
        }()
        try run.model.load(weights)
        // Rank 0's best weights everywhere (a resumed run's best.vision is read by each rank).
        try ModelReplicas.broadcast(run.model, group: run.group)
        // One evaluation of the best weights on the held-out images (test, or val without a
        // test split) gives both the test figures and the report.
        let heldOut = run.testItems.isEmpty ? run.valItems : run.testItems
        let split = run.testItems.isEmpty ? "val" : "test"
        guard !heldOut.isEmpty else { return result }
        let evaluation = try ModelEvaluator.evaluate(
            run.model, classes: run.dataset.classes, preprocessing: run.preprocessing, items: heldOut, split: split,
            trainItems: run.trainItems,
            options: .init(suite: run.suite, workers: run.configuration.workers, onBadImage: run.configuration.onBadImage,
                           limits: run.decodeLimits, measureTrainAccuracy: false, group: run.group))
        result.evaluation = evaluation
        if !run.testItems.isEmpty { result.testAccuracy = evaluation.accuracy }
        // Rank 0 alone writes the model file and the report; the others are done.
        guard run.group.isRoot else { return result }
        // best.vision keeps its own epoch and validation figures, gains the test figures, and
        // the fingerprint of its training inputs for drift monitoring.
        let record = run.history.first { $0.epoch == best.epoch }
        var figures = record.map { run.figures(for: $0) } ?? saved?.metrics ?? [:]
        if !run.testItems.isEmpty {
            for (name, value) in evaluation.values { figures["test_" + name] = value }
        }
        var metadata = run.metadata(epoch: best.epoch, metrics: figures)
        // The best weights on the validation split: the predicted-class mix of the drift
        // fingerprint, and where an operating point is chosen.
        let validation = run.valItems.isEmpty || run.testItems.isEmpty ? evaluation.predictions : try BatchInference.run(
            run.model, items: run.valItems, preprocessing: run.preprocessing, classes: run.dataset.classes, workers: run.configuration.workers,
            onBadImage: run.configuration.onBadImage, limits: run.decodeLimits).predictions
        metadata.drift = try Self.driftFingerprint(run, validation: validation)
        if let point = try Self.operatingPoint(run, validation: validation, test: run.testItems.isEmpty ? nil : evaluation.predictions) {
            metadata.operatingPoint = point
            result.operatingPoint = point
            var line = String(format: "operating point: %@ when its score ≥ %.4f, chosen on val for %@ (%@)", point.question, point.threshold,
                              point.target.recall.map { String(format: "recall ≥ %.2f", $0) } ?? String(format: "precision ≥ %.2f", point.target.precision ?? 0),
                              point.method == "wilson_lower_bound" ? "on the 95% lower bound, so that it tends to hold on new data" : "too few validation defects for the lower bound: on the estimate")
            if let test = point.test {
                line += String(format: "; test: recall %.3f, precision %@, good parts rejected %.1f%%", test.recall,
                               test.precision.map { String(format: "%.3f", $0) } ?? "-", test.goodRejected * 100)
            }
            log(line)
        }
        try SavedModel.write(run.model, metadata: metadata, to: bestPath)
        let heatMaps = MistakeHeatMaps.render(
            run.model, preprocessing: run.preprocessing, paths: evaluation.mistakes(limit: RunReport.mistakesShown).map(\.path), limits: run.decodeLimits)
        try RunReport.write(
            folder: run.output, title: "\(run.specification.plugin) on \((run.dataset.root as NSString).lastPathComponent)",
            history: run.history, evaluation: evaluation, operatingPoint: metadata.operatingPoint, heatMaps: heatMaps)
        log("report: \(run.path("report.html"))")
        return result
    }

    /// The run's operating point: the threshold chosen on the validation predictions of the best
    /// weights, with its figures there and on the test split. Nil when none was asked for; an
    /// error when the validation split cannot give one.
    static func operatingPoint(_ run: TrainingRun, validation: Predictions, test: Predictions?) throws -> OperatingPoint? {
        let c = run.configuration
        guard c.positiveClass != nil || c.goodClass != nil else { return nil }
        guard !run.valItems.isEmpty else {
            throw TrainingError.invalidConfiguration("an operating point is chosen on the validation split, and this run has none (val_fraction 0?)")
        }
        var point = OperatingPoint(
            positiveClass: c.positiveClass, goodClass: c.goodClass, threshold: 0.5, chosenOn: "val", method: "",
            target: .init(recall: c.targetRecall, precision: c.targetPrecision),
            validation: .init(images: 0, recall: 0, precision: nil, goodRejected: 0, confusionMatrix: []), test: nil)
        let (scores, defects) = point.scored(validation)
        guard defects.contains(true) else {
            throw TrainingError.invalidConfiguration("the validation split holds no defect (\(point.question)): no threshold can be chosen")
        }
        guard let (threshold, method) = OperatingPoint.choose(scores: scores, defects: defects, target: point.target) else {
            throw TrainingError.invalidConfiguration("no threshold reaches the target on the validation split, even at the lowest score")
        }
        point.threshold = threshold
        point.method = method
        point.validation = OperatingPoint.figures(scores: scores, defects: defects, threshold: threshold)
        if let test {
            let (testScores, testDefects) = point.scored(test)
            point.test = OperatingPoint.figures(scores: testScores, defects: testDefects, threshold: threshold)
        }
        return point
    }

    /// The training inputs summarised as the server will measure its requests (decoded as the
    /// model decodes), with the predicted-class shares on the validation split.
    static func driftFingerprint(_ run: TrainingRun, validation: Predictions) throws -> DriftFingerprint {
        let p = run.preprocessing
        let options = DecodeOptions(
            layout: p.channels == 1 ? .gray : .rgb, sizeHint: try PreprocessingTransforms.evaluation(p).decodeSizeHint,
            limits: run.decodeLimits)
        let sample = DriftSample(run.trainItems.map(\.path), options: options)
        var shares = [Double](repeating: 0, count: run.dataset.classes.count)
        for label in validation.predicted where label < shares.count { shares[label] += 1 / Double(max(validation.count, 1)) }
        return DriftFingerprint(rows: sample.rows, formats: sample.formats, predictedClasses: validation.count > 0 ? shares : nil)
    }
}
