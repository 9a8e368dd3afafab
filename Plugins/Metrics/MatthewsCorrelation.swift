import VisionMetricAPI

/// The multiclass Matthews correlation coefficient (Gorodkin's R_K; scikit-learn's matthews_corrcoef).
public struct MatthewsCorrelation: ConfigurableMetric, ConfusionMatrixMetric {
    public typealias Configuration = EmptyConfiguration
    public static let descriptor = MetricDescriptor(
        name: "matthews_correlation",
        summary: "Correlation between predicted and target classes in [-1, 1]; 0 when either is constant.",
        goal: .maximize, inputs: .labels)

    public var confusion: ConfusionMatrix
    public let configuration = EmptyConfiguration()

    public init(numClasses: Int, configuration: EmptyConfiguration = EmptyConfiguration()) throws {
        try ConfigurationCheck.minimumClasses(numClasses, 2, metric: Self.descriptor.name)
        confusion = ConfusionMatrix(numClasses: numClasses)
    }

    public func compute(from confusion: ConfusionMatrix) throws -> MetricResult {
        let t = confusion.support.map(Double.init)
        let p = confusion.predicted.map(Double.init)
        let n = Double(confusion.total)
        let correct = Double(confusion.truePositives.reduce(0, +))
        let dot = { (a: [Double], b: [Double]) in zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        let covariance = correct * n - dot(t, p)
        let predictedVariance = n * n - dot(p, p)
        let targetVariance = n * n - dot(t, t)
        // A constant prediction or target has no correlation to measure: 0, as scikit-learn returns.
        guard predictedVariance * targetVariance != 0 else { return MetricResult(value: 0) }
        return MetricResult(value: covariance / (predictedVariance * targetVariance).squareRoot())
    }
}
