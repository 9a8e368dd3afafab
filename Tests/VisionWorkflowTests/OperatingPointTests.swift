import Testing
@testable import VisionWorkflow

/// Thresholds for defect questions, against values worked by hand.
@Suite struct OperatingPointTests {
    @Test func wilsonLowerBoundMatchesTheTextbook() {
        // 19/19: 0.8318; 45/50: 0.7864 (Wilson, 95%).
        #expect(abs(OperatingPoint.wilsonLower(19, 19) - 0.8318) < 1e-3)
        #expect(abs(OperatingPoint.wilsonLower(45, 50) - 0.7864) < 1e-3)
        #expect(OperatingPoint.wilsonLower(0, 0) == 0)
    }

    @Test func theHighestThresholdThatReachesTheRecallTarget() throws {
        // Defects score 0.9, 0.8, 0.6, 0.3; good parts 0.7, 0.2, 0.1.
        let scores = [0.9, 0.8, 0.6, 0.3, 0.7, 0.2, 0.1]
        let defects = [true, true, true, true, false, false, false]
        // Recall 0.75 needs three of four defects: threshold 0.6 (the point estimate: four
        // defects can never give a lower bound of 0.75).
        let (threshold, method) = try #require(OperatingPoint.choose(scores: scores, defects: defects, target: .init(recall: 0.75)))
        #expect(threshold == 0.6 && method == "point_estimate")
        let figures = OperatingPoint.figures(scores: scores, defects: defects, threshold: threshold)
        #expect(figures.recall == 0.75 && figures.precision == 0.75 && abs(figures.goodRejected - 1.0 / 3) < 1e-12)
        #expect(figures.confusionMatrix == [[2, 1], [1, 3]])
        // Precision 1.0: the lowest threshold with no good part above it is 0.8.
        let precise = try #require(OperatingPoint.choose(scores: scores, defects: defects, target: .init(precision: 1)))
        #expect(precise.threshold == 0.8)
        // With many defects the conservative bound is used.
        let many = Array(repeating: 0.9, count: 200) + Array(repeating: 0.1, count: 200)
        let truth = Array(repeating: true, count: 200) + Array(repeating: false, count: 200)
        #expect(OperatingPoint.choose(scores: many, defects: truth, target: .init(recall: 0.9))?.method == "wilson_lower_bound")
    }

    @Test func decisionsFollowTheQuestion() {
        let classes = ["crack", "good", "stain"]
        let good = OperatingPoint(
            positiveClass: nil, goodClass: "good", threshold: 0.3, chosenOn: "val", method: "point_estimate", target: .init(recall: 0.9),
            validation: .init(images: 0, recall: 0, precision: nil, goodRejected: 0, confusionMatrix: []), test: nil)
        // P(good) = 0.6: defect score 0.4 ≥ 0.3, so the most probable defect class wins.
        let decision = good.decide([0.15, 0.6, 0.25], classes: classes)
        #expect(decision.defect && decision.label == 2 && abs(decision.score - 0.4) < 1e-6)
        #expect(good.decide([0.1, 0.8, 0.1], classes: classes).label == 1)
        var positive = good
        positive.goodClass = nil
        positive.positiveClass = "crack"
        #expect(positive.decide([0.35, 0.6, 0.05], classes: classes).label == 0)
        #expect(positive.decide([0.2, 0.3, 0.5], classes: classes).label == 2)
        #expect(positive.isDefect(0, classes: classes) && !positive.isDefect(2, classes: classes))
        #expect(good.isDefect(2, classes: classes) && !good.isDefect(1, classes: classes))
    }
}
