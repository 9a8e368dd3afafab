import VisionPluginAPI
/// Checks one `update` batch before any state changes, with messages naming the metric.
public enum MetricInputCheck {
    /// Throws unless predictions and targets have one entry per sample, every label is in
    /// `0..<numClasses`, and scores (when given, or when `needsScores`) are N×K finite numbers.
    public static func check(
        metric: String, numClasses: Int, predictions: [Int], scores: [Float]?, targets: [Int],
        needsScores: Bool
    ) throws {
        guard predictions.count == targets.count else {
            throw MetricError.invalidInput(
                metric: metric,
                detail: "expected one prediction per target, got \(predictions.count) predictions and \(targets.count) targets")
        }
        if let bad = targets.firstIndex(where: { $0 < 0 || $0 >= numClasses }) {
            throw MetricError.invalidInput(
                metric: metric, detail: "target \(bad) is class \(targets[bad]), expected 0..<\(numClasses)")
        }
        if let bad = predictions.firstIndex(where: { $0 < 0 || $0 >= numClasses }) {
            throw MetricError.invalidInput(
                metric: metric, detail: "prediction \(bad) is class \(predictions[bad]), expected 0..<\(numClasses)")
        }
        guard let scores else {
            if needsScores { throw MetricError.scoresRequired(metric: metric) }
            return
        }
        guard scores.count == targets.count * numClasses else {
            throw MetricError.invalidInput(
                metric: metric,
                detail: "expected \(targets.count)×\(numClasses) = \(targets.count * numClasses) scores, got \(scores.count)")
        }
        if let bad = scores.firstIndex(where: { !$0.isFinite }) {
            throw MetricError.invalidInput(
                metric: metric,
                detail: "score of sample \(bad / numClasses), class \(bad % numClasses) is \(scores[bad]), expected a finite number")
        }
    }

    /// Throws unless every score is in [0, 1] and each row sums to 1 within `tolerance`.
    public static func checkProbabilities(
        metric: String, numClasses: Int, scores: [Float], tolerance: Double = 1e-3
    ) throws {
        if let bad = scores.firstIndex(where: { $0 < 0 || $0 > 1 }) {
            throw MetricError.invalidInput(
                metric: metric,
                detail: "score of sample \(bad / numClasses), class \(bad % numClasses) is \(scores[bad]), expected a probability in [0, 1]")
        }
        guard numClasses > 0 else { return }
        for row in 0..<(scores.count / numClasses) {
            var sum = 0.0
            for k in 0..<numClasses { sum += Double(scores[row * numClasses + k]) }
            if abs(sum - 1) > tolerance {
                throw MetricError.invalidInput(
                    metric: metric,
                    detail: "scores of sample \(row) sum to \(sum), expected probabilities summing to 1 (apply softmax to logits)")
            }
        }
    }
}
