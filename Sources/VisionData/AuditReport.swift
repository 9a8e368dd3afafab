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
        /// Each path's class and split, in the order of `paths`.
        public var classes: [String]
        public var splits: [String]
        /// The group's least similarity to its representative (1 for identical bytes).
        public var score: Double
    }

    /// An image unlike the rest of its class: how far, and against what.
    public struct Outlier: Sendable, Codable, Equatable {
        public var path: String
        public var `class`: String
        /// The image's value (mean brightness in [0, 1]; pixels for sizes; cosine distance to
        /// the class centre for features).
        public var value: Double
        /// The class's typical value (its median for sizes, mean otherwise).
        public var typical: Double
        /// How many standard deviations away (for sizes, the factor from the median).
        public var deviation: Double

        public init(path: String, class name: String, value: Double, typical: Double, deviation: Double) {
            self.path = path
            self.class = name
            self.value = value
            self.typical = typical
            self.deviation = deviation
        }
    }

    /// Files that are the same picture though not the same bytes: the representative first.
    public struct NearDuplicateGroup: Sendable, Codable, Equatable {
        public var paths: [String]
        /// Each path's similarity to the first (thumbnail correlation; 1 for the first itself
        /// and for exact copies of a member, which carry that member's score).
        public var scores: [Double]
    }

    /// The thresholds the near-duplicate search used.
    public struct NearDuplicateSettings: Sendable, Codable, Equatable {
        /// Candidates: pHash or dHash within this many bits of 64.
        public var hashRadius: Int
        /// Verified: thumbnail correlation at least this.
        public var similarity: Double
        /// Verified (colour images): chromaticity histograms overlapping at least this much.
        public var colourOverlap: Double
        /// Verified: the thumbnails' correlation once the dataset's mean thumbnail is regressed out.
        public var residualSimilarity: Double
        /// Thumbnail pixels (of 32) of shift searched.
        public var maxShift: Int
        /// Gray thumbnails with a standard deviation under this (0–255) are too uniform to compare.
        public var uniformContrast: Double
        /// Images with a side under this many pixels are not compared.
        public var minimumSide: Int

        public init(_ options: NearDuplicateSearch.Options) {
            hashRadius = options.candidates.radius
            similarity = options.similarity
            colourOverlap = options.colourOverlap
            maxShift = options.maxShift
            residualSimilarity = options.residualSimilarity
            uniformContrast = Double(Thumbnail.uniformContrast)
            minimumSide = NearDuplicateSearch.minimumSide
        }
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
    /// Near-duplicate groups (candidates from perceptual hashes, verified on thumbnails, grouped
    /// by complete linkage), ordered by their first file.
    public var nearDuplicateGroups: [NearDuplicateGroup]
    public var nearDuplicateSettings: NearDuplicateSettings
    /// Candidate pairs proposed and verified.
    public var nearDuplicateCandidates = 0
    public var nearDuplicatePairsVerified = 0
    /// Images too uniform to compare (left out of the near-duplicate search).
    public var uniformImages: [String] = []
    /// Images under 16 pixels a side (left out of the near-duplicate search).
    public var smallImages: [String] = []
    public var leakage: [Leak]
    /// Images far brighter or darker than their class (more than 3 standard deviations).
    public var exposureOutliers: [Outlier] = []
    /// Images whose longer side is over twice or under half their class's median.
    public var sizeOutliers: [Outlier] = []
    /// Images far from their class in a model's feature space (with `--using`), filled in by the caller.
    public var featureOutliers: [Outlier] = []
    /// More than one stored channel count (gray beside colour, alpha beside none).
    public var mixedChannels: Bool { channels.count > 1 }
}
