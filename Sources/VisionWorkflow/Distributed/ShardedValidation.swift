import Foundation
import VisionData
import VisionImage
import VisionModelAPI
import VisionDistributed
import VisionMetricAPI
import VisionNN

/// Validation of a run, in one process or across the ranks of a distributed one: each rank
/// predicts one contiguous shard of the validation images (whole batches of 256, so a small
/// validation split runs on rank 0; one process has the one shard), computes its metric plugins'
/// states there, and the states are merged (`MetricPlugin.merge`) in rank order on every rank,
/// with the per-image losses summed in image order: the figures one process computes, and the
/// same on every rank (so that every rank takes the same best epoch and early-stopping decision).
enum ShardedValidation {
    struct Part: Codable {
        var states: [String: MetricState]
        var failures: [String: String]
        var losses: [Double]
        var skipped: [BadImage]
        var failure: String?
    }

    static func run(
        _ model: Module, items: [DatasetItem], preprocessing: Preprocessing, classes: [String], suite: MetricSuite, workers: Int,
        onBadImage: BadImagePolicy, limits: DecodeLimits, group: ProcessGroup
    ) throws -> (results: [String: MetricResult], failures: [String: String], meanLoss: Double, skipped: [BadImage]) {
        // Whole inference batches per rank, as `BatchInference` shards: exactly one process's figures.
        let shard = try BatchInference.shard(
            items.count, model: model, preprocessing: preprocessing, batchSize: 256, memoryBudget: InferenceMemory.defaultBudget, group: group)
        var part = Part(states: [:], failures: [:], losses: [], skipped: [], failure: nil)
        do {
            let (predictions, skipped) = try BatchInference.run(
                model, items: items[shard], preprocessing: preprocessing, classes: classes, remap: nil, workers: workers,
                onBadImage: onBadImage, limits: limits, batchSize: 256, memoryBudget: InferenceMemory.defaultBudget, tta: nil,
                everyImageFailing: false)
            (part.states, part.failures) = suite.states(predictions)
            part.losses = predictions.losses
            part.skipped = skipped
        } catch {
            part.failure = "\(error)"
        }
        let parts = try Shard.gather(part, group: group)
        if let message = parts.compactMap(\.failure).first { throw WorkflowError.shardFailed(message) }
        let skipped = parts.flatMap(\.skipped)
        let losses = parts.flatMap(\.losses)
        if losses.isEmpty && !skipped.isEmpty { throw WorkflowError.noReadableImages(skipped) }
        var lossSum = 0.0
        for loss in losses { lossSum += loss }
        let (results, failures) = suite.merged(parts.map { ($0.states, $0.failures) }, classes: classes.count, images: losses.count)
        return (results, failures, losses.isEmpty ? .nan : lossSum / Double(losses.count), skipped)
    }
}

extension MetricSuite {
    /// Each metric's state after `predictions` (the metrics that cannot take them, with why).
    func states(_ predictions: Predictions) -> (states: [String: MetricState], failures: [String: String]) {
        var states: [String: MetricState] = [:], failures: [String: String] = [:]
        for name in names {
            do {
                var metric = try registry.make(name, numClasses: predictions.classes.count)
                try metric.update(predictions: predictions.predicted, scores: predictions.probabilities, targets: predictions.targets)
                states[name] = metric.state()
            } catch {
                failures[name] = "\(error)"
            }
        }
        return (states, failures)
    }

    /// The metrics over the shards whose states are `parts` (in image order), as `compute` gives
    /// them over all the predictions at once.
    func merged(
        _ parts: [(states: [String: MetricState], failures: [String: String])], classes: Int, images: Int
    ) -> (results: [String: MetricResult], failures: [String: String]) {
        var results: [String: MetricResult] = [:], failures: [String: String] = [:]
        guard images > 0 else { return ([:], [:]) }
        for name in names {
            if let failure = parts.lazy.compactMap({ $0.failures[name] }).first {
                failures[name] = failure
                continue
            }
            do {
                var metric = try registry.make(name, numClasses: classes)
                for part in parts {
                    guard let state = part.states[name] else { continue }
                    try metric.merge(state: state)
                }
                results[name] = try metric.compute()
            } catch {
                failures[name] = "\(error)"
            }
        }
        return (results, failures)
    }
}
