import VisionMetricAPI

/// The highest recall of the positive class at a precision of at least `min_precision`, and the
/// threshold on its score that gives it.
///
/// Thresholds are the distinct scores of the positive class (a sample is positive when its score
/// ≥ threshold). Among those reaching the precision, the one with the highest recall wins; among
/// equal recall, the highest threshold (it flags the fewest samples, so it has the highest
/// precision). When no threshold reaches the precision the value is 0 and there is no threshold.
public struct RecallAtPrecision: ConfigurableMetric, ScoreMetric {
    public struct Configuration: StrictDecodable, Sendable, Equatable {
        public var minPrecision: Double
        public var positiveClass: Int

        enum CodingKeys: String, CodingKey, CaseIterable {
            case minPrecision = "min_precision", positiveClass = "positive_class"
        }
        public static let allowedKeys = CodingKeys.allCases.map(\.stringValue)

        public init(minPrecision: Double, positiveClass: Int = 1) {
            self.minPrecision = minPrecision
            self.positiveClass = positiveClass
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            minPrecision = try container.decode(Double.self, forKey: .minPrecision)
            positiveClass = try container.decodeIfPresent(Int.self, forKey: .positiveClass) ?? 1
        }
    }

    public static let descriptor = MetricDescriptor(
        name: "recall_at_precision",
        summary: "Best recall of the positive class with precision ≥ min_precision, and its score threshold.",
        goal: .maximize, inputs: .scores)

    public var buffer: ScoreBuffer
    public let configuration: Configuration

    public init(numClasses: Int, configuration: Configuration) throws {
        let metric = Self.descriptor.name
        try ConfigurationCheck.minimumClasses(numClasses, 2, metric: metric)
        try ConfigurationCheck.unitInterval(configuration.minPrecision, key: "min_precision", metric: metric)
        try ConfigurationCheck.positiveClass(configuration.positiveClass, numClasses: numClasses, metric: metric)
        buffer = ScoreBuffer(numClasses: numClasses)
        self.configuration = configuration
    }

    public func compute(from buffer: ScoreBuffer) throws -> MetricResult {
        let points = try OperatingPoint.all(buffer, positiveClass: configuration.positiveClass, metric: name)
        var best: OperatingPoint?
        // Points run from the highest threshold down, so `>` keeps the highest among equal recall.
        for point in points where point.precision >= configuration.minPrecision {
            if let current = best, point.recall <= current.recall { continue }
            best = point
        }
        guard let best else {
            return MetricResult(value: 0, details: ["min_precision": configuration.minPrecision])
        }
        return best.result(value: best.recall)
    }
}
