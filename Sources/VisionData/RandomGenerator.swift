/// A seeded, portable pseudo-random generator (xoshiro256**, seeded through SplitMix64).
///
/// Every draw is defined here rather than through the standard library's `random(in:using:)`, whose
/// algorithms may change between Swift releases: the same seed gives the same numbers everywhere.
public struct RandomGenerator: RandomNumberGenerator, Sendable, Equatable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// A generator seeded from one 64-bit value.
    public init(seed: UInt64) {
        var mixer = seed
        s0 = SplitMix64.next(&mixer)
        s1 = SplitMix64.next(&mixer)
        s2 = SplitMix64.next(&mixer)
        s3 = SplitMix64.next(&mixer)
    }

    /// An independent stream for a tuple of keys, e.g. (seed, epoch, sample index): the stream
    /// depends only on the keys, so results do not depend on which thread draws from it.
    public init(seed: UInt64, stream keys: UInt64...) {
        self.init(seed: RandomGenerator.mix(seed, keys))
    }

    /// The keys folded into one seed through SplitMix64's finaliser.
    public static func mix(_ seed: UInt64, _ keys: [UInt64]) -> UInt64 {
        var state = SplitMix64.finalize(seed ^ 0x6A09_E667_F3BC_C908)
        for key in keys {
            state = SplitMix64.finalize(state &+ 0x9E37_79B9_7F4A_7C15 ^ SplitMix64.finalize(key &+ 0xBB67_AE85_84CA_A73B))
        }
        return state
    }

    public mutating func next() -> UInt64 {
        let result = rotate(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotate(s3, 45)
        return result
    }

    @inline(__always)
    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in [lower, upper) (lower when the range is empty).
    public mutating func uniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * uniform()
    }

    /// Uniform integer in 0..<bound (Lemire's unbiased multiply-shift); 0 when bound <= 1.
    public mutating func int(below bound: Int) -> Int {
        guard bound > 1 else { return 0 }
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold { product = next().multipliedFullWidth(by: range) }
        }
        return Int(product.high)
    }

    /// Uniform integer in the closed range.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + int(below: range.upperBound - range.lowerBound + 1)
    }

    /// True with probability `p`.
    public mutating func bernoulli(_ p: Double) -> Bool { uniform() < p }

    /// Standard normal draw (Box–Muller; one value per call, for simplicity over speed).
    public mutating func normal() -> Double {
        let u1 = 1.0 - uniform()  // (0, 1]: log stays finite
        let u2 = uniform()
        return (-2.0 * _log(u1)).squareRoot() * _cos(2.0 * Double.pi * u2)
    }

    /// Fisher–Yates shuffle of `0..<count` with this generator.
    public mutating func permutation(_ count: Int) -> [Int] {
        var order = Array(0..<count)
        if count > 1 {
            for i in stride(from: count - 1, to: 0, by: -1) {
                order.swapAt(i, int(below: i + 1))
            }
        }
        return order
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): seeds xoshiro and mixes stream keys.
enum SplitMix64 {
    @inline(__always)
    static func next(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return finalize(state)
    }

    @inline(__always)
    static func finalize(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
