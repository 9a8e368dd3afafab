import Foundation
import VisionData
import VisionDistributed
import VisionImage
import VisionModelAPI
import VisionNN
import VisionTensor

/// Runs a model (eval mode, no tape) over labelled images in batches: the one loop behind
/// validation, the final test and `vision evaluate`.
public enum BatchInference {
    /// Predictions for `items`, whose labels are mapped to the model's classes by `remap`
    /// (dataset class index → model class index; nil when they are the same). Files that cannot
    /// be decoded are skipped (and returned) or fail, as `onBadImage` says; when nothing could
    /// be read at all, the error names the files. With `tta`, probabilities (and the loss) are
    /// those averaged over its views.
    ///
    /// In a process group of several ranks, each rank predicts one contiguous shard of `items`
    /// (each image exactly once) and every rank gets all the predictions, joined in image order.
    /// Shards are made of whole batches, so that each image goes through the network in the same
    /// batch as in one process (oneDNN's results for an image can differ in the last bit with the
    /// batch around it): the figures are exactly one process's.
    public static func run(
        _ model: Module, items: [DatasetItem], preprocessing: Preprocessing, classes: [String], remap: [Int]? = nil,
        workers: Int, onBadImage: BadImagePolicy, limits: DecodeLimits = .standard, batchSize: Int = 256,
        memoryBudget: Int = InferenceMemory.defaultBudget, tta: TestTimeAugmentation? = nil, group: ProcessGroup = SingleProcess()
    ) throws -> (predictions: Predictions, skipped: [BadImage]) {
        guard group.isDistributed else {
            return try run(
                model, items: items[...], preprocessing: preprocessing, classes: classes, remap: remap, workers: workers,
                onBadImage: onBadImage, limits: limits, batchSize: batchSize, memoryBudget: memoryBudget, tta: tta, everyImageFailing: true)
        }
        let shard = try Self.shard(
            items.count, model: model, preprocessing: preprocessing, batchSize: batchSize, memoryBudget: memoryBudget, group: group)
        var failure: String?
        var part = (predictions: Predictions(classes: classes), skipped: [BadImage]())
        do {
            part = try run(
                model, items: items[shard], preprocessing: preprocessing, classes: classes, remap: remap, workers: workers,
                onBadImage: onBadImage, limits: limits, batchSize: batchSize, memoryBudget: memoryBudget, tta: tta, everyImageFailing: false)
        } catch {
            // Every rank learns of the failure (and stops together) rather than waiting for this one.
            failure = "\(error)"
        }
        let parts = try Shard.gather(ShardResult(predictions: part.predictions, skipped: part.skipped, failure: failure), group: group)
        if let failed = parts.first(where: { $0.failure != nil }), let message = failed.failure {
            throw WorkflowError.shardFailed(message)
        }
        var predictions = Predictions(classes: classes)
        for part in parts { predictions.append(part.predictions) }
        let skipped = parts.flatMap(\.skipped)
        if predictions.count == 0 && !skipped.isEmpty { throw WorkflowError.noReadableImages(skipped) }
        return (predictions, skipped)
    }

    /// This rank's images of `count`: a contiguous run of whole inference batches.
    static func shard(
        _ count: Int, model: Module, preprocessing: Preprocessing, batchSize: Int, memoryBudget: Int, group: ProcessGroup
    ) throws -> Range<Int> {
        let size = InferenceMemory.batchSize(
            requested: batchSize,
            bytesPerImage: try ModelComplexity.inferenceBytesPerImage(model, inputChannels: preprocessing.channels, inputSize: preprocessing.inputSize),
            budget: memoryBudget)
        let batches = Shard.range(of: (count + size - 1) / size, rank: group.rank, size: group.size)
        return min(batches.lowerBound * size, count)..<min(batches.upperBound * size, count)
    }

    struct ShardResult: Codable {
        var predictions: Predictions
        var skipped: [BadImage]
        var failure: String?
    }

    /// One process's loop over `items` (nothing to do for an empty shard).
    static func run(
        _ model: Module, items: ArraySlice<DatasetItem>, preprocessing: Preprocessing, classes: [String], remap: [Int]?,
        workers: Int, onBadImage: BadImagePolicy, limits: DecodeLimits, batchSize: Int, memoryBudget: Int, tta: TestTimeAugmentation?,
        everyImageFailing: Bool
    ) throws -> (predictions: Predictions, skipped: [BadImage]) {
        var predictions = Predictions(classes: classes)
        guard !items.isEmpty || everyImageFailing else { return (predictions, []) }
        let perImage = try ModelComplexity.inferenceBytesPerImage(
            model, inputChannels: preprocessing.channels, inputSize: preprocessing.inputSize)
        let batchSize = InferenceMemory.batchSize(requested: batchSize, bytesPerImage: perImage, budget: memoryBudget)
        let loader = try DataLoader(
            items: Array(items), transform: try PreprocessingTransforms.evaluation(preprocessing),
            options: LoaderOptions(
                batchSize: batchSize, shuffle: false, workers: workers, onBadImage: onBadImage,
                layout: preprocessing.channels == 1 ? .gray : .rgb, limits: limits))
        model.eval()
        // Full batches recur: after two, the rest replay a recorded plan (small batches only).
        let planned = PlannedInference(model, capacity: 1)
        let iterator = loader.epoch(0)
        try GradientMode.withoutGradients {
            while let batch = try iterator.next() {
                // Every image of this batch failed to decode: nothing to run.
                guard batch.count > 0 else { continue }
                let targets = remap.map { map in batch.labels.map { map[$0] } } ?? batch.labels
                let probabilities: [Float], losses: [Double]
                if let tta {
                    probabilities = try tta.probabilities(model, images: batch.images, shape: batch.shape)
                    let k = classes.count
                    losses = targets.enumerated().map { -Double(log(max(probabilities[$0.offset * k + $0.element], 1e-12))) }
                } else {
                    let logits = try planned(try Tensor(batch.images, shape: batch.shape))
                    losses = Predictions.losses(logits: logits.values, classes: logits.shape[1], targets: targets)
                    probabilities = try softmax(logits, dimension: 1).scalars
                }
                predictions.append(probabilities: probabilities, targets: targets, paths: batch.paths, losses: losses)
            }
        }
        if everyImageFailing && predictions.count == 0 && !iterator.badImages.isEmpty {
            throw WorkflowError.noReadableImages(iterator.badImages)
        }
        return (predictions, iterator.badImages)
    }
}
