import VisionMetricAPI

/// Per class: of the samples predicted as the class, the fraction that are it.
public struct Precision: ConfigurableMetric, ConfusionMatrixMetric {
    public static let descriptor = MetricDescriptor(
        name: "precision", summary: "Of the samples predicted as a class, the fraction that are it (per class and averaged).",
        goal: .maximize, inputs: .labels)

    public var confusion: ConfusionMatrix
    public let configuration: ClassScoreConfiguration

    public init(numClasses: Int, configuration: ClassScoreConfiguration = ClassScoreConfiguration()) throws {
        try configuration.validate(numClasses: numClasses, metric: Self.descriptor.name)
        confusion = ConfusionMatrix(numClasses: numClasses)
        self.configuration = configuration
    }

    public func compute(from confusion: ConfusionMatrix) throws -> MetricResult {
        StatScores.result(.precision, confusion: confusion, configuration: configuration)
    }
}

/// Per class: of the samples of the class, the fraction found (sensitivity).
public struct Recall: ConfigurableMetric, ConfusionMatrixMetric {
    public static let descriptor = MetricDescriptor(
        name: "recall", summary: "Of the samples of a class, the fraction predicted as it (sensitivity; per class and averaged).",
        goal: .maximize, inputs: .labels)

    public var confusion: ConfusionMatrix
    public let configuration: ClassScoreConfiguration

    public init(numClasses: Int, configuration: ClassScoreConfiguration = ClassScoreConfiguration()) throws {
        try configuration.validate(numClasses: numClasses, metric: Self.descriptor.name)
        confusion = ConfusionMatrix(numClasses: numClasses)
        self.configuration = configuration
    }

    public func compute(from confusion: ConfusionMatrix) throws -> MetricResult {
        StatScores.result(.recall, confusion: confusion, configuration: configuration)
    }
}

/// Per class: the harmonic mean of precision and recall.
public struct F1Score: ConfigurableMetric, ConfusionMatrixMetric {
    public static let descriptor = MetricDescriptor(
        name: "f1", summary: "Harmonic mean of precision and recall (per class and averaged).",
        goal: .maximize, inputs: .labels)

    public var confusion: ConfusionMatrix
    public let configuration: ClassScoreConfiguration

    public init(numClasses: Int, configuration: ClassScoreConfiguration = ClassScoreConfiguration()) throws {
        try configuration.validate(numClasses: numClasses, metric: Self.descriptor.name)
        confusion = ConfusionMatrix(numClasses: numClasses)
        self.configuration = configuration
    }

    public func compute(from confusion: ConfusionMatrix) throws -> MetricResult {
        StatScores.result(.fScore(beta: 1), confusion: confusion, configuration: configuration)
    }
}

/// Per class: the F-score with recall weighted `beta` times as much as precision.
public struct FBetaScore: ConfigurableMetric, ConfusionMatrixMetric {
    public struct Configuration: StrictDecodable, Sendable, Equatable {
        /// Recall's weight relative to precision (2 favours recall); required.
        public var beta: Double
        public var scores: ClassScoreConfiguration

        enum CodingKeys: String, CodingKey, CaseIterable { case beta }
        public static let allowedKeys = (CodingKeys.allCases.map(\.stringValue) + ClassScoreConfiguration.allowedKeys).sorted()

        public init(beta: Double, scores: ClassScoreConfiguration = ClassScoreConfiguration()) {
            self.beta = beta
            self.scores = scores
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            beta = try container.decode(Double.self, forKey: .beta)
            scores = try ClassScoreConfiguration(from: decoder)
        }
    }

    public static let descriptor = MetricDescriptor(
        name: "fbeta", summary: "F-score weighting recall beta times as much as precision; needs `beta` (per class and averaged).",
        goal: .maximize, inputs: .labels)

    public var confusion: ConfusionMatrix
    public let configuration: Configuration

    public init(numClasses: Int, configuration: Configuration) throws {
        guard configuration.beta.isFinite, configuration.beta > 0 else {
            throw MetricError.invalidConfiguration(
                metric: Self.descriptor.name, key: "beta", expected: "a positive finite number",
                found: String(configuration.beta))
        }
        try configuration.scores.validate(numClasses: numClasses, metric: Self.descriptor.name)
        confusion = ConfusionMatrix(numClasses: numClasses)
        self.configuration = configuration
    }

    public func compute(from confusion: ConfusionMatrix) throws -> MetricResult {
        StatScores.result(.fScore(beta: configuration.beta), confusion: confusion, configuration: configuration.scores)
    }
}
