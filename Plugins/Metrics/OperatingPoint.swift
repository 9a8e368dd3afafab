import VisionMetricAPI

/// One threshold on the positive class's score and what it gives.
struct OperatingPoint {
    let threshold: Double
    let truePositives: Int
    let falsePositives: Int
    let positives: Int
    let negatives: Int

    var precision: Double { Double(truePositives) / Double(truePositives + falsePositives) }
    var recall: Double { Double(truePositives) / Double(positives) }

    /// Every distinct score as a threshold (positive when score ≥ threshold), highest first.
    static func all(_ buffer: ScoreBuffer, positiveClass: Int, metric: String) throws -> [OperatingPoint] {
        let curve = ThresholdCurve(
            scores: buffer.column(positiveClass), isPositive: buffer.targets.map { $0 == positiveClass })
        guard curve.positives > 0 else {
            throw MetricError.undefined(metric: metric, reason: "class \(positiveClass) never occurs in the targets")
        }
        return curve.thresholds.indices.map {
            OperatingPoint(
                threshold: curve.thresholds[$0], truePositives: curve.truePositives[$0],
                falsePositives: curve.falsePositives[$0], positives: curve.positives, negatives: curve.negatives)
        }
    }

    /// The result: `value` (recall or precision), the threshold, and the counts at it.
    func result(value: Double) -> MetricResult {
        MetricResult(
            value: value, threshold: threshold,
            details: [
                "precision": precision, "recall": recall,
                "true_positives": Double(truePositives), "false_positives": Double(falsePositives),
                "false_negatives": Double(positives - truePositives),
                "true_negatives": Double(negatives - falsePositives),
                // The share of negatives flagged: "how many good parts do we reject".
                "false_positive_rate": negatives == 0 ? 0 : Double(falsePositives) / Double(negatives),
            ])
    }
}
