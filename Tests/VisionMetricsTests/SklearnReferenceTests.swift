import Foundation
import Testing
import VisionMetricAPI
import VisionMetrics
import VisionTestSupport

/// Every metric against scikit-learn on fixed prediction sets (fixtures/metrics), in one pass, in
/// batches, and as two merged shards.
@Suite struct SklearnReferenceTests {
    @Test func theFixtureLoadsAndSaysHowItWasMade() throws {
        let fixture = try #require(ReferenceFixture.shared)
        #expect(fixture.about.contains("scikit-learn"))
        #expect(fixture.about.contains("scripts/make-metric-references.py"))
        #expect(fixture.sets.count >= 4)
    }

    @Test func everyBuiltinMetricHasReferenceCases() throws {
        let covered = Set(ReferenceFixture.shared?.sets.flatMap { $0.cases.map(\.metric) } ?? [])
        #expect(Set(try builtinRegistry().names()).subtracting(covered).isEmpty)
    }

    @Test(arguments: ReferenceFixture.allCases)
    func matchesScikitLearn(_ setName: String, _ index: Int) throws {
        let (set, expected) = try #require(ReferenceFixture.lookup(setName, index))
        let registry = try builtinRegistry()
        var metric = try registry.make(expected.metric, numClasses: set.numClasses, configuration: expected.config)
        let result = try metric.run(set, batches: 3)
        let label = "\(set.name): \(expected)"
        #expect(close(result.value, expected.value), "\(label): value \(String(describing: result.value))")
        if let perClass = expected.perClass {
            #expect(closeAll(result.perClass, perClass), "\(label): per class \(result.perClass ?? [])")
        }
        if let averages = expected.averages {
            for (name, value) in averages {
                let average = try #require(MetricAverage(rawValue: name))
                #expect(close(result.averages[average], value), "\(label): \(name) \(result.averages)")
            }
        }
        if let matrix = expected.matrix { #expect(closeAll(result.matrix?.flatMap { $0 }, matrix.flatMap { $0 }), "\(label)") }
        if let normalized = expected.normalizedMatrix {
            #expect(closeAll(result.normalizedMatrix?.flatMap { $0 }, normalized.flatMap { $0 }), "\(label)")
        }
        if let threshold = expected.threshold { #expect(close(result.threshold, threshold), "\(label): threshold") }
        for (key, value) in expected.details ?? [:] {
            #expect(close(result.details[key], value), "\(label): \(key) \(result.details)")
        }
    }

    @Test(arguments: ReferenceFixture.allCases)
    func mergingTwoShardsEqualsOnePass(_ setName: String, _ index: Int) throws {
        let (set, expected) = try #require(ReferenceFixture.lookup(setName, index))
        let registry = try builtinRegistry()
        let empty = try registry.make(expected.metric, numClasses: set.numClasses, configuration: expected.config)
        let n = set.targets.count
        for cut in [1, n / 3, n / 2, n - 1] {
            var whole = empty, first = empty, second = empty
            let all = try whole.run(set)
            let a = set.batch(0..<cut), b = set.batch(cut..<n)
            try first.update(predictions: a.predictions, scores: a.scores, targets: a.targets)
            try second.update(predictions: b.predictions, scores: b.scores, targets: b.targets)
            try first.merge(second)
            #expect(closeResult(try first.compute(), all), "\(set.name): \(expected) cut at \(cut)")
        }
    }

    /// Sharded evaluation in other processes: the second shard's state travels as JSON, is
    /// decoded and merged, and the result equals one pass over everything.
    @Test(arguments: ReferenceFixture.allCases)
    func aSerialisedShardMergesLikeTheShardItself(_ setName: String, _ index: Int) throws {
        let (set, expected) = try #require(ReferenceFixture.lookup(setName, index))
        let registry = try builtinRegistry()
        let empty = try registry.make(expected.metric, numClasses: set.numClasses, configuration: expected.config)
        let n = set.targets.count
        var whole = empty, first = empty, second = empty
        let all = try whole.run(set)
        let a = set.batch(0..<(n / 3)), b = set.batch((n / 3)..<n)
        try first.update(predictions: a.predictions, scores: a.scores, targets: a.targets)
        try second.update(predictions: b.predictions, scores: b.scores, targets: b.targets)
        let wire = try JSONEncoder().encode(second.state())
        try first.merge(state: try JSONDecoder().decode(MetricState.self, from: wire))
        #expect(closeResult(try first.compute(), all), "\(set.name): \(expected)")
        // A state of another metric or class count is refused, and the metric is unchanged.
        var other = second.state()
        other.numClasses += 1
        #expect(throws: MetricError.self) { try first.merge(state: other) }
        #expect(closeResult(try first.compute(), all))
    }

    @Test(arguments: ReferenceFixture.allCases)
    func resetForgetsEverything(_ setName: String, _ index: Int) throws {
        let (set, expected) = try #require(ReferenceFixture.lookup(setName, index))
        var metric = try builtinRegistry().make(expected.metric, numClasses: set.numClasses, configuration: expected.config)
        let once = try metric.run(set)
        metric.reset()
        #expect(throws: MetricError.noSamples(metric: expected.metric)) { try metric.compute() }
        #expect(closeResult(try metric.run(set, batches: 2), once))
    }
}
