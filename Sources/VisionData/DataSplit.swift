/// The three partitions of a dataset.
public enum DataSplit: String, Sendable, Codable, CaseIterable, Comparable {
    case train
    case val
    case test

    public static func < (lhs: DataSplit, rhs: DataSplit) -> Bool { lhs.rank < rhs.rank }

    private var rank: Int {
        switch self {
        case .train: return 0
        case .val: return 1
        case .test: return 2
        }
    }

    /// Accepts the spellings people use in folder names and manifests.
    public init?(name: String) {
        switch name.lowercased() {
        case "train", "training": self = .train
        case "val", "valid", "validation", "dev": self = .val
        case "test", "testing": self = .test
        default: return nil
        }
    }
}
