import Foundation
import VisionData
import VisionMetricAPI
import VisionModelAPI
import VisionNN
import VisionPluginAPI
import VisionTensor

/// Predictions of a saved model on the images of one split, with the preprocessing from the
/// model file (never defaults).
public struct EvaluationResult: Sendable {
    public var classes: [String]
    public var paths: [String]
    public var targets: [Int]
    public var predictions: [Int]
    /// Softmax probabilities, N × classes, row-major.
    public var probabilities: [Float]
    /// Majority-class baseline accuracy on the same images.
    public var baselineAccuracy: Double
    /// Accuracy on the training split, for the overfitting check (nil when evaluating train).
    public var trainAccuracy: Double?

    public var accuracy: Double {
        Double(zip(targets, predictions).filter { $0 == $1 }.count) / Double(max(targets.count, 1))
    }

    /// counts[true][predicted].
    public var confusionMatrix: [[Int]] {
        var matrix = [[Int]](repeating: [Int](repeating: 0, count: classes.count), count: classes.count)
        for (t, p) in zip(targets, predictions) { matrix[t][p] += 1 }
        return matrix
    }
}

public enum EvaluationError: Error, CustomStringConvertible {
    case unknownClasses([String])
    case noImages(String)

    public var description: String {
        switch self {
        case .unknownClasses(let names): return "the data has classes the model does not know: \(names.joined(separator: ", "))"
        case .noImages(let split): return "no images in the \(split) split of the data"
        }
    }
}

public enum Evaluator {
    /// Evaluates `modelPath` on `root`: `split` is train, val, test or all. For test/val/train the
    /// images are exactly those the model file's split put there (same root), or the tree's own
    /// split folders.
    /// `trainAccuracy: false` skips predicting the training images (only the overfitting warning
    /// needs them).
    public static func evaluate(modelPath: String, root: String, split: String, registry: ModelRegistry, workers: Int = 2,
                                trainAccuracy wantTrainAccuracy: Bool = true) throws
        -> EvaluationResult
    {
        let (weights, metadata) = try SavedModel.read(modelPath)
        let dataset = try Dataset.load(root)
        let unknown = dataset.classes.filter { !metadata.classes.contains($0) }
        if !unknown.isEmpty { throw EvaluationError.unknownClasses(unknown) }
        let p = metadata.preprocessing
        let model = try registry.make(
            try registry.resolve(nameOrPath: metadata.plugin), classes: metadata.classes.count, inputChannels: p.channels,
            inputSize: InputSize(height: p.height, width: p.width))
        try model.load(weights)
        model.eval()
        let recorded = Dictionary(metadata.split.map { ($0.path, $0.split) }, uniquingKeysWith: { a, _ in a })
        func items(_ wanted: String) -> [DatasetItem] {
            dataset.items.filter { item in
                if wanted == "all" { return true }
                // The model file's record first: on a pre-split tree it also holds the val
                // images carved from train/, which the folders alone would call train.
                if let split = recorded[item.relativePath] { return split == wanted }
                return item.presetSplit?.rawValue == wanted
            }
        }
        let selected = items(split)
        if selected.isEmpty { throw EvaluationError.noImages(split) }
        let remap = dataset.classes.map { name in metadata.classes.firstIndex(of: name) ?? 0 }
        let transform = try Trainer.evaluationTransform(p)
        func predict(_ items: [DatasetItem]) throws -> ([String], [Int], [Int], [Float]) {
            let loader = try DataLoader(items: items, transform: transform, options: LoaderOptions(
                batchSize: 256, shuffle: false, workers: workers, layout: p.channels == 1 ? .gray : .rgb))
            var paths: [String] = [], targets: [Int] = [], predictions: [Int] = [], probabilities: [Float] = []
            try GradientMode.withoutGradients {
                let iterator = loader.epoch(0)
                while let batch = try iterator.next() {
                    let probs = try softmax(try model(try Tensor(batch.images, shape: batch.shape)), dimension: 1)
                    let k = metadata.classes.count
                    let values = probs.scalars
                    for row in 0..<batch.count {
                        let slice = Array(values[(row * k)..<((row + 1) * k)])
                        predictions.append(slice.indices.max { slice[$0] < slice[$1] } ?? 0)
                        probabilities += slice
                    }
                    targets += batch.labels.map { remap[$0] }
                    paths += batch.paths
                }
            }
            return (paths, targets, predictions, probabilities)
        }
        let (paths, targets, predictions, probabilities) = try predict(selected)
        var counts = [Int](repeating: 0, count: metadata.classes.count)
        for item in items("train").isEmpty ? selected : items("train") { counts[remap[item.label]] += 1 }
        let majority = counts.indices.max { counts[$0] < counts[$1] } ?? 0
        let baseline = Double(targets.filter { $0 == majority }.count) / Double(max(targets.count, 1))
        var trainAccuracy: Double?
        if wantTrainAccuracy && split != "train" && split != "all" {
            let train = items("train")
            if !train.isEmpty {
                let (_, t, p, _) = try predict(train)
                trainAccuracy = Double(zip(t, p).filter { $0 == $1 }.count) / Double(t.count)
            }
        }
        return EvaluationResult(classes: metadata.classes, paths: paths, targets: targets, predictions: predictions,
                                probabilities: probabilities, baselineAccuracy: baseline, trainAccuracy: trainAccuracy)
    }
}
