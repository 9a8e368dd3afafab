import Foundation
import VisionData
import VisionDistributed
import VisionMetricAPI
import VisionNN
import VisionTensor

/// The epochs of a prepared run: train, validate through the metric suite, and tell the
/// callbacks (`stepDidEnd` after each step, `epochDidEnd` after each validation). The loop
/// decides nothing else: checkpoints, early stopping, logs and the progress bar are callbacks.
public struct TrainingLoop {
    public let run: TrainingRun
    public var callbacks: [TrainingCallback]

    public init(run: TrainingRun, callbacks: [TrainingCallback]) {
        self.run = run
        self.callbacks = callbacks
    }

    public func train() throws {
        let c = run.configuration
        for callback in callbacks { try callback.trainingWillStart(run) }
        if run.firstEpoch > c.epochs {
            run.log("the run already has \(c.epochs) epochs; pass a larger --epochs to train further")
        }
        var epoch = run.firstEpoch
        while epoch <= c.epochs {
            let (record, stoppedInEpoch) = try trainEpoch(epoch)
            run.history.append(record)
            var stop = stoppedInEpoch
            for callback in callbacks where try callback.epochDidEnd(record, run: run) == .stop { stop = true }
            if stop { break }
            epoch += 1
        }
        for callback in callbacks { try callback.trainingDidEnd(run) }
    }

    /// One epoch: the optimizer steps, then validation; the record says whether it is the best,
    /// and `stop` whether a callback ended training during the epoch.
    func trainEpoch(_ epoch: Int) throws -> (record: EpochRecord, stop: Bool) {
        let c = run.configuration, model = run.model
        if c.frozenEpochs > 0 {
            // Fine-tuning: the head alone first, so that a fresh head does not wreck the features.
            model.unfreeze()
            if epoch <= c.frozenEpochs {
                for (name, _) in model.featureChildren { model.freeze(matching: name + ".") }
            }
            if epoch == 1 || epoch == c.frozenEpochs + 1 {
                run.log(epoch <= c.frozenEpochs
                    ? "\(c.frozenEpochs == 1 ? "epoch 1" : "epochs 1–\(c.frozenEpochs)"): the backbone is frozen; only the head trains"
                    : "epoch \(epoch): the backbone is unfrozen; the whole network trains")
            }
        }
        let parameters = model.trainableParameters
        let trainable = Set(parameters.map(ObjectIdentifier.init))
        // With --backbone-lr-scale: the head's and the backbone's parameters, parted once an epoch.
        let headIDs = Set(model.head.namedParameters().map { ObjectIdentifier($0.tensor) })
        let (headParameters, backboneParameters) = c.backboneRateScale < 1
            ? (parameters.filter { headIDs.contains(ObjectIdentifier($0)) }, parameters.filter { !headIDs.contains(ObjectIdentifier($0)) })
            : ([], [])
        for (_, parameter) in model.namedParameters() where !trainable.contains(ObjectIdentifier(parameter)) {
            parameter.requiresGrad = false
            parameter.grad = nil
        }
        model.train()
        let group = run.group
        // Distributed: gradients summed over the ranks in buckets while backward runs.
        let buckets = group.isDistributed ? GradientBuckets(parameters: parameters, group: group) : nil
        // --sync-bn: batch statistics over every rank's images.
        let syncReducer: StatisticsReducer? = group.isDistributed && c.synchronizedBatchNorm ? GroupReducer(group: group) : nil
        let clock = ContinuousClock()
        let start = clock.now
        // `lossSum` and `seen` are the global batch's (this rank's share of the loss, summed over
        // the ranks at the end of the epoch); the `local` figures are this rank's, for the bar.
        var lossSum = 0.0, seen = 0, localLoss = 0.0, localSeen = 0
        var accuracy = try run.suite.registry.make("accuracy", numClasses: run.dataset.classes.count)
        let iterator = run.trainLoader.epoch(epoch - 1)
        let batches = run.trainLoader.batchCount()
        var batchIndex = 0
        var stop = false
        var imagesPerClass = [Int](repeating: 0, count: run.dataset.classes.count)
        var waited = 0.0
        var syncSkipped = 0, syncSkippedImages = 0
        while let batch = try iterator.next() {
            let stepStart = clock.now
            batchIndex += 1
            // This rank's share of the global batch's loss weight. Every rank takes part in every
            // step, even one whose images all failed to decode (it adds nothing).
            let globalCount: Int, share: Double
            if buckets != nil {
                let weight = run.lossWeights.map { w in batch.labels.reduce(0.0) { $0 + Double(w[$1]) } } ?? Double(batch.count)
                let waitStart = clock.now
                let totals = try group.sum([weight, Double(batch.count), batch.count == 0 ? 1 : 0])
                waited += (clock.now - waitStart).seconds
                // No rank had a readable image: every rank skips the step. Synchronised batch norm
                // needs every rank in every forward pass: a rank without images skips it for all
                // (counted, and said at the end of the epoch).
                guard totals[1] > 0 else { continue }
                if syncReducer != nil && totals[2] > 0 {
                    syncSkipped += 1
                    syncSkippedImages += Int(totals[1])
                    continue
                }
                globalCount = Int(totals[1])
                share = totals[0] > 0 ? weight / totals[0] : 0
            } else {
                // Every image of this batch failed to decode (and was recorded as skipped).
                guard batch.count > 0 else { continue }
                (globalCount, share) = (batch.count, 1)
            }
            run.optimizer.learningRate = run.schedule.learningRate(at: run.step)
            if let sgd = run.optimizer as? SGD, let momentum = run.schedule.momentum(at: run.step) { sgd.momentum = momentum }
            for parameter in parameters {
                parameter.grad = nil
                parameter.requiresGrad = true
            }
            var batchLoss = 0.0
            buckets?.beginStep()
            if batch.count > 0 {
                let (logits, loss) = try BatchNormSynchronization.$reducer.withValue(syncReducer) {
                    let logits = try model(try Tensor(batch.images, shape: batch.shape))
                    let loss = try crossEntropy(logits, targets: batch.labels, classWeights: run.lossWeights)
                    guard loss.item.isFinite else {
                        throw TrainingError.nonFiniteLoss(epoch: epoch, step: run.step, lastGood: epoch > 1 ? run.path("last.vision") : nil)
                    }
                    if let buckets {
                        // Backward from this rank's share of the global batch's loss: every gradient
                        // (and synchronised batch norm's sums) is then the global loss's, and the
                        // buckets only add them up.
                        try backward(loss, seed: Tensor.full(loss.shape, Float(share)), leafReady: buckets.gradientReady)
                    } else {
                        try backward(loss)
                    }
                    return (logits, loss)
                }
                let k = logits.shape[1], values = logits.scalars
                let predicted = (0..<batch.count).map { Predictions.argmax(values[($0 * k)..<(($0 + 1) * k)]) }
                try accuracy.update(predictions: predicted, scores: nil, targets: batch.labels)
                for label in batch.labels { imagesPerClass[label] += 1 }
                batchLoss = Double(loss.item)
            }
            if let buckets {
                let before = buckets.waitSeconds
                try buckets.finish()
                waited += buckets.waitSeconds - before
            }
            if c.backboneRateScale < 1 {
                // The head at the schedule's rate, the backbone at a fraction of it.
                let rate = run.optimizer.learningRate
                try run.optimizer.step(headParameters)
                run.optimizer.learningRate = rate * Float(c.backboneRateScale)
                try run.optimizer.step(backboneParameters)
                run.optimizer.learningRate = rate
            } else {
                try run.optimizer.step(parameters)
            }
            lossSum += batchLoss * share * Double(globalCount)
            seen += globalCount
            localLoss += batchLoss * Double(batch.count)
            localSeen += batch.count
            run.step += 1
            let progress = StepProgress(
                epoch: epoch, epochs: c.epochs, batch: batchIndex, batches: batches, step: run.step,
                loss: localSeen > 0 ? localLoss / Double(localSeen) : .nan,
                accuracy: (try? accuracy.compute().value ?? .nan) ?? .nan, imagesPerSecond: Double(seen) / Self.seconds(since: start, clock),
                batchSize: c.batchSize)
            for callback in callbacks where try callback.stepDidEnd(progress, run: run) == .stop { stop = true }
            if buckets != nil {
                // Every rank ends the epoch after the same step (Ctrl-C reaches ranks at different times).
                let waitStart = clock.now
                stop = try group.any(stop)
                waited += (clock.now - waitStart).seconds
                run.communication.steps += 1
                run.communication.stepSeconds += (clock.now - stepStart).seconds
            }
            if stop { break }
        }
        if syncSkipped > 0 {
            run.log("epoch \(epoch): \(syncSkipped) step\(syncSkipped == 1 ? "" : "s") skipped (\(syncSkippedImages) images not trained): a rank had no readable image in its share, and --sync-bn needs every rank in each step")
        }
        // Training throughput counts the steps, not the validation that follows.
        let trainingSeconds = Self.seconds(since: start, clock)
        if let buckets {
            run.communication.waitSeconds += waited
            run.communication.bytesPerStep = buckets.bytesPerStep
            // The epoch's figures over every rank's images.
            lossSum = try group.sum([lossSum])[0]
            accuracy = try Self.merged(accuracy, group: group)
            imagesPerClass = try group.sum(imagesPerClass.map(Double.init)).map { Int($0) }
            try ModelReplicas.averageBuffers(model, group: group)
            #if DEBUG
            try ModelReplicas.checkAgreement(model, group: group, epoch: epoch)
            #endif
        }
        let badImages = try Shard.gather(iterator.badImages, group: group).flatMap { $0 }
        if seen == 0 { throw WorkflowError.noReadableImages(badImages) }
        try Self.checkEveryClassReadable(run, trained: imagesPerClass, skipped: badImages)
        run.skipped += badImages
        var figures: [String: Double] = [:]
        if !run.valItems.isEmpty {
            let (results, failures, meanLoss, skipped) = try ShardedValidation.run(
                model, items: run.valItems, preprocessing: run.preprocessing, classes: run.dataset.classes, suite: run.suite,
                workers: c.workers, onBadImage: c.onBadImage, limits: run.decodeLimits, group: group)
            run.skipped += skipped
            figures = MetricSuite.values(results, prefix: "val_")
            figures["val_loss"] = meanLoss
            if figures[run.monitor.key] == nil {
                let reason = run.monitor.metric.flatMap { failures[$0] } ?? "the metric gives no such value"
                throw TrainingError.invalidConfiguration("the monitored \(run.monitor.key) cannot be computed on the validation split: \(reason)")
            }
        }
        let seconds = Self.seconds(since: start, clock)
        var record = EpochRecord(
            epoch: epoch, trainLoss: lossSum / Double(seen), trainAccuracy: (try? accuracy.compute().value ?? .nan) ?? .nan,
            validation: figures, learningRate: Double(run.optimizer.learningRate), seconds: seconds,
            imagesPerSecond: Double(seen) / trainingSeconds)
        let monitored = figures[run.monitor.key] ?? .nan
        if run.valItems.isEmpty {
            // Nothing to choose by: the latest weights are the model.
            run.best = (epoch, monitored)
            run.peak = run.best
            record.isBest = true
        } else if BestEpochChoice.next(epoch, monitored, peak: &run.peak, monitor: run.monitor, images: run.valItems.count) {
            run.best = (epoch, monitored)
            record.isBest = true
        }
        return (record, stop)
    }

    /// `metric` with every rank's state merged in, in rank order.
    static func merged(_ metric: any MetricPlugin, group: ProcessGroup) throws -> any MetricPlugin {
        var merged = metric
        merged.reset()
        for state in try Shard.gather(metric.state(), group: group) { try merged.merge(state: state) }
        return merged
    }

    /// A class whose every training image failed to decode would train (and test) as if it were
    /// not there: an error naming the class, not a quiet "100%".
    static func checkEveryClassReadable(_ run: TrainingRun, trained: [Int], skipped: [BadImage]) throws {
        guard !skipped.isEmpty else { return }
        let bad = Set(skipped.map(\.path))
        var total = [Int](repeating: 0, count: run.dataset.classes.count)
        var failed = total
        for item in run.trainItems {
            total[item.label] += 1
            if bad.contains(item.path) { failed[item.label] += 1 }
        }
        // No image of the class reached a batch, and its files failed to decode.
        if let label = total.indices.first(where: { trained[$0] == 0 && failed[$0] > 0 }) {
            let paths = Set(run.trainItems.filter { $0.label == label }.map(\.path))
            let example = skipped.first { paths.contains($0.path) }
            throw WorkflowError.classUnreadable(
                name: run.dataset.classes[label], files: total[label], example: example.map { "\($0.path): \($0.reason)" } ?? "")
        }
    }

    static func seconds(since start: ContinuousClock.Instant, _ clock: ContinuousClock) -> Double {
        max((clock.now - start).seconds, 1e-9)
    }
}
