import Foundation
import Testing
import VisionMetricAPI
import VisionMetrics

/// Names, lookups, suggestions, strict configurations and the scores-required check.
@Suite struct RegistryTests {
    /// The smallest valid configuration of each built-in (three need a value).
    static func minimalConfiguration(_ name: String) -> PluginConfiguration {
        switch name {
        case "fbeta": return ["beta": 2]
        case "recall_at_precision": return ["min_precision": 0.5]
        case "precision_at_recall": return ["min_recall": 0.5]
        default: return [:]
        }
    }

    @Test func aNewRegistryIsEmptyUntilTheBuiltinsAreRegistered() throws {
        let registry = MetricRegistry()
        #expect(registry.names().isEmpty)
        try registerBuiltinMetrics(in: registry)
        #expect(registry.names().count == 16)
        #expect(throws: MetricError.duplicateName(name: "accuracy")) { try registerBuiltinMetrics(in: registry) }
    }

    @Test func namesMatchGlobsInNaturalOrder() throws {
        let registry = try builtinRegistry()
        #expect(registry.names(matching: "f*") == ["f1", "fbeta"])
        #expect(registry.names(matching: "*accuracy") == ["accuracy", "balanced_accuracy", "top_k_accuracy"])
        #expect(registry.names(matching: "*_at_*") == ["precision_at_recall", "recall_at_precision"])
        #expect(registry.names(matching: "[cm]*") == ["cohen_kappa", "confusion_matrix", "matthews_correlation"])
        #expect(registry.names(matching: "F?") == ["f1"])
        #expect(registry.names(matching: "nothing*").isEmpty)
        let numbered = MetricRegistry()
        for name in ["m10", "m2", "m1", "m2b"] {
            try numbered.register(MetricDescriptor(name: name, summary: "test", goal: .maximize, inputs: .labels)) { n, _ in
                try Accuracy(numClasses: n)
            }
        }
        #expect(numbered.names(matching: "m*") == ["m1", "m2", "m2b", "m10"])
    }

    @Test func everyBuiltinIsDescribedAndMakesWhatItDescribes() throws {
        let registry = try builtinRegistry()
        for descriptor in registry.descriptors() {
            #expect(!descriptor.summary.isEmpty && !descriptor.summary.contains("\n"))
            let metric = try registry.make(descriptor.name, numClasses: 3, configuration: Self.minimalConfiguration(descriptor.name))
            #expect(metric.descriptor == descriptor)
            #expect(metric.numClasses == 3)
        }
        #expect(try registry.configurationKeys("fbeta") == ["average", "beta", "positive_class", "zero_division"])
        #expect(try registry.configurationKeys("accuracy").isEmpty)
        #expect(try registry.descriptor("log_loss").goal == .minimize)
        #expect(try registry.descriptor("confusion_matrix").goal == .none)
        #expect(try registry.descriptor("roc_auc").needsScores)
        #expect(try !registry.descriptor("f1").needsScores)
    }

    @Test func anUnknownNameListsWhatExistsAndSuggestsTheClosest() throws {
        let registry = try builtinRegistry()
        #expect {
            _ = try registry.make("f11", numClasses: 2)
        } throws: { error in
            guard case .unknownMetric(let name, let available, let suggestion)? = error as? MetricError else { return false }
            return name == "f11" && available == registry.names() && suggestion == "f1"
                && "\(error)".hasPrefix("unknown metric 'f11'; did you mean 'f1'? available: accuracy, average_precision,")
        }
        for (typo, expected) in [("accuarcy", "accuracy"), ("roc-auc", "roc_auc"), ("ROC_AUC", "roc_auc"),
                                 ("kappa", nil), ("recall_at_prec", "recall_at_precision"), ("zzzzzzzzzzzz", nil)] {
            #expect {
                _ = try registry.make(typo, numClasses: 2)
            } throws: { error in
                guard case .unknownMetric(_, _, let suggestion)? = error as? MetricError else { return false }
                return suggestion == expected
            }
        }
    }

    @Test func unknownConfigurationKeysAreErrorsNamingTheKeyAndTheValidOnes() throws {
        let registry = try builtinRegistry()
        #expect(throws: ConfigurationError.unknownKey(
            owner: "metric 'f1'", key: "averge", validKeys: ["average", "positive_class", "zero_division"], suggestion: "average")
        ) {
            _ = try registry.make("f1", numClasses: 3, configuration: ["averge": "micro"])
        }
        do {
            _ = try registry.make("f1", numClasses: 3, configuration: ["averge": "micro"])
        } catch {
            #expect("\(error)" == "metric 'f1': unknown configuration key 'averge' (did you mean 'average'?); valid keys: average, positive_class, zero_division")
        }
        do {
            _ = try registry.make("accuracy", numClasses: 3, configuration: ["k": 2])
        } catch {
            #expect("\(error)" == "metric 'accuracy': unknown configuration key 'k'; it takes no keys")
        }
        #expect(throws: ConfigurationError.self) {
            _ = try registry.make("fbeta", numClasses: 3, configuration: ["beta": 2, "zero_divison": 0])
        }
    }

    @Test func badValuesAreOneLineErrors() throws {
        let registry = try builtinRegistry()
        let cases: [(String, PluginConfiguration, String)] = [
            ("f1", ["average": 3], "metric 'f1': configuration key 'average': expected a string, got 3"),
            ("f1", ["average": "mikro"], "metric 'f1': configuration key 'average': expected one of 'macro', 'micro', 'weighted', 'binary', got \"mikro\""),
            ("f1", ["zero_division": 2], "metric 'f1': configuration key 'zero_division': expected 0, 1 or \"nan\", got 2"),
            ("f1", ["average": "binary"], "metric 'f1': configuration key 'average': expected 'macro', 'micro' or 'weighted' for 3 classes ('binary' needs 2), got \"binary\""),
            ("fbeta", [:], "metric 'fbeta': configuration key 'beta' is required"),
            ("fbeta", ["beta": -1], "metric 'fbeta': configuration key 'beta': expected a positive finite number, got -1.0"),
            ("fbeta", ["beta": "two"], "metric 'fbeta': configuration key 'beta': expected a number, got \"two\""),
            ("top_k_accuracy", ["k": 4], "metric 'top_k_accuracy': configuration key 'k': expected an integer in 1...3, got 4"),
            ("expected_calibration_error", ["bins": 0], "metric 'expected_calibration_error': configuration key 'bins': expected an integer in 1...10000, got 0"),
            ("recall_at_precision", ["min_precision": 1.5], "metric 'recall_at_precision': configuration key 'min_precision': expected a number in [0, 1], got 1.5"),
            ("precision_at_recall", ["min_recall": 0.9, "positive_class": 3], "metric 'precision_at_recall': configuration key 'positive_class': expected a class index in 0..<3, got 3"),
            ("cohen_kappa", ["weights": true], "metric 'cohen_kappa': configuration key 'weights': expected a string, got true"),
        ]
        for (name, configuration, message) in cases {
            do {
                _ = try registry.make(name, numClasses: 3, configuration: configuration)
                Issue.record("\(name) \(configuration) was accepted")
            } catch {
                #expect("\(error)" == message)
            }
        }
        #expect(throws: MetricError.invalidClassCount(metric: "f1", numClasses: 1, minimum: 2)) {
            _ = try registry.make("f1", numClasses: 1)
        }
    }

    @Test func configurationsComeFromJSONToo() throws {
        let registry = try builtinRegistry()
        let metric = try registry.make("fbeta", numClasses: 2, json: Data(#"{"beta": 0.5, "average": "binary"}"#.utf8))
        #expect(metric.name == "fbeta")
        _ = try registry.make("accuracy", numClasses: 2, json: Data())
        #expect(throws: ConfigurationError.notAnObject(owner: "metric 'f1'", found: "an array of 1")) {
            _ = try registry.make("f1", numClasses: 2, json: Data("[1]".utf8))
        }
        #expect(throws: ConfigurationError.notAnObject(owner: "metric 'f1'", found: "text that is not valid JSON")) {
            _ = try registry.make("f1", numClasses: 2, json: Data("{average: micro".utf8))
        }
        #expect(throws: ConfigurationError.self) {
            _ = try registry.make("top_k_accuracy", numClasses: 5, json: Data(#"{"k": 2.5}"#.utf8))
        }
    }

    @Test func aMetricThatNeedsScoresSaysSoBeforeAnyWork() throws {
        let registry = try builtinRegistry()
        for name in registry.names() {
            var metric = try registry.make(name, numClasses: 2, configuration: Self.minimalConfiguration(name))
            if metric.needsScores {
                #expect(throws: MetricError.scoresRequired(metric: name)) { try metric.validate(hasScores: false) }
                #expect(throws: MetricError.scoresRequired(metric: name)) {
                    try metric.update(predictions: [0], scores: nil, targets: [0])
                }
            } else {
                try metric.validate(hasScores: false)
                try metric.update(predictions: [0], scores: nil, targets: [0])
            }
            try metric.validate(hasScores: true)
        }
        #expect("\(MetricError.scoresRequired(metric: "roc_auc"))" == "metric 'roc_auc' needs class scores (probabilities), but only predicted labels were given")
    }

    @Test func mergingDifferentMetricsOrShapesIsAnError() throws {
        let registry = try builtinRegistry()
        var accuracy = try registry.make("accuracy", numClasses: 3)
        #expect(throws: MetricError.incompatibleMerge(metric: "accuracy", detail: "the other state is metric 'f1'")) {
            try accuracy.merge(try registry.make("f1", numClasses: 3))
        }
        #expect(throws: MetricError.incompatibleMerge(metric: "accuracy", detail: "expected 3 classes, the other state has 4")) {
            try accuracy.merge(try registry.make("accuracy", numClasses: 4))
        }
        var macro = try registry.make("precision", numClasses: 3)
        #expect(throws: MetricError.incompatibleMerge(metric: "precision", detail: "the other state has a different configuration")) {
            try macro.merge(try registry.make("precision", numClasses: 3, configuration: ["average": "micro"]))
        }
        var rocMacro = try registry.make("roc_auc", numClasses: 3)
        #expect(throws: MetricError.self) {
            try rocMacro.merge(try registry.make("roc_auc", numClasses: 3, configuration: ["average": "weighted"]))
        }
        var auc = try registry.make("roc_auc", numClasses: 3)
        #expect(throws: MetricError.self) { try auc.merge(try registry.make("roc_auc", numClasses: 2)) }
        var topK = try registry.make("top_k_accuracy", numClasses: 5, configuration: ["k": 2])
        #expect(throws: MetricError.self) { try topK.merge(try registry.make("top_k_accuracy", numClasses: 5, configuration: ["k": 3])) }
        var ece = try registry.make("expected_calibration_error", numClasses: 3)
        #expect(throws: MetricError.self) { try ece.merge(try registry.make("expected_calibration_error", numClasses: 3, configuration: ["bins": 10])) }
    }

    @Test func lookupsFromManyThreadsAtOnce() throws {
        let registry = try builtinRegistry()
        let failures = LockedCounter()
        DispatchQueue.concurrentPerform(iterations: 64) { index in
            do {
                let name = registry.names()[index % 16]
                _ = try registry.make(name, numClasses: 3, configuration: Self.minimalConfiguration(name))
                if index % 8 == 0 {
                    try registry.register(MetricDescriptor(name: "extra\(index)", summary: "t", goal: .maximize, inputs: .labels)) { n, _ in
                        try Accuracy(numClasses: n)
                    }
                }
            } catch {
                failures.increment()
            }
        }
        #expect(failures.value == 0)
        #expect(registry.names(matching: "extra*").count == 8)
    }

    @Test func registeredNamesMustBePlain() {
        #expect(throws: MetricError.invalidName(name: "Bad Name")) {
            try MetricRegistry().register(MetricDescriptor(name: "Bad Name", summary: "t", goal: .maximize, inputs: .labels)) { n, _ in
                try Accuracy(numClasses: n)
            }
        }
    }
}

final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
