import VisionPluginAPI
/// What a metric reads from each batch.
public enum MetricInputs: String, Sendable, Codable, CaseIterable {
    /// Predicted class indices and targets only.
    case labels
    /// Class scores (probabilities, N×K row-major) as well.
    case scores
}

/// Which direction is better, for model selection, early stopping and tuning.
public enum MetricGoal: String, Sendable, Codable, CaseIterable {
    case maximize
    case minimize
    /// No single number to rank by (e.g. a confusion matrix).
    case none
}

/// A metric's identity, known without making one: what `vision metrics` lists.
public struct MetricDescriptor: Sendable, Hashable, Codable {
    /// Registry name, lowercase with underscores (`f1`, `roc_auc`).
    public let name: String
    /// One line saying what it measures.
    public let summary: String
    public let goal: MetricGoal
    public let inputs: MetricInputs

    public init(name: String, summary: String, goal: MetricGoal, inputs: MetricInputs) {
        self.name = name
        self.summary = summary
        self.goal = goal
        self.inputs = inputs
    }

    /// Whether a larger value is better (false for losses and for metrics with no scalar).
    public var higherIsBetter: Bool { goal == .maximize }
    /// Whether the metric needs class scores, not just predicted labels.
    public var needsScores: Bool { inputs == .scores }
}
