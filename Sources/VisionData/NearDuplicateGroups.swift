/// Groups of 64-bit perceptual hashes linked by chains of near neighbours: the connected
/// components of the graph whose edges join hashes at most `threshold` bits apart (so A ~ B ~ C is
/// one group even when A and C are further apart).
///
/// Candidate pairs come from banded buckets: the 64 bits are cut into threshold + 1 bands, and two
/// hashes within `threshold` bits agree on at least one whole band (pigeonhole), so only hashes
/// sharing a band value are compared, each pair checked by the popcount of its XOR. Spread-out
/// hashes then cost about n·(t + 1) bucket insertions instead of n²/2 comparisons; identical
/// hashes are merged first, so a thousand copies of one image fill no bucket.
public struct NearDuplicateGroups: Sendable, Equatable {
    /// Indices into the hashes, each group ascending with at least two members, groups ordered by
    /// their first index.
    public var groups: [[Int]]
    /// Pairs of distinct hash values compared (at most one per pair and band shared).
    public var comparisons: Int

    public init(hashes: [UInt64], threshold: Int) {
        comparisons = 0
        guard threshold >= 0 else {
            groups = []  // no distance is negative
            return
        }
        var sets = UnionFind(count: hashes.count)
        // Identical hashes are at distance 0: one representative of each value enters the buckets.
        var firstOfValue: [UInt64: Int] = [:]
        var distinct: [Int] = []
        for (index, hash) in hashes.enumerated() {
            if let first = firstOfValue[hash] {
                sets.union(first, index)
            } else {
                firstOfValue[hash] = index
                distinct.append(index)
            }
        }
        if threshold >= 64 {
            // Every pair is within 64 bits.
            for index in distinct.dropFirst() { sets.union(distinct[0], index) }
        } else {
            for (low, width) in Self.bands(count: threshold + 1) {
                let mask: UInt64 = width == 64 ? ~0 : (1 << UInt64(width)) - 1
                var buckets: [UInt64: [Int]] = [:]
                for index in distinct { buckets[hashes[index] >> UInt64(low) & mask, default: []].append(index) }
                for members in buckets.values where members.count > 1 {
                    for a in members.indices {
                        for b in members.indices[(a + 1)...] {
                            let i = members[a], j = members[b]
                            if sets.find(i) == sets.find(j) { continue }  // already linked
                            comparisons += 1
                            if (hashes[i] ^ hashes[j]).nonzeroBitCount <= threshold { sets.union(i, j) }
                        }
                    }
                }
            }
        }
        var byRoot: [Int: [Int]] = [:]
        for index in hashes.indices { byRoot[sets.find(index), default: []].append(index) }
        groups = byRoot.values.filter { $0.count > 1 }.sorted { $0[0] < $1[0] }
    }

    /// `count` bands covering the 64 bits as evenly as possible: (lowest bit, width).
    static func bands(count: Int) -> [(low: Int, width: Int)] {
        var out: [(low: Int, width: Int)] = []
        var low = 0
        for band in 0..<count {
            let width = 64 / count + (band < 64 % count ? 1 : 0)
            out.append((low, width))
            low += width
        }
        return out
    }
}

/// Disjoint sets over 0..<count with path halving and union by size.
struct UnionFind {
    private var parent: [Int]
    private var size: [Int]

    init(count: Int) {
        parent = Array(0..<count)
        size = Array(repeating: 1, count: count)
    }

    mutating func find(_ x: Int) -> Int {
        var x = x
        while parent[x] != x {
            parent[x] = parent[parent[x]]
            x = parent[x]
        }
        return x
    }

    mutating func union(_ a: Int, _ b: Int) {
        var a = find(a), b = find(b)
        if a == b { return }
        if size[a] < size[b] { swap(&a, &b) }
        parent[b] = a
        size[a] += size[b]
    }
}
