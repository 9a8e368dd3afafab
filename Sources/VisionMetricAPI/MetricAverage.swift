import VisionPluginAPI
/// An average over classes.
public enum MetricAverage: String, Sendable, Codable, CaseIterable, Comparable {
    /// The unweighted mean of the per-class values.
    case macro
    /// The value of the pooled counts (all classes' true/false positives summed first).
    case micro
    /// The mean of the per-class values weighted by each class's support (its count in the targets).
    case weighted

    public static func < (a: MetricAverage, b: MetricAverage) -> Bool { a.rank < b.rank }

    private var rank: Int {
        switch self {
        case .macro: return 0
        case .micro: return 1
        case .weighted: return 2
        }
    }
}
