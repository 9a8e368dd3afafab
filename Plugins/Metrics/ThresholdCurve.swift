/// Cumulative true and false positives at each distinct score, highest first: the points of
/// scikit-learn's roc_curve and precision_recall_curve (tied scores form one point).
/// At point i a sample is called positive when its score ≥ `thresholds[i]`.
struct ThresholdCurve {
    let thresholds: [Double]
    let truePositives: [Int]
    let falsePositives: [Int]
    let positives: Int
    let negatives: Int

    init(scores: [Double], isPositive: [Bool]) {
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var thresholds: [Double] = [], tps: [Int] = [], fps: [Int] = []
        var tp = 0, fp = 0
        for (position, index) in order.enumerated() {
            if isPositive[index] { tp += 1 } else { fp += 1 }
            let next = position + 1 < order.count ? scores[order[position + 1]] : nil
            if next != scores[index] {
                thresholds.append(scores[index])
                tps.append(tp)
                fps.append(fp)
            }
        }
        self.thresholds = thresholds
        truePositives = tps
        falsePositives = fps
        positives = tp
        negatives = fp
    }

    /// Area under the ROC curve by trapezoids from (0, 0); nil unless both kinds are present.
    var rocAUC: Double? {
        guard positives > 0, negatives > 0 else { return nil }
        var area = 0.0, previousFPR = 0.0, previousTPR = 0.0
        for i in thresholds.indices {
            let fpr = Double(falsePositives[i]) / Double(negatives)
            let tpr = Double(truePositives[i]) / Double(positives)
            area += (fpr - previousFPR) * (tpr + previousTPR) / 2
            previousFPR = fpr
            previousTPR = tpr
        }
        return area
    }

    /// Average precision, Σ (R_i − R_{i−1})·P_i (a step sum, no interpolation); nil without positives.
    var averagePrecision: Double? {
        guard positives > 0 else { return nil }
        var sum = 0.0, previousRecall = 0.0
        for i in thresholds.indices {
            let recall = Double(truePositives[i]) / Double(positives)
            let precision = Double(truePositives[i]) / Double(truePositives[i] + falsePositives[i])
            sum += (recall - previousRecall) * precision
            previousRecall = recall
        }
        return sum
    }
}
