import VisionMetricAPI

/// The mean recall over the classes present in the targets (scikit-learn's balanced_accuracy_score).
public struct BalancedAccuracy: ConfigurableMetric, ConfusionMatrixMetric {
    public struct Configuration: StrictDecodable, Sendable, Equatable {
        /// Rescale so that chance is 0 and perfect is 1.
        public var adjusted = false

        enum CodingKeys: String, CodingKey, CaseIterable { case adjusted }
        public static let allowedKeys = CodingKeys.allCases.map(\.stringValue)

        public init(adjusted: Bool = false) { self.adjusted = adjusted }
        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            adjusted = try container.decodeIfPresent(Bool.self, forKey: .adjusted) ?? false
        }
    }

    public static let descriptor = MetricDescriptor(
        name: "balanced_accuracy", summary: "Mean recall over the classes present in the targets; robust to imbalance.",
        goal: .maximize, inputs: .labels)

    public var confusion: ConfusionMatrix
    public let configuration: Configuration

    public init(numClasses: Int, configuration: Configuration = Configuration()) throws {
        try ConfigurationCheck.minimumClasses(numClasses, 1, metric: Self.descriptor.name)
        confusion = ConfusionMatrix(numClasses: numClasses)
        self.configuration = configuration
    }

    public func compute(from confusion: ConfusionMatrix) throws -> MetricResult {
        // Classes absent from the targets have no recall: NaN per class, left out of the mean.
        let recalls = zip(confusion.truePositives, confusion.support).map { tp, support in
            support == 0 ? Double.nan : Double(tp) / Double(support)
        }
        var score = ClassReduction.macro(recalls)
        if configuration.adjusted {
            let present = Double(recalls.filter { !$0.isNaN }.count)
            guard present > 1 else {
                throw MetricError.undefined(
                    metric: name, reason: "adjusted balanced accuracy needs at least 2 classes in the targets")
            }
            let chance = 1 / present
            score = (score - chance) / (1 - chance)
        }
        return MetricResult(value: score, perClass: recalls)
    }
}
