import VisionData

/// 95% intervals for the headline figures of an evaluation: small test splits are noisy (106
/// images give about ±4 points of accuracy). Wilson's interval for proportions (accuracy, a
/// class's recall or precision); a seeded percentile bootstrap (1,000 resamples of the images)
/// for figures that are not proportions (macro-F1, balanced accuracy).
public enum ConfidenceIntervals {
    /// Wilson's 95% interval of `successes` out of `trials` ([0, 1] when there are none).
    public static func wilson(_ successes: Int, _ trials: Int, z: Double = 1.96) -> ClosedRange<Double> {
        guard trials > 0 else { return 0...1 }
        let n = Double(trials), p = Double(successes) / n
        let centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        let margin = z * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot() / (1 + z * z / n)
        return max(0, centre - margin)...min(1, centre + margin)
    }

    /// The 2.5th and 97.5th percentiles of `statistic` over `resamples` bootstrap resamples of
    /// the (predicted, target) pairs; seeded, so the same evaluation gives the same interval.
    public static func bootstrap(
        predicted: [Int], targets: [Int], classes: Int, resamples: Int = 1000, seed: UInt64 = 0,
        _ statistic: ([[Int]]) -> Double
    ) -> ClosedRange<Double>? {
        let n = min(predicted.count, targets.count)
        guard n > 0, classes > 0 else { return nil }
        var generator = RandomGenerator(seed: seed)
        var values: [Double] = []
        values.reserveCapacity(resamples)
        var matrix = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for _ in 0..<resamples {
            for row in 0..<classes { for column in 0..<classes { matrix[row][column] = 0 } }
            for _ in 0..<n {
                let i = generator.int(below: n)
                if targets[i] < classes, predicted[i] < classes { matrix[targets[i]][predicted[i]] += 1 }
            }
            let value = statistic(matrix)
            if value.isFinite { values.append(value) }
        }
        guard !values.isEmpty else { return nil }
        values.sort()
        let lo = values[Int((Double(values.count - 1) * 0.025).rounded())]
        let hi = values[Int((Double(values.count - 1) * 0.975).rounded())]
        return lo...hi
    }

    /// Macro-F1 of a confusion matrix (rows true, columns predicted), over classes present in it.
    public static func macroF1(_ m: [[Int]]) -> Double {
        var total = 0.0, counted = 0
        for k in m.indices {
            let tp = Double(m[k][k])
            let actual = Double(m[k].reduce(0, +))
            let called = Double(m.reduce(0) { $0 + $1[k] })
            guard actual > 0 || called > 0 else { continue }
            total += actual + called > 0 ? 2 * tp / (actual + called) : 0
            counted += 1
        }
        return counted > 0 ? total / Double(counted) : .nan
    }

    /// Balanced accuracy (mean recall over the classes present).
    public static func balancedAccuracy(_ m: [[Int]]) -> Double {
        let recalls = m.indices.compactMap { k -> Double? in
            let actual = m[k].reduce(0, +)
            return actual > 0 ? Double(m[k][k]) / Double(actual) : nil
        }
        return recalls.isEmpty ? .nan : recalls.reduce(0, +) / Double(recalls.count)
    }
}

extension EvaluationResult {
    /// 95% intervals of the headline figures: accuracy (Wilson), macro-F1 and balanced accuracy
    /// (bootstrap), and each class's recall and precision (Wilson) as `recall/CLASS`, `precision/CLASS`.
    public func intervals() -> [String: ClosedRange<Double>] {
        let p = predictions
        var out: [String: ClosedRange<Double>] = [:]
        let right = zip(p.predicted, p.targets).filter { $0 == $1 }.count
        out["accuracy"] = ConfidenceIntervals.wilson(right, p.count)
        let k = classes.count
        if let f1 = ConfidenceIntervals.bootstrap(predicted: p.predicted, targets: p.targets, classes: k, ConfidenceIntervals.macroF1) {
            out["f1_macro"] = f1
        }
        if let balanced = ConfidenceIntervals.bootstrap(
            predicted: p.predicted, targets: p.targets, classes: k, seed: 1, ConfidenceIntervals.balancedAccuracy)
        {
            out["balanced_accuracy"] = balanced
        }
        let m = confusionMatrix
        for (index, name) in classes.enumerated() where index < m.count {
            let actual = m[index].reduce(0, +), called = m.reduce(0) { $0 + $1[index] }
            if actual > 0 { out["recall/" + name] = ConfidenceIntervals.wilson(m[index][index], actual) }
            if called > 0 { out["precision/" + name] = ConfidenceIntervals.wilson(m[index][index], called) }
        }
        return out
    }
}
