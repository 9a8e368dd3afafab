import Foundation
import VisionData
import VisionImage
import VisionMetricAPI
import VisionModelAPI

/// `vision train --folds K`: stratified K-fold cross-validation on train + val (the test split
/// untouched), one training run per fold in `folds/fold-N`, each scored on its held-out fold at
/// its best epoch; then the mean and standard deviation of every figure across folds. How much
/// a figure moves from fold to fold is what one validation split cannot show.
public enum CrossValidation {
    public struct Fold: Codable, Sendable {
        public var fold: Int
        public var bestEpoch: Int?
        /// The validation figures at the best epoch (`val_accuracy`, `val_f1_macro`, …).
        public var figures: [String: Double]

        enum CodingKeys: String, CodingKey { case fold, bestEpoch = "best_epoch", figures }
    }

    public struct Summary: Codable, Sendable {
        public var folds: [Fold]
        public var monitor: String
        /// Over the folds, for every figure all folds have.
        public var mean: [String: Double]
        /// Sample standard deviation (n − 1) over the folds.
        public var std: [String: Double]

        /// `val_accuracy 0.812 ± 0.021` lines, the monitored figure first.
        public var lines: [String] {
            let keys = mean.keys.sorted { ($0 == monitor ? 0 : 1, $0) < ($1 == monitor ? 0 : 1, $1) }
            return keys.map { String(format: "%@ %.4f ± %.4f", $0, mean[$0] ?? .nan, std[$0] ?? .nan) }
        }
    }

    /// Trains one model per fold of `request`'s data and summarises them; `request.output`
    /// receives `folds/fold-N/` and `folds.json`. The split is the one the final run will use
    /// (the request's, or one made from the configuration's seed and fractions).
    public static func run(
        _ request: TrainingSetup.Request, folds: Int, models: ModelRegistry, metrics: MetricRegistry,
        stopRequested: @escaping @Sendable () -> Bool = { false }, log: @escaping (String) -> Void
    ) throws -> Summary {
        guard (2...100).contains(folds) else { throw TrainingError.invalidConfiguration("--folds must be between 2 and 100, got \(folds)") }
        let dataset = try Dataset.load(request.root)
        let split = try request.split ?? TrainingSetup.makeSplit(dataset, request.configuration, resuming: false, output: request.output).0
        let monitor = try MetricValueName(request.configuration.monitor, registry: metrics)
        var results: [Fold] = []
        for fold in 0..<folds {
            var foldRequest = request
            foldRequest.split = try split.fold(fold, of: folds, dataset: dataset)
            foldRequest.finalTest = false
            foldRequest.output = (request.output as NSString).appendingPathComponent("folds/fold-\(fold + 1)")
            log("fold \(fold + 1)/\(folds): training on the other \(folds - 1) folds of train + val, validating on this one")
            let trainer = Trainer(foldRequest, models: models, metrics: metrics) { log("  " + $0) }
            trainer.stopRequested = stopRequested
            let result = try trainer.run()
            let record = result.history.first { $0.epoch == result.bestEpoch }
            results.append(Fold(fold: fold + 1, bestEpoch: result.bestEpoch, figures: record?.validation ?? [:]))
        }
        var mean: [String: Double] = [:], std: [String: Double] = [:]
        // The figures every fold has.
        let shared = results.map { Set($0.figures.keys) }.reduce(nil as Set<String>?) { $0?.intersection($1) ?? $1 } ?? []
        for key in shared {
            let values = results.compactMap { $0.figures[key] }
            let m = values.reduce(0, +) / Double(values.count)
            mean[key] = m
            std[key] = values.count > 1 ? (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)).squareRoot() : 0
        }
        let summary = Summary(folds: results, monitor: monitor.key, mean: mean, std: std)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        if request.group.isRoot {
            try AtomicFile.write(Array(try encoder.encode(summary)), to: (request.output as NSString).appendingPathComponent("folds.json"))
        }
        return summary
    }
}

extension SplitDefinition {
    /// Fold `fold` of `folds`: train + val dealt into folds (stratified, from the split's seed),
    /// this one validating and the others training; the test split untouched.
    func fold(_ fold: Int, of folds: Int, dataset: Dataset) throws -> SplitDefinition {
        let pooled = try assignments(for: dataset)
        let pool = zip(dataset.items, pooled).filter { $0.1 != .test }.map(\.0)
        let poolDataset = try Dataset(root: dataset.root, source: dataset.source, classes: dataset.classes, items: pool)
        let assignment = try Splitter.kFold(poolDataset, folds: folds, seed: seed)
        let foldOf = Dictionary(zip(pool.map(\.relativePath), assignment), uniquingKeysWith: { first, _ in first })
        var copy = self
        copy.entries = entries.map { entry in
            guard entry.split != .test, let index = foldOf[entry.path] else { return entry }
            return SplitDefinition.Entry(path: entry.path, label: entry.label, split: index == fold ? .val : .train)
        }
        return copy
    }
}
