/// Candidate near-duplicate pairs from perceptual hashes, in close to linear time: bit-sampling
/// locality-sensitive hashing. Each of `tables` tables keys every image by `bits` fixed, randomly
/// chosen bits of its hash; images sharing a key in any table are compared, and kept when either
/// hash is within `radius` bits. Two hashes 8 bits apart share a key in at least one of 24
/// 14-bit tables with probability about 0.98 (10 apart: 0.9), unrelated hashes (32 apart) in
/// about 0.0008, so unrelated pairs are rarely even compared.
///
/// A crowded bucket (hashes of plain or look-alike images) is sorted by hash and each member
/// compared with its next `window` neighbours only, so no bucket costs more than n × window.
public struct HashCandidates: Sendable {
    public struct Options: Sendable, Equatable {
        /// Largest Hamming distance (of 64 bits), on pHash or dHash, for a candidate pair.
        public var radius = 10
        public var tables = 24
        public var bits = 14
        public var window = 64

        public init(radius: Int = 10) { self.radius = radius }
    }

    /// Pairs (i < j) of indices into the hashes.
    public private(set) var pairs: Set<Pair> = []
    /// Pairs of hashes compared bit by bit.
    public private(set) var comparisons = 0

    public struct Pair: Hashable, Sendable, Comparable {
        public let first: Int32, second: Int32
        public init(_ a: Int, _ b: Int) {
            (first, second) = a < b ? (Int32(a), Int32(b)) : (Int32(b), Int32(a))
        }
        public static func < (l: Pair, r: Pair) -> Bool { (l.first, l.second) < (r.first, r.second) }
    }

    /// `hashes[i]`: image i's (pHash, dHash), nil for an image left out (uniform, unreadable).
    public init(hashes: [(p: UInt64, d: UInt64)?], options: Options = Options()) {
        var generator = RandomGenerator(seed: 0x5EED_D0B1, stream: 1)
        let present = hashes.indices.filter { hashes[$0] != nil }
        for kind in 0..<2 {
            for _ in 0..<options.tables {
                // `bits` distinct positions of 64.
                let positions = Array(generator.permutation(64).prefix(min(options.bits, 64)))
                var buckets: [UInt64: [Int32]] = [:]
                for index in present {
                    guard let pair = hashes[index] else { continue }
                    let hash = kind == 0 ? pair.p : pair.d
                    var key: UInt64 = 0
                    for position in positions { key = key << 1 | (hash >> UInt64(position) & 1) }
                    buckets[key, default: []].append(Int32(index))
                }
                for members in buckets.values where members.count > 1 {
                    let sorted = members.count > options.window
                        ? members.sorted { Self.value(hashes, $0, kind) < Self.value(hashes, $1, kind) } : members
                    for a in sorted.indices {
                        for b in sorted.indices[(a + 1)...].prefix(options.window) {
                            let i = Int(sorted[a]), j = Int(sorted[b])
                            let pair = Pair(i, j)
                            if pairs.contains(pair) { continue }
                            guard let x = hashes[i], let y = hashes[j] else { continue }
                            comparisons += 1
                            if (x.p ^ y.p).nonzeroBitCount <= options.radius || (x.d ^ y.d).nonzeroBitCount <= options.radius {
                                pairs.insert(pair)
                            }
                        }
                    }
                }
            }
        }
    }

    private static func value(_ hashes: [(p: UInt64, d: UInt64)?], _ index: Int32, _ kind: Int) -> UInt64 {
        guard let pair = hashes[Int(index)] else { return 0 }
        return kind == 0 ? pair.p : pair.d
    }
}
