import VisionMetricAPI

/// A ranking score (ROC-AUC, average precision) for two classes, or one-vs-rest for more.
enum OneVsRest {
    /// Two classes: the positive class's score against the rest. More: per class, macro and
    /// weighted (by support) means of the per-class values, and micro (all classes' one-vs-rest
    /// pairs pooled). A class with no positive samples has a NaN value and makes macro and
    /// weighted NaN, as in scikit-learn; a NaN headline throws `undefined`.
    static func result(
        metric: String, buffer: ScoreBuffer, configuration: RankingConfiguration,
        score: (ThresholdCurve) -> Double?
    ) throws -> MetricResult {
        let k = buffer.numClasses
        if k == 2 {
            let positive = configuration.positiveClass
            let curve = ThresholdCurve(scores: buffer.column(positive), isPositive: buffer.targets.map { $0 == positive })
            guard let value = score(curve) else {
                throw MetricError.undefined(metric: metric, reason: missing(curve, positive: positive))
            }
            return MetricResult(value: value)
        }
        var perClass: [Double] = []
        var reasons: [String] = []
        for c in 0..<k {
            let curve = ThresholdCurve(scores: buffer.column(c), isPositive: buffer.targets.map { $0 == c })
            if let value = score(curve) {
                perClass.append(value)
            } else {
                perClass.append(.nan)
                reasons.append(missing(curve, positive: c))
            }
        }
        let support = (0..<k).map { c in Double(buffer.targets.filter { $0 == c }.count) }
        var pooledScores: [Double] = [], pooledLabels: [Bool] = []
        pooledScores.reserveCapacity(buffer.scores.count)
        pooledLabels.reserveCapacity(buffer.scores.count)
        for (row, target) in buffer.targets.enumerated() {
            for c in 0..<k {
                pooledScores.append(Double(buffer.scores[row * k + c]))
                pooledLabels.append(target == c)
            }
        }
        let anyUndefined = perClass.contains { $0.isNaN }
        var averages: [MetricAverage: Double] = [
            .macro: anyUndefined ? .nan : ClassReduction.macro(perClass),
            .weighted: anyUndefined ? .nan : ClassReduction.weighted(perClass, weights: support),
        ]
        averages[.micro] = score(ThresholdCurve(scores: pooledScores, isPositive: pooledLabels)) ?? .nan
        let value: Double
        switch configuration.average {
        case .micro: value = averages[.micro] ?? .nan
        case .weighted: value = averages[.weighted] ?? .nan
        case .macro, .binary: value = averages[.macro] ?? .nan
        }
        if value.isNaN {
            throw MetricError.undefined(metric: metric, reason: reasons.first ?? "no class has both positive and negative samples")
        }
        return MetricResult(value: value, perClass: perClass, averages: averages)
    }

    /// Why `score` gave nothing: no positives (both scores need them) or no negatives (ROC).
    private static func missing(_ curve: ThresholdCurve, positive: Int) -> String {
        if curve.positives == 0 { return "class \(positive) never occurs in the targets" }
        return "every target is class \(positive), so there are no negatives to rank"
    }
}
