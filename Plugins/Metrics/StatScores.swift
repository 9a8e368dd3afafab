import VisionMetricAPI

/// Precision, recall and F-beta from the stat scores (tp, fp, fn per class) of a confusion matrix.
enum StatScores {
    enum Kind {
        case precision
        case recall
        case fScore(beta: Double)
    }

    /// Per-class values, macro/micro/weighted averages and the configured headline.
    /// Macro leaves out classes absent from both targets and predictions (as scikit-learn does
    /// without `labels=`, and torchmetrics), and NaN values under the `nan` policy.
    static func result(_ kind: Kind, confusion: ConfusionMatrix, configuration: ClassScoreConfiguration) -> MetricResult {
        let tp = confusion.truePositives.map(Double.init)
        let fp = confusion.falsePositives.map(Double.init)
        let fn = confusion.falseNegatives.map(Double.init)
        let policy = configuration.zeroDivision
        func score(_ tp: Double, _ fp: Double, _ fn: Double) -> Double {
            switch kind {
            case .precision: return policy.divide(tp, tp + fp)
            case .recall: return policy.divide(tp, tp + fn)
            case .fScore(let beta):
                // (1+β²)·tp / ((1+β²)·tp + β²·fn + fp): defined whenever the class was seen at all.
                let b2 = beta * beta
                return policy.divide((1 + b2) * tp, (1 + b2) * tp + b2 * fn + fp)
            }
        }
        let perClass = (0..<confusion.numClasses).map { score(tp[$0], fp[$0], fn[$0]) }
        let seen = (0..<confusion.numClasses).map { tp[$0] + fp[$0] + fn[$0] > 0 }
        let averages: [MetricAverage: Double] = [
            .macro: ClassReduction.macro(perClass, included: seen),
            .micro: score(tp.reduce(0, +), fp.reduce(0, +), fn.reduce(0, +)),
            .weighted: ClassReduction.weighted(perClass, weights: confusion.support.map(Double.init)),
        ]
        let value: Double?
        switch configuration.average {
        case .macro: value = averages[.macro]
        case .micro: value = averages[.micro]
        case .weighted: value = averages[.weighted]
        case .binary: value = perClass[configuration.positiveClass]
        }
        return MetricResult(value: value, perClass: perClass, averages: averages)
    }
}
