import Foundation
import VisionData
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
    public static func run(
        _ model: Module, items: [DatasetItem], preprocessing: Preprocessing, classes: [String], remap: [Int]? = nil,
        workers: Int, onBadImage: BadImagePolicy, limits: DecodeLimits = .standard, batchSize: Int = 256,
        memoryBudget: Int = InferenceMemory.defaultBudget, tta: TestTimeAugmentation? = nil
    ) throws -> (predictions: Predictions, skipped: [BadImage]) {
        let perImage = try ModelComplexity.inferenceBytesPerImage(
            model, inputChannels: preprocessing.channels, inputSize: preprocessing.inputSize)
        let batchSize = InferenceMemory.batchSize(requested: batchSize, bytesPerImage: perImage, budget: memoryBudget)
        let loader = try DataLoader(
            items: items, transform: try PreprocessingTransforms.evaluation(preprocessing),
            options: LoaderOptions(
                batchSize: batchSize, shuffle: false, workers: workers, onBadImage: onBadImage,
                layout: preprocessing.channels == 1 ? .gray : .rgb, limits: limits))
        model.eval()
        var predictions = Predictions(classes: classes)
        let iterator = loader.epoch(0)
        try GradientMode.withoutGradients {
            while let batch = try iterator.next() {
                // Every image of this batch failed to decode: nothing to run.
                guard batch.count > 0 else { continue }
                let targets = remap.map { map in batch.labels.map { map[$0] } } ?? batch.labels
                let probabilities: [Float], loss: Double
                if let tta {
                    probabilities = try tta.probabilities(model, images: batch.images, shape: batch.shape)
                    let k = classes.count
                    loss = targets.enumerated().reduce(0) { $0 - Double(log(max(probabilities[$1.offset * k + $1.element], 1e-12))) }
                } else {
                    let logits = try model(try Tensor(batch.images, shape: batch.shape))
                    loss = Double(try crossEntropy(logits, targets: targets).item) * Double(batch.count)
                    probabilities = try softmax(logits, dimension: 1).scalars
                }
                predictions.append(probabilities: probabilities, targets: targets, paths: batch.paths, lossSum: loss)
            }
        }
        if predictions.count == 0 && !iterator.badImages.isEmpty { throw WorkflowError.noReadableImages(iterator.badImages) }
        return (predictions, iterator.badImages)
    }
}
