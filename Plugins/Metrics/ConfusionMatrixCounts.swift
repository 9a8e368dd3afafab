import VisionMetricAPI

/// The confusion matrix itself: counts and row-normalised rates (rows are targets).
public struct ConfusionMatrixCounts: ConfigurableMetric, ConfusionMatrixMetric {
    public typealias Configuration = EmptyConfiguration
    public static let descriptor = MetricDescriptor(
        name: "confusion_matrix",
        summary: "Counts of target (row) by predicted class (column), and each row divided by its sum.",
        goal: .none, inputs: .labels)

    public var confusion: ConfusionMatrix
    public let configuration = EmptyConfiguration()

    public init(numClasses: Int, configuration: EmptyConfiguration = EmptyConfiguration()) throws {
        try ConfigurationCheck.minimumClasses(numClasses, 1, metric: Self.descriptor.name)
        confusion = ConfusionMatrix(numClasses: numClasses)
    }

    public func compute(from confusion: ConfusionMatrix) throws -> MetricResult {
        let counts = confusion.rows.map { $0.map(Double.init) }
        // A class absent from the targets has an all-zero row (scikit-learn: NaN turned to 0).
        let normalized = counts.map { row in
            let sum = row.reduce(0, +)
            return sum == 0 ? row.map { _ in 0 } : row.map { $0 / sum }
        }
        return MetricResult(value: nil, matrix: counts, normalizedMatrix: normalized)
    }
}
