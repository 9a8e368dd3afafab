import VisionMetricAPI

/// Average precision, the area under the precision-recall curve as scikit-learn's
/// average_precision_score computes it: Σ (R_i − R_{i−1})·P_i over distinct thresholds.
public struct AveragePrecision: ConfigurableMetric, ScoreMetric {
    public typealias Configuration = RankingConfiguration
    public static let descriptor = MetricDescriptor(
        name: "average_precision",
        summary: "Area under the precision-recall curve (PR-AUC, step sum; binary, or one-vs-rest).",
        goal: .maximize, inputs: .scores)

    public var buffer: ScoreBuffer
    public let configuration: RankingConfiguration

    public init(numClasses: Int, configuration: RankingConfiguration = RankingConfiguration()) throws {
        try configuration.validate(numClasses: numClasses, metric: Self.descriptor.name)
        buffer = ScoreBuffer(numClasses: numClasses)
        self.configuration = configuration
    }

    public func compute(from buffer: ScoreBuffer) throws -> MetricResult {
        try OneVsRest.result(
            metric: name, buffer: buffer, configuration: configuration, score: { $0.averagePrecision })
    }
}
