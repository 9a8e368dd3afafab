import ArgumentParser
import Foundation
import VisionData
import VisionDistributed
import VisionMetricAPI
import VisionModelAPI
import VisionTensor
import VisionWorkflow

/// `vision evaluate`: a saved model on data it never saw.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a saved model on a split of DATA with the preprocessing stored in the model file.",
        discussion: """
            The network is rebuilt from the model file alone (plugin, configuration, and for YAML \
            models the definition itself). --json prints one document: accuracy and \
            baseline_accuracy (numbers), per_class, confusion_matrix, metrics (each value name → \
            {"value": …}), operating_points, mistakes, split, images, tta_views (1 without --tta).
            """
    )

    @Argument(help: "A .vision model file.")
    var modelPath: String

    @Argument(help: "The dataset root.")
    var data: String

    @Option(name: .customLong("plugin-dir"), help: "Also load YAML models from this folder (repeatable).")
    var pluginDirectories: [String] = []

    @Option(help: "Which images. test = exactly the images the model's split held out.")
    var split: SplitSelection = .test

    @Option(help: "More metrics, comma-separated (see `vision metrics`), e.g. roc_auc,matthews_correlation; accuracy, balanced accuracy, precision, recall, F1 and the confusion matrix are always computed.")
    var metrics: String?

    @Option(name: .customLong("positive-class"), help: "For defect and other binary questions: the class that matters.")
    var positiveClass: String?

    @Option(name: .customLong("target-recall"), help: "With --positive-class: the score threshold that reaches this recall, and the precision there.")
    var targetRecall: Double?

    @Option(name: .customLong("target-precision"), help: "With --positive-class: the threshold that reaches this precision, and the recall there.")
    var targetPrecision: Double?

    @Option(name: .customLong("on-bad-image"), help: "A file that cannot be decoded: skip it (and list it) or fail.")
    var onBadImage: BadImagePolicy = .skip

    @OptionGroup(title: "Image limits (an image over them is a bad image)") var decodeLimits: DecodeLimitOptions

    @OptionGroup var activationBudget: ActivationBudgetOption

    @Option(help: "Decode workers.")
    var workers = 2

    @Option(help: "Compute threads (default: all cores, shared between the ranks on a machine under mpirun).")
    var threads: Int?

    @Option(help: "Images per forward pass (smaller when the activation budget requires; under mpirun each rank takes whole batches).")
    var batchSize = 256

    @Flag(help: "Test-time augmentation: average the softmax over the flips (and quarter turns) the model was trained with.")
    var tta = false

    @Flag(help: "Print one JSON document.")
    var json = false

    @OptionGroup(title: "Distributed evaluation (mpirun -np N vision evaluate …: each rank predicts a shard; rank 0 prints)") var distributedOptions: DistributedOptions

    func validate() throws {
        if (targetRecall != nil || targetPrecision != nil) && positiveClass == nil {
            throw ValidationError("--target-recall and --target-precision need --positive-class")
        }
        for value in [targetRecall, targetPrecision].compactMap({ $0 }) where !(0...1).contains(value) {
            throw ValidationError("targets must be in [0, 1], got \(value)")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if workers < 0 { throw ValidationError("--workers must be at least 0, got \(workers)") }
        if !(1...65_536).contains(batchSize) { throw ValidationError("--batch-size must be between 1 and 65536, got \(batchSize)") }
    }

    /// The operating points asked for, by metric name: threshold, value and details.
    private func operatingPoints(_ result: EvaluationResult, registry: MetricRegistry) throws -> [String: [String: Double]] {
        guard let positiveClass else { return [:] }
        guard let positive = result.classes.firstIndex(of: positiveClass) else {
            throw CLIError("--positive-class '\(positiveClass)' is not one of the model's classes: \(result.classes.joined(separator: ", "))")
        }
        var points: [String: [String: Double]] = [:]
        let requests: [(String, String, Double?)] = [
            ("precision_at_recall", "min_recall", targetRecall), ("recall_at_precision", "min_precision", targetPrecision),
        ]
        let p = result.predictions
        for (name, key, target) in requests {
            guard let target else { continue }
            var metric = try registry.make(name, numClasses: result.classes.count, configuration: [key: .double(target), "positive_class": .int(positive)])
            try metric.update(predictions: p.predicted, scores: p.probabilities, targets: p.targets)
            let computed = try metric.compute()
            var point = computed.details
            point["value"] = computed.value ?? Double.nan
            if let threshold = computed.threshold { point["threshold"] = threshold }
            points[name] = point
        }
        return points
    }

    func run() throws {
        let group = try distributedOptions.group()
        ComputeThreads.configure(threads: threads ?? Launch.defaultThreads())
        let registry = try Registries.metrics()
        let extra = (metrics ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let suite = try MetricSuite(registry: registry, extra: extra)
        let loaded = try LoadedModel(path: modelPath, registry: Registries.models(pluginDirectories: pluginDirectories))
        let views = tta ? TestTimeAugmentation(for: loaded.metadata) : nil
        if tta && group.isRoot { TestTimeAugmentation.note(views) }
        let result = try ModelEvaluator.evaluate(
            loaded, root: data, split: split, options: .init(suite: suite, workers: workers, onBadImage: onBadImage, limits: decodeLimits.limits,
                                                    memoryBudget: activationBudget.bytes, batchSize: batchSize, tta: views, group: group))
        // Every rank has every prediction; rank 0 reports.
        guard group.isRoot else { return }
        let points = try operatingPoints(result, registry: registry)
        // Without --positive-class, the model's stored operating point, on the split evaluated here.
        let stored = positiveClass == nil ? loaded.metadata.operatingPoint.map { ($0, Self.figures(result, at: $0)) } : nil
        json ? try printJSON(result, points: points, stored: stored, views: views) : printText(result, points: points, extra: extra, stored: stored)
    }

    static func figures(_ result: EvaluationResult, at point: OperatingPoint) -> OperatingPoint.Figures {
        let (scores, defects) = point.scored(result.predictions)
        return OperatingPoint.figures(scores: scores, defects: defects, threshold: point.threshold)
    }

    private func printJSON(
        _ result: EvaluationResult, points: [String: [String: Double]], stored: (OperatingPoint, OperatingPoint.Figures)?,
        views: TestTimeAugmentation?
    ) throws {
        let finite = { (x: Double) -> Any in x.isFinite ? x : NSNull() }
        var metricObjects: [String: Any] = [:]
        for (name, value) in result.values { metricObjects[name] = ["value": finite(value)] }
        // A metric's headline entry also carries its per-class values and averages.
        for (name, metric) in result.metrics {
            let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(metric))
            if let object = encoded as? [String: Any] { metricObjects[name] = object.merging(["value": metric.value.map(finite) ?? NSNull()]) { $1 } }
        }
        var document: [String: Any] = [
            "accuracy": finite(result.accuracy), "baseline_accuracy": finite(result.baselineAccuracy), "metrics": metricObjects,
            "operating_points": points,
            "per_class": result.perClass.map {
                ["class": $0.name, "precision": finite($0.precision), "recall": finite($0.recall), "f1": finite($0.f1), "support": $0.support]
            },
            "confusion_matrix": result.confusionMatrix,
            "mistakes": result.mistakes(limit: 20).map { ["path": $0.path, "true": $0.truth, "predicted": $0.predicted, "confidence": $0.confidence] },
            "split": result.split, "images": result.predictions.count, "skipped": result.skipped.map { ["path": $0.path, "reason": $0.reason] },
            "train_accuracy": result.trainAccuracy.map(finite) ?? NSNull(),
            "tta_views": views?.views.count ?? 1,
        ]
        document["intervals"] = result.intervals().mapValues { [$0.lowerBound, $0.upperBound] }
        if let (point, figures) = stored {
            // The stored point as the model file has it, with its figures on this split under the split's name.
            var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(point)) as? [String: Any] ?? [:]
            object[result.split] = try JSONSerialization.jsonObject(with: JSONEncoder().encode(figures))
            document["operating_point"] = object
        }
        let data = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
        print(String(decoding: data, as: UTF8.self))
    }

    private func printText(
        _ result: EvaluationResult, points: [String: [String: Double]], extra: [String], stored: (OperatingPoint, OperatingPoint.Figures)?
    ) {
        let intervals = result.intervals()
        func ci(_ name: String, percent: Bool = false) -> String {
            guard let range = intervals[name] else { return "" }
            return percent ? String(format: " (95%% CI %.1f–%.1f%%)", range.lowerBound * 100, range.upperBound * 100)
                : String(format: " (95%% CI %.3f–%.3f)", range.lowerBound, range.upperBound)
        }
        print(String(format: "%@ split: %d images, accuracy %.2f%%", result.split, result.predictions.count, result.accuracy * 100)
              + ci("accuracy", percent: true) + String(format: ", majority-class baseline %.2f%%", result.baselineAccuracy * 100))
        let rows = result.perClass.map { row -> [String] in
            let band = { (name: String) -> String in intervals[name].map { String(format: "%.2f–%.2f", $0.lowerBound, $0.upperBound) } ?? "-" }
            return [TerminalText.escaped(row.name), String(format: "%.3f", row.precision), band("precision/" + row.name), String(format: "%.3f", row.recall),
                    band("recall/" + row.name), String(format: "%.3f", row.f1), "\(row.support)"]
        }
        print(TextTable.render(header: ["class", "precision", "95% CI", "recall", "95% CI", "f1", "support"], rows: rows))
        print("confusion matrix (rows: true class, columns: predicted):")
        let names = result.classes.map(TerminalText.escaped)
        print(TextTable.render(header: ["true\\pred"] + names, rows: result.confusionMatrix.enumerated().map { [names[$0.offset]] + $0.element.map(String.init) }))
        let values = result.values
        let shown = ["balanced_accuracy", "f1_macro", "precision_macro", "recall_macro"] + extra
        for name in shown {
            if let value = values[name] { print(String(format: "%@: %.4f", name, value) + ci(name)) }
            if let failure = result.metricFailures[name] { print("\(name): not computed (\(failure))") }
        }
        if let (point, figures) = stored {
            print(String(format: "operating point (stored; chosen on %@): %@ when its score ≥ %.4f", point.chosenOn, TerminalText.escaped(point.question), point.threshold))
            print(String(format: "  on the %@ split: defect recall %.3f, precision %@, good parts rejected %.1f%% (%d images)", result.split, figures.recall,
                         figures.precision.map { String(format: "%.3f", $0) } ?? "-", figures.goodRejected * 100, figures.images))
            let m = figures.confusionMatrix
            print(TextTable.render(header: ["true\\called", "good", "defect"], rows: [["good", "\(m[0][0])", "\(m[0][1])"], ["defect", "\(m[1][0])", "\(m[1][1])"]]))
        }
        if let positiveClass {
            print("operating points computed on the \(result.split) split (--positive-class given), not read from the model file:")
            if let point = points["precision_at_recall"], let target = targetRecall {
                print(point["threshold"].map { String(format: "'%@' at recall ≥ %.3f: threshold %.4f gives precision %.3f", positiveClass, target, $0, point["value"] ?? .nan) }
                      ?? "'\(positiveClass)': no threshold reaches recall \(target)")
            }
            if let point = points["recall_at_precision"], let target = targetPrecision {
                print(point["threshold"].map { String(format: "'%@' at precision ≥ %.3f: threshold %.4f gives recall %.3f", positiveClass, target, $0, point["value"] ?? .nan) }
                      ?? "'\(positiveClass)': no threshold reaches precision \(target)")
            }
        }
        for warning in result.warnings { print("warning: \(warning)") }
        if !result.skipped.isEmpty {
            print("skipped \(result.skipped.count) unreadable images:")
            for bad in result.skipped.prefix(10) { print("  \(bad.path): \(bad.reason)") }
        }
        let mistakes = result.mistakes(limit: 5)
        if !mistakes.isEmpty {
            print("most confident mistakes:")
            for m in mistakes { print(String(format: "  %@  true %@, predicted %@ (%.1f%%)", m.path, m.truth, m.predicted, m.confidence * 100)) }
        }
    }
}
