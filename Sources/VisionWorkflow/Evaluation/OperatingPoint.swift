import Foundation

/// A decision threshold that travels with the model (`operating_point` in the model file): for
/// defect questions, "call it defective when the defect score reaches `threshold`". The score
/// is P(positive class), or 1 − P(good class) when every class but the good one is a defect.
/// Chosen on the validation split for a target recall or precision, conservatively when the
/// split allows it (the 95% Wilson lower bound of the target figure must reach the target), and
/// used by `evaluate`, `infer` and `serve`.
public struct OperatingPoint: Codable, Sendable, Equatable {
    public struct Target: Codable, Sendable, Equatable {
        public var recall: Double?
        public var precision: Double?
    }

    /// The defect question's figures at the threshold on one split.
    public struct Figures: Codable, Sendable, Equatable {
        public var images: Int
        /// Defects found / defects present.
        public var recall: Double
        /// Defects found / parts called defective (NaN when none was: stored as null).
        public var precision: Double?
        /// Good parts called defective / good parts.
        public var goodRejected: Double
        /// [[good called good, good called defective], [defective called good, defective called defective]].
        public var confusionMatrix: [[Int]]

        enum CodingKeys: String, CodingKey {
            case images, recall, precision, goodRejected = "good_rejected", confusionMatrix = "confusion_matrix"
        }
    }

    public var positiveClass: String?
    public var goodClass: String?
    public var threshold: Double
    public var chosenOn: String
    /// "wilson_lower_bound" (conservative) or "point_estimate" (too few validation images for the bound).
    public var method: String
    public var target: Target
    public var validation: Figures
    public var test: Figures?

    enum CodingKeys: String, CodingKey {
        case positiveClass = "positive_class", goodClass = "good_class", threshold, chosenOn = "chosen_on", method, target, validation, test
    }

    /// What the question calls a defect, as a sentence fragment.
    public var question: String {
        if let positiveClass { return "'\(positiveClass)'" }
        return "not '\(goodClass ?? "")'"
    }

    /// The defect score of one prediction.
    public func score(_ probabilities: [Float], classes: [String]) -> Double {
        if let positiveClass, let index = classes.firstIndex(of: positiveClass), index < probabilities.count {
            return Double(probabilities[index])
        }
        if let goodClass, let index = classes.firstIndex(of: goodClass), index < probabilities.count {
            return 1 - Double(probabilities[index])
        }
        return 0
    }

    /// The class this point decides on: above the threshold the positive class (or the most
    /// probable defect class); below it the most probable non-defect class (or the good class).
    public func decide(_ probabilities: [Float], classes: [String]) -> (label: Int, defect: Bool, score: Double) {
        let score = self.score(probabilities, classes: classes)
        let defect = score >= threshold
        let special = classes.firstIndex(of: positiveClass ?? goodClass ?? "") ?? 0
        let isDefectClass = { (index: Int) -> Bool in positiveClass != nil ? index == special : index != special }
        let candidates = probabilities.indices.filter { isDefectClass($0) == defect }
        let label = candidates.max { probabilities[$0] < probabilities[$1] } ?? special
        return (label, defect, score)
    }

    /// Whether each target is a defect, from its class index.
    public func isDefect(_ target: Int, classes: [String]) -> Bool {
        guard target < classes.count else { return false }
        return positiveClass != nil ? classes[target] == positiveClass : classes[target] != goodClass
    }

    /// The defect score and whether it truly is a defect, for each prediction of a pass.
    public func scored(_ predictions: Predictions) -> (scores: [Double], defects: [Bool]) {
        let classes = predictions.classes, k = classes.count
        let scores = (0..<predictions.count).map { score(Array(predictions.probabilities[($0 * k)..<(($0 + 1) * k)]), classes: classes) }
        return (scores, predictions.targets.map { isDefect($0, classes: classes) })
    }

    /// The figures at `threshold` for these scores and truths.
    public static func figures(scores: [Double], defects: [Bool], threshold: Double) -> Figures {
        var m = [[0, 0], [0, 0]]
        for (score, defect) in zip(scores, defects) { m[defect ? 1 : 0][score >= threshold ? 1 : 0] += 1 }
        let present = m[1][0] + m[1][1], called = m[0][1] + m[1][1], good = m[0][0] + m[0][1]
        return Figures(
            images: scores.count, recall: present > 0 ? Double(m[1][1]) / Double(present) : 0,
            precision: called > 0 ? Double(m[1][1]) / Double(called) : nil, goodRejected: good > 0 ? Double(m[0][1]) / Double(good) : 0,
            confusionMatrix: m)
    }

    /// The lower end of the 95% Wilson interval of `successes` out of `trials`.
    public static func wilsonLower(_ successes: Int, _ trials: Int) -> Double {
        trials > 0 ? ConfidenceIntervals.wilson(successes, trials).lowerBound : 0
    }

    /// The threshold for `target` on these scores: for a recall target the highest threshold
    /// whose recall reaches it (the most precise such point), for a precision target the lowest
    /// whose precision reaches it (the most defects found). Conservative first (Wilson lower
    /// bound), else on the point estimate; nil when no threshold reaches the target at all.
    public static func choose(scores: [Double], defects: [Bool], target: Target) -> (threshold: Double, method: String)? {
        // Candidate thresholds: every distinct score, highest first.
        let candidates = Array(Set(scores)).sorted(by: >)
        let present = defects.filter { $0 }.count
        guard present > 0, !candidates.isEmpty else { return nil }
        for conservative in [true, false] {
            if let recall = target.recall {
                // Lowering the threshold only adds defects found: the first that reaches the target is the highest.
                for t in candidates {
                    let found = zip(scores, defects).filter { $0.1 && $0.0 >= t }.count
                    let value = conservative ? wilsonLower(found, present) : Double(found) / Double(present)
                    if value >= recall { return (t, conservative ? "wilson_lower_bound" : "point_estimate") }
                }
            } else if let precision = target.precision {
                for t in candidates.reversed() {
                    let called = scores.filter { $0 >= t }.count
                    let right = zip(scores, defects).filter { $0.1 && $0.0 >= t }.count
                    let value = conservative ? wilsonLower(right, called) : (called > 0 ? Double(right) / Double(called) : 0)
                    if value >= precision { return (t, conservative ? "wilson_lower_bound" : "point_estimate") }
                }
            }
        }
        return nil
    }
}
