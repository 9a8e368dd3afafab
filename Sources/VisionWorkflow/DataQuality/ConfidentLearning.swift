/// Label issues by confident learning (Northcutt et al., as cleanlab finds them): from
/// out-of-sample predicted probabilities, each class j gets a threshold t_j, the mean probability
/// of j over the images labelled j (the model's typical self-confidence there). An image counts
/// as confidently of class j when p_j ≥ t_j; an image labelled i that is confidently of another
/// class (the most probable such) is off the diagonal of the confident joint: a likely label
/// error. Flagged images are ranked by normalised margin, p_suggested − p_given, most suspicious
/// first; the others follow by the same score.
public enum ConfidentLearning {
    public struct Ranked: Sendable, Equatable, Codable {
        /// Index into the images given.
        public var index: Int
        public var given: Int
        public var suggested: Int
        /// p_suggested − p_given (−1…1): larger is more suspicious.
        public var score: Double
        /// Off the confident joint's diagonal.
        public var flagged: Bool
    }

    /// Per-class thresholds: the mean self-confidence of each class (∞ for a class with no image,
    /// which then takes no one).
    public static func thresholds(probabilities: [Float], labels: [Int], classes: Int) -> [Double] {
        var sums = [Double](repeating: 0, count: classes), counts = [Int](repeating: 0, count: classes)
        for (row, label) in labels.enumerated() where label < classes {
            sums[label] += Double(probabilities[row * classes + label])
            counts[label] += 1
        }
        return (0..<classes).map { counts[$0] > 0 ? sums[$0] / Double(counts[$0]) : .infinity }
    }

    /// Every image ranked, flagged ones first; `probabilities` is N × classes, row-major.
    public static func rank(probabilities: [Float], labels: [Int], classes: Int) -> [Ranked] {
        let t = thresholds(probabilities: probabilities, labels: labels, classes: classes)
        var ranked: [Ranked] = []
        for (row, given) in labels.enumerated() where given < classes {
            let p = probabilities[(row * classes)..<((row + 1) * classes)].map(Double.init)
            // The most probable class among those the image is confidently of.
            let confident = (0..<classes).filter { p[$0] >= t[$0] }.max { p[$0] < p[$1] }
            let others = (0..<classes).filter { $0 != given }
            let suggested = confident.flatMap { $0 == given ? nil : $0 } ?? others.max { p[$0] < p[$1] } ?? given
            ranked.append(Ranked(
                index: row, given: given, suggested: suggested, score: p[suggested] - p[given],
                flagged: confident != nil && confident != given))
        }
        return ranked.sorted { ($0.flagged ? 1 : 0, $0.score, -$0.index) > ($1.flagged ? 1 : 0, $1.score, -$1.index) }
    }
}
