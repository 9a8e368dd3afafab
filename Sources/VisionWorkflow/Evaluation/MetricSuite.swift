import VisionMetricAPI

/// The metric plugins a run computes on every validation pass and an evaluation reports, and
/// the one naming rule for their values: the metric's name for its headline value (`accuracy`,
/// `f1`), plus `_AVERAGE` for each average it defines (`f1_macro`, `recall_weighted`). In a run,
/// validation figures carry a `val_` prefix and test figures `test_`.
public struct MetricSuite: Sendable {
    /// Computed whatever the user asks: accuracy and the per-class table come from these.
    public static let defaults = ["accuracy", "balanced_accuracy", "precision", "recall", "f1", "confusion_matrix"]

    public let names: [String]
    let registry: MetricRegistry

    /// The defaults plus `extra` (registered names, or value names such as `f1_macro`, whose
    /// metric is added); an unknown name fails with the registry's "did you mean".
    public init(registry: MetricRegistry, extra: [String] = []) throws {
        var names = Self.defaults
        for name in extra {
            let metric = try MetricValueName(name, registry: registry).metric
            if let metric, !names.contains(metric) { names.append(metric) }
        }
        self.names = names
        self.registry = registry
    }

    /// Every metric over `predictions`. A metric undefined on these images (ROC-AUC with one
    /// class absent, say) is left out rather than failing the run; `failures` says why.
    public func compute(_ predictions: Predictions) -> (results: [String: MetricResult], failures: [String: String]) {
        var results: [String: MetricResult] = [:]
        var failures: [String: String] = [:]
        guard predictions.count > 0 else { return ([:], [:]) }
        for name in names {
            do {
                var metric = try registry.make(name, numClasses: predictions.classes.count)
                try metric.update(predictions: predictions.predicted, scores: predictions.probabilities, targets: predictions.targets)
                results[name] = try metric.compute()
            } catch {
                failures[name] = "\(error)"
            }
        }
        return (results, failures)
    }

    /// The values of `results` by the naming rule, with `prefix` (`val_`) in front.
    public static func values(_ results: [String: MetricResult], prefix: String = "") -> [String: Double] {
        var values: [String: Double] = [:]
        for (name, result) in results {
            if let value = result.value { values[prefix + name] = value }
            for (average, value) in result.averages { values[prefix + name + "_" + average.rawValue] = value }
        }
        return values
    }
}

/// A metric value's name, parsed: `val_f1_macro` is metric `f1`, average `macro`, measured on
/// the validation split; `val_loss` (or `loss`) is the mean cross-entropy, which no plugin computes.
public struct MetricValueName: Sendable, Equatable, CustomStringConvertible {
    /// The registered metric, nil for the loss.
    public let metric: String?
    public let average: MetricAverage?
    /// Whether a larger value is better (the metric's `goal`; the loss is minimised).
    public let higherIsBetter: Bool

    public init(_ text: String, registry: MetricRegistry) throws {
        var name = text
        if name.hasPrefix("val_") { name.removeFirst(4) }
        if name == "loss" {
            metric = nil
            average = nil
            higherIsBetter = false
            return
        }
        var average: MetricAverage?
        if !registry.names().contains(name), let cut = name.lastIndex(of: "_"),
            let parsed = MetricAverage(rawValue: String(name[name.index(after: cut)...]))
        {
            average = parsed
            name = String(name[..<cut])
        }
        let descriptor = try registry.descriptor(name)
        guard descriptor.goal != .none else {
            throw MetricError.invalidInput(metric: name, detail: "has no single value to compare (its goal is none)")
        }
        if let average {
            // Not every metric defines every average (accuracy has none): ask one that has seen
            // three classes (two would take the binary path of ROC-AUC and average precision).
            var probe = try registry.make(name, numClasses: 3)
            try? probe.update(predictions: [0, 1, 2], scores: [0.8, 0.1, 0.1, 0.2, 0.7, 0.1, 0.1, 0.2, 0.7], targets: [0, 1, 2])
            if let result = try? probe.compute(), result.averages[average] == nil {
                let known = result.averages.keys.sorted().map { "\(name)_\($0.rawValue)" }
                throw MetricError.invalidInput(
                    metric: name, detail: "has no \(average.rawValue) average" + (known.isEmpty ? "; use '\(name)'" : "; use one of \(known.joined(separator: ", "))"))
            }
        }
        metric = name
        self.average = average
        higherIsBetter = descriptor.higherIsBetter
    }

    /// The key of this value in a run's figures: `val_f1_macro`, `val_loss`.
    public var key: String { "val_" + (metric.map { $0 + (average.map { "_" + $0.rawValue } ?? "") } ?? "loss") }

    public var description: String { key }

    /// Whether `value` beats `best` (nil: nothing yet); NaN never does.
    public func improves(_ value: Double, on best: Double?) -> Bool {
        guard !value.isNaN else { return false }
        guard let best else { return true }
        return higherIsBetter ? value > best : value < best
    }
}
