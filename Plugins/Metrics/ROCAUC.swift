import VisionMetricAPI

/// Area under the ROC curve (scikit-learn's roc_auc_score: trapezoids, tied scores as one point).
/// Two classes: the positive class's score. More: one-vs-rest per class, macro/weighted/micro.
public struct ROCAUC: ConfigurableMetric, ScoreMetric {
    public typealias Configuration = RankingConfiguration
    public static let descriptor = MetricDescriptor(
        name: "roc_auc",
        summary: "Area under the ROC curve: the chance a positive outscores a negative (binary, or one-vs-rest).",
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
            metric: name, buffer: buffer, configuration: configuration, score: { $0.rocAUC })
    }
}
