import VisionMetricAPI

/// The fraction of samples whose target is among the k highest-scored classes.
public struct TopKAccuracy: ConfigurableMetric {
    public struct Configuration: StrictDecodable, Sendable, Equatable {
        /// How many top classes count; defaults to min(5, classes − 1) (k = classes would always hit).
        public var k: Int?

        enum CodingKeys: String, CodingKey, CaseIterable { case k }
        public static let allowedKeys = CodingKeys.allCases.map(\.stringValue)

        public init(k: Int? = nil) { self.k = k }
    }

    public static let descriptor = MetricDescriptor(
        name: "top_k_accuracy",
        summary: "Fraction of samples whose target is among the k highest-scored classes (k: default 5).",
        goal: .maximize, inputs: .scores)

    public let numClasses: Int
    public let configuration: Configuration
    /// The resolved k.
    public let k: Int
    /// Samples whose target was in the top k, and all samples: sums merge exactly.
    public private(set) var hits = 0
    public private(set) var total = 0

    public init(numClasses: Int, configuration: Configuration = Configuration()) throws {
        try ConfigurationCheck.minimumClasses(numClasses, 2, metric: Self.descriptor.name)
        let k = configuration.k ?? min(5, numClasses - 1)
        guard (1...numClasses).contains(k) else {
            throw MetricError.invalidConfiguration(
                metric: Self.descriptor.name, key: "k", expected: "an integer in 1...\(numClasses)", found: String(k))
        }
        self.numClasses = numClasses
        self.configuration = configuration
        self.k = k
    }

    public mutating func update(predictions: [Int], scores: [Float]?, targets: [Int]) throws {
        try MetricInputCheck.check(
            metric: name, numClasses: numClasses, predictions: predictions, scores: scores, targets: targets,
            needsScores: true)
        guard let scores else { throw MetricError.scoresRequired(metric: name) }
        for (row, target) in targets.enumerated() {
            // Rank of the target: classes scored higher, plus equal-scored classes with a lower
            // index (ties go to the lower index, like argmax; scikit-learn favours the higher one).
            let base = row * numClasses
            let own = scores[base + target]
            var ahead = 0
            for j in 0..<numClasses where j != target {
                let other = scores[base + j]
                if other > own || (other == own && j < target) { ahead += 1 }
            }
            if ahead < k { hits += 1 }
        }
        total += targets.count
    }

    public func compute() throws -> MetricResult {
        guard total > 0 else { throw MetricError.noSamples(metric: name) }
        return MetricResult(value: Double(hits) / Double(total), details: ["k": Double(k)])
    }

    public mutating func reset() {
        hits = 0
        total = 0
    }

    public mutating func merge(_ other: any MetricPlugin) throws {
        guard let other = other as? TopKAccuracy else {
            throw MetricError.incompatibleMerge(metric: name, detail: "the other state is metric '\(other.name)'")
        }
        guard other.numClasses == numClasses, other.k == k else {
            throw MetricError.incompatibleMerge(
                metric: name, detail: "expected \(numClasses) classes and k = \(k), the other has \(other.numClasses) and k = \(other.k)")
        }
        hits += other.hits
        total += other.total
    }

    public func state() -> MetricState {
        MetricState(metric: name, numClasses: numClasses, arrays: ["hits": [Double(hits)], "total": [Double(total)], "k": [Double(k)]])
    }

    public mutating func load(_ state: MetricState) throws {
        guard try state.counts("k", of: name, numClasses: numClasses, count: 1)[0] == k else {
            throw MetricError.incompatibleMerge(metric: name, detail: "the other state counts another k than \(k)")
        }
        let hits = try state.counts("hits", of: name, numClasses: numClasses, count: 1)[0]
        let total = try state.counts("total", of: name, numClasses: numClasses, count: 1)[0]
        guard hits <= total else { throw MetricError.incompatibleMerge(metric: name, detail: "more hits than samples") }
        self.hits = hits
        self.total = total
    }
}
