import VisionData
import VisionMetricAPI

/// What an evaluation found: the predictions, every metric plugin's result by name, the
/// majority-class baseline and the overfitting check. The CLI, JSON and HTML only format it.
public struct EvaluationResult: Sendable {
    /// Which images: `test`, `val`, `train` or `all`.
    public var split: String
    public var predictions: Predictions
    /// Each metric's result, by registry name.
    public var metrics: [String: MetricResult]
    /// Metrics that could not be computed on these images, and why.
    public var metricFailures: [String: String]
    /// Accuracy of always answering the training split's most frequent class.
    public var baselineAccuracy: Double
    /// Accuracy on the training split, for the overfitting check (nil when not measured).
    public var trainAccuracy: Double?
    /// Files that could not be decoded and were left out.
    public var skipped: [BadImage]

    public var classes: [String] { predictions.classes }
    public var accuracy: Double { metrics["accuracy"]?.value ?? .nan }
    public var loss: Double { predictions.meanLoss }

    /// Metric values by the naming rule (`accuracy`, `f1_macro`, …) plus `loss`.
    public var values: [String: Double] {
        var values = MetricSuite.values(metrics)
        values["loss"] = loss
        return values
    }

    /// counts[true][predicted], from the confusion-matrix metric.
    public var confusionMatrix: [[Int]] {
        if let matrix = metrics["confusion_matrix"]?.matrix { return matrix.map { $0.map { Int($0) } } }
        return Array(repeating: Array(repeating: 0, count: classes.count), count: classes.count)
    }

    /// One row of the per-class table.
    public struct ClassRow: Sendable, Equatable {
        public var name: String
        public var precision: Double
        public var recall: Double
        public var f1: Double
        public var support: Int
    }

    /// Precision, recall and F1 per class (from the metric plugins) with each class's support.
    public var perClass: [ClassRow] {
        let matrix = confusionMatrix
        return classes.indices.map { index in
            ClassRow(
                name: classes[index], precision: metrics["precision"]?.perClass?[index] ?? .nan,
                recall: metrics["recall"]?.perClass?[index] ?? .nan, f1: metrics["f1"]?.perClass?[index] ?? .nan,
                support: matrix[index].reduce(0, +))
        }
    }

    /// A wrong prediction and how sure the model was.
    public struct Mistake: Sendable, Equatable {
        public var path: String
        public var truth: String
        public var predicted: String
        public var confidence: Double
    }

    /// The wrong predictions, most confident first.
    public func mistakes(limit: Int = .max) -> [Mistake] {
        var found: [Mistake] = []
        for index in 0..<predictions.count where predictions.predicted[index] != predictions.targets[index] {
            let p = predictions.predicted[index]
            found.append(Mistake(
                path: predictions.paths[index], truth: classes[predictions.targets[index]], predicted: classes[p],
                confidence: Double(predictions.row(index)[predictions.row(index).startIndex + p])))
        }
        return Array(found.sorted { $0.confidence > $1.confidence }.prefix(limit))
    }

    /// The warnings a careful reader needs: no better than the baseline, or overfitting.
    public var warnings: [String] {
        var warnings: [String] = []
        if accuracy < baselineAccuracy + 0.05 { warnings.append("accuracy is not clearly above the majority-class baseline") }
        if let train = trainAccuracy, train - accuracy > 0.1 {
            warnings.append(
                "train accuracy \(Self.percent(train)) vs \(split) \(Self.percent(accuracy)): the model overfits")
        }
        return warnings
    }

    static func percent(_ value: Double) -> String {
        let tenths = (value * 1000).rounded() / 10
        return "\(tenths)%"
    }
}
