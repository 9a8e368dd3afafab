import Foundation
import Testing
import VisionMetricAPI
import VisionMetrics

/// A class never predicted, a class absent from the targets, one sample, one class only.
@Suite struct EdgeCaseTests {
    func compute(
        _ name: String, classes: Int, _ configuration: PluginConfiguration = [:], predictions: [Int], targets: [Int],
        scores: [Float]? = nil
    ) throws -> MetricResult {
        var metric = try builtinRegistry().make(name, numClasses: classes, configuration: configuration)
        try metric.update(predictions: predictions, scores: scores, targets: targets)
        return try metric.compute()
    }

    @Test func aClassNeverPredictedFollowsTheZeroDivisionPolicy() throws {
        // Class 2 is a target once but never predicted: its precision is 0/0.
        let p = [0, 1, 1], t = [0, 1, 2]
        let zero = try compute("precision", classes: 3, predictions: p, targets: t)
        #expect(closeAll(zero.perClass, [1, 0.5, 0]))
        #expect(close(zero.value, 0.5))
        let one = try compute("precision", classes: 3, ["zero_division": 1], predictions: p, targets: t)
        #expect(closeAll(one.perClass, [1, 0.5, 1]))
        let undefined = try compute("precision", classes: 3, ["zero_division": "nan"], predictions: p, targets: t)
        #expect(undefined.perClass?[2].isNaN == true)
        #expect(close(undefined.value, 0.75))  // NaN is left out of the mean
        // Its recall is defined (0 of 1), and F is 0, not the policy's value.
        #expect(closeAll(try compute("recall", classes: 3, ["zero_division": 1], predictions: p, targets: t).perClass, [1, 1, 0]))
        #expect(close(try compute("f1", classes: 3, ["zero_division": 1], predictions: p, targets: t).perClass?[2], 0))
    }

    @Test func aClassAbsentFromTheTargets() throws {
        // Class 2 is predicted once but never a target: recall 0/0; balanced accuracy skips it.
        let p = [0, 2, 1], t = [0, 0, 1]
        let recall = try compute("recall", classes: 3, ["zero_division": "nan"], predictions: p, targets: t)
        #expect(recall.perClass?[2].isNaN == true)
        #expect(close(recall.averages[.macro], 0.75))
        let balanced = try compute("balanced_accuracy", classes: 3, predictions: p, targets: t)
        #expect(close(balanced.value, 0.75))
        #expect(balanced.perClass?[2].isNaN == true)
        let matrix = try compute("confusion_matrix", classes: 3, predictions: p, targets: t)
        #expect(matrix.normalizedMatrix?[2] == [0, 0, 0])
    }

    @Test func aClassAbsentFromTargetsAndPredictionsIsLeftOutOfMacro() throws {
        let result = try compute("precision", classes: 4, predictions: [0, 1], targets: [0, 1])
        #expect(closeAll(result.perClass, [1, 1, 0, 0]))
        #expect(close(result.value, 1))
    }

    @Test func rankingMetricsWithAClassMissingFromTheTargets() throws {
        // Three classes, class 2 never a target: macro is undefined, micro is not.
        let scores: [Float] = [0.7, 0.2, 0.1, 0.2, 0.7, 0.1, 0.6, 0.3, 0.1]
        let args = (predictions: [0, 1, 0], targets: [0, 1, 1])
        #expect {
            _ = try compute("roc_auc", classes: 3, predictions: args.predictions, targets: args.targets, scores: scores)
        } throws: { error in
            "\(error)" == "metric 'roc_auc' is undefined: class 2 never occurs in the targets"
        }
        let micro = try compute(
            "roc_auc", classes: 3, ["average": "micro"], predictions: args.predictions, targets: args.targets, scores: scores)
        #expect(micro.perClass?[2].isNaN == true)
        #expect(micro.averages[.macro]?.isNaN == true)
        #expect(micro.value?.isFinite == true)
        #expect(throws: MetricError.self) {
            _ = try compute("average_precision", classes: 3, predictions: args.predictions, targets: args.targets, scores: scores)
        }
    }

    @Test func aSingleSample() throws {
        let p = [1], t = [1], s: [Float] = [0.2, 0.8]
        for name in ["accuracy", "balanced_accuracy", "precision", "recall", "f1", "top_k_accuracy"] {
            #expect(close(try compute(name, classes: 2, predictions: p, targets: t, scores: s).value, 1), "\(name)")
        }
        #expect(close(try compute("log_loss", classes: 2, predictions: p, targets: t, scores: s).value, -log(Double(Float(0.8)))))
        #expect(close(try compute("matthews_correlation", classes: 2, predictions: p, targets: t).value, 0))
        #expect(close(try compute("expected_calibration_error", classes: 2, predictions: p, targets: t, scores: s).value, 1 - Double(Float(0.8))))
        #expect(close(try compute("precision_at_recall", classes: 2, ["min_recall": 1], predictions: p, targets: t, scores: s).value, 1))
        #expect(throws: MetricError.undefined(metric: "roc_auc", reason: "every target is class 1, so there are no negatives to rank")) {
            _ = try compute("roc_auc", classes: 2, predictions: p, targets: t, scores: s)
        }
        #expect(throws: MetricError.self) { _ = try compute("cohen_kappa", classes: 2, predictions: p, targets: t) }
    }

    @Test func everythingOneClass() throws {
        let p = [0, 0, 0], t = [0, 0, 0]
        let s: [Float] = [0.9, 0.1, 0.8, 0.2, 0.6, 0.4]
        #expect(close(try compute("accuracy", classes: 2, predictions: p, targets: t).value, 1))
        #expect(close(try compute("balanced_accuracy", classes: 2, predictions: p, targets: t).value, 1))
        #expect(close(try compute("matthews_correlation", classes: 2, predictions: p, targets: t).value, 0))
        #expect(close(try compute("f1", classes: 2, ["average": "binary"], predictions: p, targets: t).value, 0))
        #expect {
            _ = try compute("cohen_kappa", classes: 2, predictions: p, targets: t)
        } throws: { error in
            guard case .undefined(let metric, _)? = error as? MetricError else { return false }
            return metric == "cohen_kappa"
        }
        #expect(throws: MetricError.self) {
            _ = try compute("balanced_accuracy", classes: 2, ["adjusted": true], predictions: p, targets: t)
        }
        for name in ["roc_auc", "average_precision"] {
            #expect(throws: MetricError.undefined(metric: name, reason: "class 1 never occurs in the targets")) {
                _ = try compute(name, classes: 2, predictions: p, targets: t, scores: s)
            }
        }
        #expect(throws: MetricError.undefined(metric: "recall_at_precision", reason: "class 1 never occurs in the targets")) {
            _ = try compute("recall_at_precision", classes: 2, ["min_precision": 0.5], predictions: p, targets: t, scores: s)
        }
    }

    @Test func computeWithNoSamplesThrows() throws {
        for name in try builtinRegistry().names() {
            let metric = try builtinRegistry().make(name, numClasses: 3, configuration: RegistryTests.minimalConfiguration(name))
            #expect(throws: MetricError.noSamples(metric: name)) { try metric.compute() }
        }
    }

    @Test func badBatchesAreRefusedAndLeaveTheStateUnchanged() throws {
        var metric = try builtinRegistry().make("log_loss", numClasses: 2)
        try metric.update(predictions: [0], scores: [0.7, 0.3], targets: [0])
        let before = try metric.compute()
        let bad: [(predictions: [Int], scores: [Float], targets: [Int], message: String)] = [
            ([0, 1], [0.5, 0.5], [0], "expected one prediction per target, got 2 predictions and 1 targets"),
            ([0], [0.5, 0.5], [2], "target 0 is class 2, expected 0..<2"),
            ([-1], [0.5, 0.5], [0], "prediction 0 is class -1, expected 0..<2"),
            ([0], [0.5, 0.5, 0.5], [0], "expected 1×2 = 2 scores, got 3"),
            ([0], [.nan, 0.5], [0], "score of sample 0, class 0 is nan, expected a finite number"),
            ([0], [1.5, -0.5], [0], "score of sample 0, class 0 is 1.5, expected a probability in [0, 1]"),
            ([0], [0.3, 0.3], [0], "scores of sample 0 sum to 0.6000000238418579, expected probabilities summing to 1 (apply softmax to logits)"),
        ]
        for batch in bad {
            #expect(throws: MetricError.invalidInput(metric: "log_loss", detail: batch.message)) {
                try metric.update(predictions: batch.predictions, scores: batch.scores, targets: batch.targets)
            }
        }
        #expect(try metric.compute() == before)
    }
}
