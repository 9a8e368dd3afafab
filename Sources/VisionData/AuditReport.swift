/// The findings of `DataAudit`: what `vision data inspect` prints (and writes with --json).
public struct AuditReport: Sendable, Codable, Equatable {
    /// A file that could not be read or decoded.
    public struct Corrupt: Sendable, Codable, Equatable {
        public var path: String
        public var reason: String
    }

    /// Per-channel statistics of the train split, in [0, 1] units.
    public struct Statistics: Sendable, Codable, Equatable {
        public var images: Int
        public var mean: [Double]
        public var std: [Double]
    }

    /// Image sizes seen.
    public struct Sizes: Sendable, Codable, Equatable {
        public var minWidth: Int, maxWidth: Int, minHeight: Int, maxHeight: Int
        /// The most common "W×H" sizes with their counts, most frequent first (at most 5).
        public var common: [SizeCount]
    }

    public struct SizeCount: Sendable, Codable, Equatable {
        public var size: String
        public var count: Int
    }

    /// The same (or nearly the same) image where it must not be twice.
    public struct Leak: Sendable, Codable, Equatable {
        /// "class" (one image under two labels) or "split" (one image in two splits).
        public var kind: String
        /// "exact" (identical bytes) or "near" (perceptual hash).
        public var match: String
        public var paths: [String]
        public var classes: [String]
        public var splits: [String]
    }

    public var root: String
    public var source: String
    /// Class name → file count.
    public var classes: [String: Int]
    /// Class names in label order.
    public var classOrder: [String]
    /// Largest class count / smallest (nil when a class is empty).
    public var imbalanceRatio: Double?
    public var files: Int
    public var readable: Int
    public var corrupt: [Corrupt]
    /// "png"/"jpeg" → count.
    public var formats: [String: Int]
    /// Stored channel count ("1", "3", …) → count.
    public var channels: [String: Int]
    /// Colour images whose R, G and B are equal: gray stored as RGB (train on one channel).
    public var grayStoredAsRGB = 0
    public var sizes: Sizes?
    /// Files per split ("train", "val", "test").
    public var splits: [String: Int]
    /// How the splits were made: "preset" or "METHOD seed S" (e.g. "keyed-hash-threshold-v2 seed 0").
    public var splitMethod: String
    public var trainStatistics: Statistics?
    /// Groups of files with identical bytes.
    public var duplicates: [[String]]
    /// Groups of files linked by chains of perceptual hashes within the threshold (connected
    /// components, so a group's ends may be further apart), not all with identical bytes; each in
    /// dataset order, groups ordered by their first file.
    public var nearDuplicates: [[String]]
    public var nearDuplicateThreshold: Int
    public var leakage: [Leak]
}
