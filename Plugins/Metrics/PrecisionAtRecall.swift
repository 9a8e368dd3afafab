import VisionMetricAPI

/// The highest precision of the positive class at a recall of at least `min_recall`, and the
/// threshold on its score that gives it ("catch 99% of defects: how many good parts do we reject?").
///
/// Thresholds are the distinct scores of the positive class (a sample is positive when its score
/// ≥ threshold). Among those reaching the recall, the one with the highest precision wins; among
/// equal precision, the one with the higher recall (the lower threshold). The lowest threshold
/// always reaches recall 1, so a value exists whenever the positive class occurs.
public struct PrecisionAtRecall: ConfigurableMetric, ScoreMetric {
    public struct Configuration: StrictDecodable, Sendable, Equatable {
        public var minRecall: Double
        public var positiveClass: Int

        enum CodingKeys: String, CodingKey, CaseIterable {
            case minRecall = "min_recall", positiveClass = "positive_class"
        }
        public static let allowedKeys = CodingKeys.allCases.map(\.stringValue)

        public init(minRecall: Double, positiveClass: Int = 1) {
            self.minRecall = minRecall
            self.positiveClass = positiveClass
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            minRecall = try container.decode(Double.self, forKey: .minRecall)
            positiveClass = try container.decodeIfPresent(Int.self, forKey: .positiveClass) ?? 1
        }
    }

    public static let descriptor = MetricDescriptor(
        name: "precision_at_recall",
        summary: "Best precision of the positive class with recall ≥ min_recall, and its score threshold.",
        goal: .maximize, inputs: .scores)

    public var buffer: ScoreBuffer
    public let configuration: Configuration

    public init(numClasses: Int, configuration: Configuration) throws {
        let metric = Self.descriptor.name
        try ConfigurationCheck.minimumClasses(numClasses, 2, metric: metric)
        try ConfigurationCheck.unitInterval(configuration.minRecall, key: "min_recall", metric: metric)
        try ConfigurationCheck.positiveClass(configuration.positiveClass, numClasses: numClasses, metric: metric)
        buffer = ScoreBuffer(numClasses: numClasses)
        self.configuration = configuration
    }

    public func compute(from buffer: ScoreBuffer) throws -> MetricResult {
        let points = try OperatingPoint.all(buffer, positiveClass: configuration.positiveClass, metric: name)
        var best: OperatingPoint?
        // Points run from the highest threshold down, so `>=` on precision moves to the higher recall.
        for point in points where point.recall >= configuration.minRecall {
            if let current = best, point.precision < current.precision { continue }
            best = point
        }
        guard let best else {
            return MetricResult(value: 0, details: ["min_recall": configuration.minRecall])
        }
        return best.result(value: best.precision)
    }
}
