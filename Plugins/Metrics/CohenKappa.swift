import VisionMetricAPI

/// Agreement between predictions and targets beyond chance (scikit-learn's cohen_kappa_score).
public struct CohenKappa: ConfigurableMetric, ConfusionMatrixMetric {
    /// How disagreements are weighted: all alike, or by the distance between class indices.
    public enum Weights: String, Sendable, CaseIterable, Equatable {
        case none, linear, quadratic
    }

    public struct Configuration: StrictDecodable, Sendable, Equatable {
        public var weights: Weights = .none

        enum CodingKeys: String, CodingKey, CaseIterable { case weights }
        public static let allowedKeys = CodingKeys.allCases.map(\.stringValue)

        public init(weights: Weights = .none) { self.weights = weights }
        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            weights = try StrictDecoder.decodeChoice(Weights.self, from: container, forKey: .weights) ?? .none
        }
    }

    public static let descriptor = MetricDescriptor(
        name: "cohen_kappa", summary: "Agreement of predictions with targets beyond chance (1 perfect, 0 chance).",
        goal: .maximize, inputs: .labels)

    public var confusion: ConfusionMatrix
    public let configuration: Configuration

    public init(numClasses: Int, configuration: Configuration = Configuration()) throws {
        try ConfigurationCheck.minimumClasses(numClasses, 2, metric: Self.descriptor.name)
        confusion = ConfusionMatrix(numClasses: numClasses)
        self.configuration = configuration
    }

    public func compute(from confusion: ConfusionMatrix) throws -> MetricResult {
        let k = confusion.numClasses
        let n = Double(confusion.total)
        let rowSums = confusion.support.map(Double.init)
        let columnSums = confusion.predicted.map(Double.init)
        var observed = 0.0, expected = 0.0
        for i in 0..<k {
            for j in 0..<k {
                let distance = Double(abs(i - j))
                let weight: Double
                switch configuration.weights {
                case .none: weight = i == j ? 0 : 1
                case .linear: weight = distance
                case .quadratic: weight = distance * distance
                }
                observed += weight * Double(confusion[i, j])
                expected += weight * rowSums[i] * columnSums[j] / n
            }
        }
        guard expected > 0 else {
            throw MetricError.undefined(
                metric: name, reason: "targets and predictions are all the same single class, so chance agreement is total")
        }
        return MetricResult(value: 1 - observed / expected)
    }
}
