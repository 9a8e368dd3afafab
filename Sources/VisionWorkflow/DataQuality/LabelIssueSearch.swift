import Foundation
import VisionData
import VisionImage
import VisionMetricAPI
import VisionModelAPI

/// `vision data issues`: images whose given label the data itself doubts. Every image is scored
/// by a model that never trained on it, either K models trained on K folds of the whole folder
/// (each predicting its held-out fold), or a saved model on the images outside its training
/// split; then `ConfidentLearning` ranks them.
public enum LabelIssueSearch {
    public struct Request {
        public var root: String
        /// The training recipe of the fold models (model, epochs, batch size, …).
        public var configuration: TrainingConfiguration
        public var folds: Int
        /// A saved model to score with instead of training (`--using`).
        public var using: String?
        /// Where the fold runs and the HTML page go.
        public var output: String
        public var limits = DecodeLimits.standard

        public init(root: String, configuration: TrainingConfiguration, folds: Int, using: String?, output: String) {
            self.root = root
            self.configuration = configuration
            self.folds = folds
            self.using = using
            self.output = output
        }
    }

    public struct Issue: Sendable, Codable, Equatable {
        public var path: String
        public var given: String
        public var suggested: String
        /// p_suggested − p_given: larger is more suspicious.
        public var score: Double
    }

    public struct Result: Sendable, Codable {
        /// Flagged images, most suspicious first.
        public var issues: [Issue]
        /// Images scored, and those flagged.
        public var images: Int
        public var flagged: Int
        /// How the images were scored, in one sentence.
        public var scoredBy: String
        public var method = "confident learning: per-class thresholds on out-of-sample self-confidence, ranked by normalised margin"
        /// Every scored image, flagged ones first (for measuring a ranking).
        public var ranking: [Issue]
    }

    public static func run(_ request: Request, models: ModelRegistry, metrics: MetricRegistry, log: @escaping (String) -> Void) throws -> Result {
        let dataset = try Dataset.load(request.root)
        guard dataset.classes.count >= 2 else {
            throw TrainingError.invalidConfiguration("found \(dataset.classes.count) class in \(request.root); label issues need at least 2")
        }
        var probabilities = [[Float]?](repeating: nil, count: dataset.items.count)
        let scoredBy: String
        if let using = request.using {
            scoredBy = try scoreWithSavedModel(using, dataset: dataset, request: request, models: models, into: &probabilities, log: log)
        } else {
            scoredBy = try scoreOutOfFold(dataset, request: request, models: models, metrics: metrics, into: &probabilities, log: log)
        }
        let scored = probabilities.indices.filter { probabilities[$0] != nil }
        let k = dataset.classes.count
        let ranked = ConfidentLearning.rank(
            probabilities: scored.flatMap { probabilities[$0] ?? [] }, labels: scored.map { dataset.items[$0].label }, classes: k)
        let ranking = ranked.map { r in
            Issue(path: dataset.items[scored[r.index]].path, given: dataset.classes[r.given], suggested: dataset.classes[r.suggested], score: r.score)
        }
        let flagged = ranked.filter(\.flagged).count
        return Result(issues: Array(ranking.prefix(flagged)), images: scored.count, flagged: flagged, scoredBy: scoredBy, ranking: ranking)
    }

    /// K models, each trained on the other folds, each predicting its own fold.
    static func scoreOutOfFold(
        _ dataset: Dataset, request: Request, models: ModelRegistry, metrics: MetricRegistry, into probabilities: inout [[Float]?],
        log: @escaping (String) -> Void
    ) throws -> String {
        let c = request.configuration, folds = request.folds
        let assignment = try Splitter.kFold(dataset, folds: folds, seed: c.seed)
        for fold in 0..<folds {
            let split = SplitDefinition(
                seed: c.seed, fractions: try SplitFractions(val: 1 / Double(folds), test: 0), preset: false, classes: dataset.classes,
                entries: dataset.items.enumerated().map { index, item in
                    .init(path: item.relativePath, label: dataset.classes[item.label], split: assignment[index] == fold ? .val : .train)
                })
            let output = (request.output as NSString).appendingPathComponent("folds/fold-\(fold + 1)")
            var training = TrainingSetup.Request(root: request.root, configuration: c, output: output)
            training.split = split
            training.finalTest = false
            training.limits = request.limits
            training.configuration.output = output
            training.configuration.patience = nil  // every fold trains its epochs: the same recipe for all
            let held = dataset.items.indices.filter { assignment[$0] == fold }
            log("fold \(fold + 1)/\(folds): \(c.model) for \(c.epochs) epochs on \(dataset.items.count - held.count) images, scoring the other \(held.count)")
            let result = try Trainer(training, models: models, metrics: metrics, log: { _ in }).run()
            let loaded = try LoadedModel(path: result.lastModelPath, registry: models)
            let (predictions, _) = try BatchInference.run(
                loaded.model, items: held.map { dataset.items[$0] }, preprocessing: loaded.metadata.preprocessing, classes: dataset.classes,
                workers: c.workers, onBadImage: .skip, limits: request.limits)
            let rows = Dictionary(predictions.paths.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            for index in held {
                guard let row = rows[dataset.items[index].path] else { continue }  // unreadable: not scored
                probabilities[index] = Array(predictions.row(row))
            }
        }
        return "\(folds) \(c.model) models, \(c.epochs) epochs each, each scoring the fold it never trained on"
    }

    /// A saved model on the images outside its training split.
    static func scoreWithSavedModel(
        _ path: String, dataset: Dataset, request: Request, models: ModelRegistry, into probabilities: inout [[Float]?],
        log: @escaping (String) -> Void
    ) throws -> String {
        let loaded = try LoadedModel(path: path, registry: models)
        let metadata = loaded.metadata
        let unknown = dataset.classes.filter { !metadata.classes.contains($0) }
        if !unknown.isEmpty { throw WorkflowError.unknownClasses(unknown) }
        let trained = Set(metadata.split.filter { $0.split == DataSplit.train.rawValue }.map(\.path))
        let outside = dataset.items.indices.filter { !trained.contains(dataset.items[$0].relativePath) }
        guard !outside.isEmpty else {
            throw TrainingError.invalidConfiguration("every image of \(request.root) is in \(path)'s training split: none can be scored honestly (leave out --using to train on folds)")
        }
        log("scoring the \(outside.count) images outside \(path)'s training split (\(dataset.items.count - outside.count) trained on are left out)")
        let remap = dataset.classes.map { name in metadata.classes.firstIndex(of: name) ?? 0 }
        let (predictions, _) = try BatchInference.run(
            loaded.model, items: outside.map { dataset.items[$0] }, preprocessing: metadata.preprocessing, classes: metadata.classes, remap: remap,
            workers: request.configuration.workers, onBadImage: .skip, limits: request.limits)
        // The model's classes back to the dataset's order (a class the data lacks drops out).
        let rows = Dictionary(predictions.paths.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        for index in outside {
            guard let row = rows[dataset.items[index].path] else { continue }
            let p = predictions.row(row)
            let mapped = remap.map { p[p.startIndex + $0] }
            let total = mapped.reduce(0, +)
            probabilities[index] = total > 0 ? mapped.map { $0 / total } : mapped
        }
        return "\(path) (\(metadata.model.plugin)) on the \(outside.count) images outside its training split"
    }
}
