import Testing
import VisionData

@Suite struct NearDuplicateTests {
    /// The reference: every pair compared, groups as connected components.
    static func bruteForce(_ hashes: [UInt64], threshold: Int) -> [[Int]] {
        var parent = Array(hashes.indices)
        func root(_ x: Int) -> Int { parent[x] == x ? x : root(parent[x]) }
        for i in hashes.indices {
            for j in hashes.indices where j > i && PerceptualHash.distance(hashes[i], hashes[j]) <= threshold {
                parent[root(j)] = root(i)
            }
        }
        let byRoot = Dictionary(grouping: hashes.indices, by: root)
        return byRoot.values.map { $0.sorted() }.filter { $0.count > 1 }.sorted { $0[0] < $1[0] }
    }

    /// `hash` with `bits` distinct random bits flipped.
    static func flip(_ hash: UInt64, bits: Int, _ random: inout RandomGenerator) -> UInt64 {
        var mask: UInt64 = 0
        while mask.nonzeroBitCount < bits { mask |= 1 << (random.next() % 64) }
        return hash ^ mask
    }

    @Test func aChainIsOneGroup() {
        let a: UInt64 = 0xF0F0_1234_ABCD_0000
        let b = a ^ 0b111  // 3 bits from a
        let c = b ^ 0b111_000  // 3 bits from b, 6 from a
        let far = ~a
        #expect(PerceptualHash.distance(a, c) > 3)
        #expect(NearDuplicateGroups(hashes: [c, far, a, b], threshold: 3).groups == [[0, 2, 3]])
        // Without b, a and c are not near.
        #expect(NearDuplicateGroups(hashes: [c, far, a], threshold: 3).groups.isEmpty)
    }

    @Test func matchesBruteForceOnRandomHashesWithPlantedNeighbours() {
        var random = RandomGenerator(seed: 42)
        for threshold in [0, 1, 2, 3, 5, 8, 13, 31] {
            var hashes = (0..<150).map { _ in random.next() }
            // Neighbours of earlier hashes (so chains form), some just beyond the threshold, and
            // exact copies.
            for _ in 0..<250 {
                let base = hashes[Int(random.next() % UInt64(hashes.count))]
                let bits = Int(random.next() % UInt64(threshold + 3))
                hashes.append(Self.flip(base, bits: bits, &random))
            }
            hashes.shuffle(using: &random)
            let expected = Self.bruteForce(hashes, threshold: threshold)
            #expect(expected.contains { $0.count >= 3 }, "threshold \(threshold): no chain planted")
            #expect(NearDuplicateGroups(hashes: hashes, threshold: threshold).groups == expected, "threshold \(threshold)")
        }
    }

    @Test func thresholdsAtTheEnds() {
        let hashes: [UInt64] = [0, 1, 0, .max, 3]
        #expect(NearDuplicateGroups(hashes: hashes, threshold: 0).groups == [[0, 2]])
        #expect(NearDuplicateGroups(hashes: hashes, threshold: 1).groups == [[0, 1, 2, 4]])
        #expect(NearDuplicateGroups(hashes: hashes, threshold: 61).groups == [[0, 1, 2, 4]])
        #expect(NearDuplicateGroups(hashes: hashes, threshold: 62).groups == [[0, 1, 2, 3, 4]])  // .max is 62 from 3
        #expect(NearDuplicateGroups(hashes: hashes, threshold: 64).groups == [[0, 1, 2, 3, 4]])
        #expect(NearDuplicateGroups(hashes: hashes, threshold: -1).groups.isEmpty)
        #expect(NearDuplicateGroups(hashes: [], threshold: 3).groups.isEmpty)
    }

    /// Not timed: the work is counted. All-pairs would compare n(n−1)/2 pairs.
    @Test func comparesFewPairs() {
        var random = RandomGenerator(seed: 7)
        var hashes = (0..<20_000).map { _ in random.next() }
        let planted = (0..<200).map { i in Self.flip(hashes[i * 10], bits: 3, &random) }
        hashes += planted
        let result = NearDuplicateGroups(hashes: hashes, threshold: 3)
        let allPairs = hashes.count * (hashes.count - 1) / 2
        #expect(result.comparisons * 1000 < allPairs, "\(result.comparisons) comparisons")
        for i in 0..<200 { #expect(result.groups.contains([i * 10, 20_000 + i])) }
        // Many copies of one image (say, blank frames) are merged before any bucket is filled.
        let blank = NearDuplicateGroups(hashes: Array(repeating: 0, count: 5_000) + [1, 3], threshold: 3)
        #expect(blank.groups == [Array(0..<5_002)])
        #expect(blank.comparisons <= 8)
    }
}
