import Foundation
import Testing
import VisionMetricAPI
import VisionMetrics

/// Small cases worked out by hand (the arithmetic is in the comments).
@Suite struct HandWorkedTests {
    // Three classes. Rows are targets:    predicted 0  1  2
    //   target 0 (3 samples)                        2  1  0
    //   target 1 (2 samples)                        0  1  1
    //   target 2 (1 sample)                         0  0  1
    static let targets = [0, 0, 0, 1, 1, 2]
    static let predictions = [0, 0, 1, 1, 2, 2]

    func labels(_ name: String, _ configuration: PluginConfiguration = [:]) throws -> MetricResult {
        var metric = try builtinRegistry().make(name, numClasses: 3, configuration: configuration)
        try metric.update(predictions: Self.predictions, scores: nil, targets: Self.targets)
        return try metric.compute()
    }

    @Test func accuracyIsTheDiagonalOverTheTotal() throws {
        #expect(close(try labels("accuracy").value, 4.0 / 6))
    }

    @Test func precisionPerClassAndAverages() throws {
        // tp = [2, 1, 1], predicted = [2, 2, 2], support = [3, 2, 1].
        let result = try labels("precision")
        #expect(closeAll(result.perClass, [1, 0.5, 0.5]))
        #expect(close(result.value, 2.0 / 3))
        #expect(close(result.averages[.macro], 2.0 / 3))
        #expect(close(result.averages[.micro], 4.0 / 6))
        let weighted: Double = (3 * 1 + 2 * 0.5 + 1 * 0.5) / 6
        #expect(close(result.averages[.weighted], weighted))
    }

    @Test func recallPerClassAndAverages() throws {
        let result = try labels("recall", ["average": "weighted"])
        #expect(closeAll(result.perClass, [2.0 / 3, 0.5, 1]))
        #expect(close(result.averages[.macro], (2.0 / 3 + 0.5 + 1) / 3))
        #expect(close(result.value, 4.0 / 6))  // weighted recall is accuracy
    }

    @Test func f1AndFBeta() throws {
        // F1 = 2tp / (2tp + fp + fn): class 0: 4/5, class 1: 2/4, class 2: 2/3.
        let f1 = try labels("f1", ["average": "micro"])
        #expect(closeAll(f1.perClass, [0.8, 0.5, 2.0 / 3]))
        #expect(close(f1.averages[.macro], (0.8 + 0.5 + 2.0 / 3) / 3))
        #expect(close(f1.value, 4.0 / 6))
        // F2 = 5tp / (5tp + 4fn + fp): class 0: 10/14, class 1: 5/10, class 2: 5/6.
        let f2 = try labels("fbeta", ["beta": 2])
        #expect(closeAll(f2.perClass, [10.0 / 14, 0.5, 5.0 / 6]))
    }

    @Test func balancedAccuracyIsTheMeanRecall() throws {
        #expect(close(try labels("balanced_accuracy").value, (2.0 / 3 + 0.5 + 1) / 3))
        // Adjusted: (score − 1/3) / (1 − 1/3).
        let adjusted = try labels("balanced_accuracy", ["adjusted": true])
        let expected: Double = ((2.0 / 3 + 0.5 + 1) / 3 - 1.0 / 3) / (2.0 / 3)
        #expect(close(adjusted.value, expected))
    }

    @Test func confusionMatrixCountsAndRowRates() throws {
        let result = try labels("confusion_matrix")
        #expect(result.value == nil)
        #expect(result.matrix == [[2, 1, 0], [0, 1, 1], [0, 0, 1]])
        #expect(closeAll(result.normalizedMatrix?.flatMap { $0 }, [2.0 / 3, 1.0 / 3, 0, 0, 0.5, 0.5, 0, 0, 1]))
    }

    @Test func cohenKappa() throws {
        // p_o = 4/6; p_e = (3·2 + 2·2 + 1·2) / 36 = 1/3; κ = (2/3 − 1/3) / (1 − 1/3) = 1/2.
        #expect(close(try labels("cohen_kappa").value, 0.5))
        // Linear weights |i−j|: observed = 1 + 1 = 2; expected = Σ|i−j|·row_i·col_j / 6
        // = (2/6)·(3·3 + 2·2 + 1·3) = 32/6; κ = 1 − 2/(32/6) = 0.625.
        #expect(close(try labels("cohen_kappa", ["weights": "linear"]).value, 1 - 2 / (32.0 / 6)))
    }

    @Test func matthewsCorrelation() throws {
        // cov = 4·6 − (3·2 + 2·2 + 1·2) = 12; var_p = 36 − 12 = 24; var_t = 36 − 14 = 22.
        #expect(close(try labels("matthews_correlation").value, 12 / (24.0 * 22).squareRoot()))
    }

    // Two classes, scores of the positive class, highest first:
    //   0.9 + | 0.8 + | 0.7 − | 0.6 + | 0.55 − | 0.4 − | 0.3 + | 0.2 −
    static let positiveScores: [Float] = [0.9, 0.8, 0.7, 0.6, 0.55, 0.4, 0.3, 0.2]
    static let binaryTargets = [1, 1, 0, 1, 0, 0, 1, 0]

    func binary(_ name: String, _ configuration: PluginConfiguration = [:]) throws -> MetricResult {
        var metric = try builtinRegistry().make(name, numClasses: 2, configuration: configuration)
        let scores = Self.positiveScores.flatMap { [1 - $0, $0] }
        let predictions = Self.positiveScores.map { $0 >= 0.5 ? 1 : 0 }
        try metric.update(predictions: predictions, scores: scores, targets: Self.binaryTargets)
        return try metric.compute()
    }

    @Test func rocAUCCountsOrderedPairs() throws {
        // Positive above negative: 4 + 4 + 3 + 1 = 12 of 16 pairs.
        #expect(close(try binary("roc_auc").value, 0.75))
    }

    @Test func averagePrecisionIsAStepSum() throws {
        // Recall steps of 1/4 at precisions 1, 1, 3/4, 4/7.
        #expect(close(try binary("average_precision").value, 0.25 * (1 + 1 + 0.75 + 4.0 / 7)))
    }

    @Test func recallAtPrecisionPicksTheBestRecallAndItsThreshold() throws {
        // Precision ≥ 0.7 at thresholds 0.9 (r 1/4), 0.8 (r 1/2), 0.6 (p 3/4, r 3/4).
        let result = try binary("recall_at_precision", ["min_precision": 0.7])
        #expect(close(result.value, 0.75))
        #expect(result.threshold == Double(Float(0.6)))
        #expect(result.details["precision"] == 0.75)
        #expect(result.details["false_positives"] == 1)
        // Precision 1 holds down to 0.8; recall 1/2.
        let strict = try binary("recall_at_precision", ["min_precision": 1])
        #expect(close(strict.value, 0.5))
        #expect(strict.threshold == Double(Float(0.8)))
    }

    @Test func precisionAtRecallPicksTheBestPrecisionAndItsThreshold() throws {
        // Recall ≥ 0.9 needs threshold 0.3 (p 4/7) or 0.2 (p 1/2).
        let result = try binary("precision_at_recall", ["min_recall": 0.9])
        #expect(close(result.value, 4.0 / 7))
        #expect(result.threshold == Double(Float(0.3)))
        #expect(result.details["false_positive_rate"] == 0.75)  // 3 of 4 negatives flagged
        #expect(result.details["true_negatives"] == 1)
    }

    @Test func recallAtAnUnreachablePrecisionIsZeroWithNoThreshold() throws {
        // The top score is a negative, so precision 1 is never reached.
        var metric = try builtinRegistry().make("recall_at_precision", numClasses: 2, configuration: ["min_precision": 1])
        try metric.update(predictions: [1, 1], scores: [0.1, 0.9, 0.2, 0.8], targets: [0, 1])
        let result = try metric.compute()
        #expect(result.value == 0)
        #expect(result.threshold == nil)
    }

    @Test func tiedScoresCountHalf() throws {
        var auc = try builtinRegistry().make("roc_auc", numClasses: 2)
        var ap = try builtinRegistry().make("average_precision", numClasses: 2)
        try auc.update(predictions: [0, 0], scores: [0.5, 0.5, 0.5, 0.5], targets: [1, 0])
        try ap.update(predictions: [0, 0], scores: [0.5, 0.5, 0.5, 0.5], targets: [1, 0])
        #expect(try auc.compute().value == 0.5)
        #expect(try ap.compute().value == 0.5)  // one threshold: precision 1/2 at recall 1
    }

    @Test func topKRanksTheTargetAndBreaksTiesTowardTheLowerIndex() throws {
        func topK(_ k: Int, _ scores: [Float], _ target: Int) throws -> Double? {
            var metric = try builtinRegistry().make("top_k_accuracy", numClasses: 3, configuration: ["k": .int(k)])
            try metric.update(predictions: [0], scores: scores, targets: [target])
            return try metric.compute().value
        }
        #expect(try topK(1, [0.2, 0.5, 0.3], 2) == 0)
        #expect(try topK(2, [0.2, 0.5, 0.3], 2) == 1)
        #expect(try topK(1, [0.4, 0.4, 0.2], 1) == 0)  // class 0 ties and comes first
        #expect(try topK(1, [0.4, 0.4, 0.2], 0) == 1)
        #expect(try topK(3, [0.4, 0.4, 0.2], 2) == 1)
    }

    @Test func logLossAndItsClipping() throws {
        var metric = try builtinRegistry().make("log_loss", numClasses: 2)
        try metric.update(predictions: [0, 0], scores: [0.5, 0.5, 0.9, 0.1], targets: [0, 0])
        #expect(close(try metric.compute().value, -(log(0.5) + log(Double(Float(0.9)))) / 2))
        // A certain mistake costs −ln(ε) with ε the Float32 epsilon, not infinity.
        metric.reset()
        try metric.update(predictions: [0], scores: [1, 0], targets: [1])
        #expect(close(try metric.compute().value, -log(Double(Float.ulpOfOne))))
    }

    @Test func expectedCalibrationError() throws {
        // Two bins. (0.5, 1] holds confidences 0.9 (right), 0.6 (wrong), 0.7 (right):
        // accuracy 2/3, mean confidence 2.2/3; ECE = |2/3 − 2.2/3| = 0.2/3.
        var metric = try builtinRegistry().make("expected_calibration_error", numClasses: 2, configuration: ["bins": 2])
        try metric.update(predictions: [0, 0, 1], scores: [0.9, 0.1, 0.6, 0.4, 0.3, 0.7], targets: [0, 1, 1])
        let confidences = [Float(0.9), 0.6, 0.7].map(Double.init)
        #expect(close(try metric.compute().value, abs(2.0 / 3 - confidences.reduce(0, +) / 3)))
    }

    @Test func calibrationBinsAreOpenBelowAndClosedAbove() {
        #expect(ExpectedCalibrationError.bin(of: 0.5, bins: 2) == 0)
        #expect(ExpectedCalibrationError.bin(of: 0.5000001, bins: 2) == 1)
        #expect(ExpectedCalibrationError.bin(of: 1, bins: 15) == 14)
        #expect(ExpectedCalibrationError.bin(of: 0, bins: 15) == 0)
        #expect(ExpectedCalibrationError.bin(of: 2.0 / 15, bins: 15) == 1)
    }
}
