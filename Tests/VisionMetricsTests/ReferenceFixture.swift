import Foundation
import VisionMetricAPI
import VisionMetrics
import VisionTestSupport

/// fixtures/metrics/sklearn-references.json, made by scripts/make-metric-references.py.
struct ReferenceFixture: Decodable {
    struct PredictionSet: Decodable, Sendable {
        let name: String
        let numClasses: Int
        let targets: [Int]
        let predictions: [Int]
        let scores: [Float]
        let cases: [Case]

        enum CodingKeys: String, CodingKey { case name, numClasses = "num_classes", targets, predictions, scores, cases }

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            numClasses = try container.decode(Int.self, forKey: .numClasses)
            targets = try container.decode([Int].self, forKey: .targets)
            predictions = try container.decode([Int].self, forKey: .predictions)
            // Written as the float64 of each float32, so the conversion is exact.
            scores = try container.decode([Double].self, forKey: .scores).map { Float($0) }
            cases = try container.decode([Case].self, forKey: .cases)
        }

        /// Samples `range` as one batch.
        func batch(_ range: Range<Int>) -> (predictions: [Int], scores: [Float], targets: [Int]) {
            (Array(predictions[range]), Array(scores[(range.lowerBound * numClasses)..<(range.upperBound * numClasses)]),
             Array(targets[range]))
        }
    }

    /// One expected result; null numbers are NaN, absent fields are not checked.
    struct Case: Decodable, Sendable, CustomStringConvertible {
        let metric: String
        let config: PluginConfiguration
        let value: Double?
        let perClass: [Double]?
        let averages: [String: Double]?
        let matrix: [[Double]]?
        let normalizedMatrix: [[Double]]?
        /// nil: not checked; .some(nil): no threshold expected.
        let threshold: Double??
        let details: [String: Double]?

        enum CodingKeys: String, CodingKey {
            case metric, config, value, perClass = "per_class", averages, matrix
            case normalizedMatrix = "normalized_matrix", threshold, details
        }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            metric = try c.decode(String.self, forKey: .metric)
            config = try c.decode(PluginConfiguration.self, forKey: .config)
            value = try c.decodeIfPresent(Double.self, forKey: .value)
            perClass = try c.decodeIfPresent([Double?].self, forKey: .perClass)?.map { $0 ?? .nan }
            averages = try c.decodeIfPresent([String: Double?].self, forKey: .averages)?.mapValues { $0 ?? .nan }
            matrix = try c.decodeIfPresent([[Double]].self, forKey: .matrix)
            normalizedMatrix = try c.decodeIfPresent([[Double]].self, forKey: .normalizedMatrix)
            threshold = c.contains(.threshold) ? .some(try c.decodeIfPresent(Double.self, forKey: .threshold)) : nil
            details = try c.decodeIfPresent([String: Double?].self, forKey: .details)?.mapValues { $0 ?? .nan }
        }

        var description: String {
            let pairs = config.keys.sorted().map { "\($0)=\(config[$0]?.shortDescription ?? "")" }
            return "\(metric)(\(pairs.joined(separator: ", ")))"
        }
    }

    let about: String
    let sets: [PredictionSet]

    static let shared: ReferenceFixture? = {
        guard let data = FileManager.default.contents(atPath: Fixtures.path("metrics/sklearn-references.json")) else {
            return nil
        }
        return try? JSONDecoder().decode(ReferenceFixture.self, from: data)
    }()

    /// Every (set, case) pair, for parameterised tests.
    static var allCases: [(String, Int)] {
        guard let shared else { return [] }
        return shared.sets.flatMap { set in set.cases.indices.map { (set.name, $0) } }
    }

    static func lookup(_ setName: String, _ index: Int) -> (PredictionSet, Case)? {
        guard let set = shared?.sets.first(where: { $0.name == setName }), set.cases.indices.contains(index) else {
            return nil
        }
        return (set, set.cases[index])
    }
}

/// A registry with the built-ins, made fresh for each use.
func builtinRegistry() throws -> MetricRegistry {
    let registry = MetricRegistry()
    try registerBuiltinMetrics(in: registry)
    return registry
}

/// Equal within `tolerance` relative to max(1, |expected|); NaN equals NaN.
func close(_ actual: Double?, _ expected: Double?, tolerance: Double = 1e-9) -> Bool {
    switch (actual, expected) {
    case (nil, nil): return true
    case let (a?, e?):
        if a.isNaN || e.isNaN { return a.isNaN && e.isNaN }
        return abs(a - e) <= tolerance * max(1, abs(e))
    default: return false
    }
}

func closeAll(_ actual: [Double]?, _ expected: [Double]?, tolerance: Double = 1e-9) -> Bool {
    guard let actual, let expected else { return actual == nil && expected == nil }
    return actual.count == expected.count && zip(actual, expected).allSatisfy { close($0, $1, tolerance: tolerance) }
}

/// Whether two results agree field by field within tolerance.
func closeResult(_ a: MetricResult, _ b: MetricResult, tolerance: Double = 1e-9) -> Bool {
    guard close(a.value, b.value, tolerance: tolerance), closeAll(a.perClass, b.perClass, tolerance: tolerance),
        close(a.threshold, b.threshold, tolerance: tolerance), Set(a.averages.keys) == Set(b.averages.keys),
        Set(a.details.keys) == Set(b.details.keys)
    else { return false }
    for (key, value) in a.averages where !close(value, b.averages[key], tolerance: tolerance) { return false }
    for (key, value) in a.details where !close(value, b.details[key], tolerance: tolerance) { return false }
    return closeAll(a.matrix?.flatMap { $0 }, b.matrix?.flatMap { $0 }, tolerance: tolerance)
        && closeAll(a.normalizedMatrix?.flatMap { $0 }, b.normalizedMatrix?.flatMap { $0 }, tolerance: tolerance)
}

extension MetricPlugin {
    /// Feeds `set` in `batches` roughly equal batches, then computes.
    mutating func run(_ set: ReferenceFixture.PredictionSet, batches: Int = 1) throws -> MetricResult {
        let n = set.targets.count
        for b in 0..<batches {
            let range = (b * n / batches)..<((b + 1) * n / batches)
            let batch = set.batch(range)
            try update(predictions: batch.predictions, scores: batch.scores, targets: batch.targets)
        }
        return try compute()
    }
}
