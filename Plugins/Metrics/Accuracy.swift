import VisionMetricAPI

/// The fraction of samples predicted correctly.
public struct Accuracy: ConfigurableMetric, ConfusionMatrixMetric {
    public typealias Configuration = EmptyConfiguration
    public static let descriptor = MetricDescriptor(
        name: "accuracy", summary: "Fraction of samples whose predicted class is the target.",
        goal: .maximize, inputs: .labels)

    public var confusion: ConfusionMatrix
    public let configuration = EmptyConfiguration()

    public init(numClasses: Int, configuration: EmptyConfiguration = EmptyConfiguration()) throws {
        try ConfigurationCheck.minimumClasses(numClasses, 1, metric: Self.descriptor.name)
        confusion = ConfusionMatrix(numClasses: numClasses)
    }

    public func compute(from confusion: ConfusionMatrix) throws -> MetricResult {
        let correct = confusion.truePositives.reduce(0, +)
        let total = confusion.total
        return MetricResult(
            value: Double(correct) / Double(total), details: ["correct": Double(correct), "total": Double(total)])
    }
}
