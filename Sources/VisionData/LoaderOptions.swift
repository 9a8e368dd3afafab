import VisionImage

/// How the loader orders, batches, shards and decodes.
public struct LoaderOptions: Sendable {
    public var batchSize: Int
    /// Reshuffle every epoch (seeded by (seed, epoch)).
    public var shuffle: Bool
    /// Leave out a last, incomplete batch.
    public var dropLast: Bool
    /// Draw each epoch's samples with replacement so that every class is equally likely
    /// (PyTorch's WeightedRandomSampler with weights 1 / class count); the epoch keeps its length.
    public var classBalanced: Bool
    public var seed: UInt64
    /// Background decode threads; 0 decodes on the caller's thread. Results do not depend on it.
    public var workers: Int
    /// Batches decoded ahead of the consumer at most (bounds memory).
    public var prefetch: Int
    /// Shard for distributed runs: this process takes every `worldSize`-th sample from `rank`.
    public var rank: Int
    public var worldSize: Int
    public var onBadImage: BadImagePolicy
    /// Channels to decode to.
    public var layout: ChannelLayout
    /// What one image's decode may cost; an image over them is a bad image.
    public var limits: DecodeLimits

    public init(
        batchSize: Int = 64, shuffle: Bool = true, dropLast: Bool = false, classBalanced: Bool = false, seed: UInt64 = 0,
        workers: Int = 2, prefetch: Int = 4, rank: Int = 0, worldSize: Int = 1, onBadImage: BadImagePolicy = .skip,
        layout: ChannelLayout = .rgb, limits: DecodeLimits = .standard
    ) {
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.classBalanced = classBalanced
        self.seed = seed
        self.workers = workers
        self.prefetch = prefetch
        self.rank = rank
        self.worldSize = worldSize
        self.onBadImage = onBadImage
        self.layout = layout
        self.limits = limits
    }

    func validate() throws(LoaderError) {
        if batchSize <= 0 { throw .invalidOptions("expected a positive batch size, got \(batchSize)") }
        if workers < 0 { throw .invalidOptions("expected workers >= 0, got \(workers)") }
        if prefetch <= 0 { throw .invalidOptions("expected a positive prefetch, got \(prefetch)") }
        if worldSize <= 0 || rank < 0 || rank >= worldSize {
            throw .invalidOptions("expected 0 <= rank < world size, got rank \(rank), world size \(worldSize)")
        }
    }
}
