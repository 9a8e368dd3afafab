/// Near-duplicates in two stages. Candidates: images whose perceptual hashes (pHash or dHash)
/// are close, found through `HashCandidates`, plus any pairs another source proposes (a model's
/// features). Verification: the thumbnails' best normalised cross-correlation over small shifts
/// must reach `similarity`, and colour images must also share their colours (chromaticity
/// histograms overlapping by `colourOverlap`). Groups by `CompleteLinkage`. Images too uniform
/// to compare are set aside, not matched.
public struct NearDuplicateSearch {
    /// Images with a side under this many pixels are not compared (too little to go on).
    public static let minimumSide = 16

    public struct Options: Sendable, Equatable {
        public var candidates = HashCandidates.Options()
        /// Least correlation of the gray thumbnails for a near-duplicate (-1…1).
        public var similarity = 0.90
        /// Least chromaticity-histogram overlap (0…1) for two colour images.
        public var colourOverlap = 0.70
        /// Pixels of the 32×32 thumbnails each way that the correlation searches (crops and shifts).
        public var maxShift = 2
        /// Least correlation of what is left once the dataset's mean thumbnail is regressed out
        /// of each: look-alikes that share a layout fail here, copies do not.
        public var residualSimilarity = 0.5

        public init(radius: Int = 10, similarity: Double = 0.90) {
            candidates = HashCandidates.Options(radius: radius)
            self.similarity = similarity
        }
    }

    public struct Result: Sendable {
        public var groups: [CompleteLinkage.Group]
        /// Images set aside as too uniform to compare.
        public var uniform: [Int]
        /// Candidate pairs proposed, and how many passed verification.
        public var candidates: Int
        public var verified: Int
    }

    /// `hashes[i]` and `contrast[i]` for each image (nil: unreadable); `thumbnail(i)` decodes image
    /// i's thumbnail when verification needs it (nil: it cannot be read now); `progress` is told
    /// (pairs verified, candidate pairs) every 10,000 pairs and at the end.
    public static func run(
        hashes: consuming [(p: UInt64, d: UInt64)?], contrast: [Float?], extraCandidates: [(Int, Int)] = [], reference: [Float]? = nil,
        options: Options = Options(), progress: ((Int, Int) -> Void)? = nil,
        thumbnail: (Int) -> Thumbnail?
    ) -> Result {
        let uniform = contrast.indices.filter { (contrast[$0] ?? .infinity) < Thumbnail.uniformContrast }
        let plain = Set(uniform)
        // Consumed, so that a million hashes are not held twice.
        var usable = consume hashes
        for index in uniform where usable.indices.contains(index) { usable[index] = nil }
        var candidates = HashCandidates(hashes: usable, options: options.candidates).pairs
        for (a, b) in extraCandidates where a != b && usable.indices.contains(a) && usable.indices.contains(b) && usable[a] != nil && usable[b] != nil {
            candidates.insert(.init(a, b))
        }
        // Thumbnails decoded for verification, kept for reuse up to a bound (4 KB each, 32 MB
        // in all): a million-image audit must not hold every candidate's thumbnail at once.
        var cache: [Int: Thumbnail?] = [:]
        let cacheLimit = 8_192
        func thumb(_ index: Int) -> Thumbnail? {
            if let cached = cache[index] { return cached }
            if cache.count >= cacheLimit { cache.removeAll(keepingCapacity: true) }
            let made = thumbnail(index)
            cache[index] = made
            return made
        }
        func similarity(_ a: Int, _ b: Int) -> Double? {
            guard let x = thumb(a), let y = thumb(b) else { return nil }
            if let overlap = ThumbnailSimilarity.colourOverlap(x, y), overlap < options.colourOverlap { return nil }
            let score = ThumbnailSimilarity.correlation(x, y, maxShift: options.maxShift)
            guard score >= options.similarity else { return nil }
            if let reference {
                let residual = ThumbnailSimilarity.correlation(
                    ThumbnailSimilarity.residual(x, reference: reference), ThumbnailSimilarity.residual(y, reference: reference),
                    maxShift: options.maxShift)
                guard residual >= options.residualSimilarity else { return nil }
            }
            return score
        }
        // In order, and the set let go before thumbnails fill the cache (at a million images
        // the set alone held 70 MB).
        var ordered = Array(candidates)
        let candidateCount = candidates.count
        candidates = []
        ordered.sort()
        var verified: [(a: Int, b: Int, score: Double)] = []
        for (done, pair) in ordered.enumerated() {
            let a = Int(pair.first), b = Int(pair.second)
            if let score = similarity(a, b) { verified.append((a, b, score)) }
            if let progress, done % 10_000 == 0 { progress(done, ordered.count) }
        }
        if !ordered.isEmpty { progress?(ordered.count, ordered.count) }
        let groups = CompleteLinkage.groups(pairs: verified) { plain.contains($0) || plain.contains($1) ? nil : similarity($0, $1) }
        return Result(groups: groups, uniform: uniform, candidates: candidateCount, verified: verified.count)
    }
}
