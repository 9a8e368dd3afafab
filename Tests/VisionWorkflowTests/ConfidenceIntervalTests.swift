import Testing
@testable import VisionWorkflow

/// 95% intervals against published values and their own definitions.
@Suite struct ConfidenceIntervalTests {
    @Test func wilsonMatchesPublishedValues() {
        // 10/20: 0.2993–0.7007; 0/10: 0–0.2775; 143/152 (94.1%): 0.8918–0.9689.
        let half = ConfidenceIntervals.wilson(10, 20)
        #expect(abs(half.lowerBound - 0.2993) < 1e-3 && abs(half.upperBound - 0.7007) < 1e-3)
        let none = ConfidenceIntervals.wilson(0, 10)
        #expect(none.lowerBound == 0 && abs(none.upperBound - 0.2775) < 1e-3)
        #expect(ConfidenceIntervals.wilson(0, 0) == 0...1)
        #expect(abs(OperatingPoint.wilsonLower(19, 19) - ConfidenceIntervals.wilson(19, 19).lowerBound) < 1e-12)
    }

    @Test func bootstrapIsSeededAndBracketsTheEstimate() throws {
        // 3 classes, 90 images, 75 right.
        var predicted: [Int] = [], targets: [Int] = []
        for i in 0..<90 {
            targets.append(i % 3)
            predicted.append(i % 6 == 0 ? (i + 1) % 3 : i % 3)
        }
        let matrix = (0..<3).map { t in (0..<3).map { p in zip(predicted, targets).filter { $0.1 == t && $0.0 == p }.count } }
        let estimate = ConfidenceIntervals.macroF1(matrix)
        let first = try #require(ConfidenceIntervals.bootstrap(predicted: predicted, targets: targets, classes: 3, ConfidenceIntervals.macroF1))
        let again = try #require(ConfidenceIntervals.bootstrap(predicted: predicted, targets: targets, classes: 3, ConfidenceIntervals.macroF1))
        #expect(first == again)
        #expect(first.contains(estimate) && first.upperBound - first.lowerBound > 0.05 && first.upperBound - first.lowerBound < 0.4)
        #expect(abs(ConfidenceIntervals.balancedAccuracy([[8, 2], [1, 9]]) - 0.85) < 1e-12)
        #expect(abs(ConfidenceIntervals.macroF1([[8, 2], [1, 9]]) - (16.0 / 19 + 18.0 / 21) / 2) < 1e-12)
    }
}
