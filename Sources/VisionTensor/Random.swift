import Foundation

/// A small, fast, seeded generator (SplitMix64): the same seed gives the same stream everywhere.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// An independent stream for (seed, stream): e.g. one per epoch and sample.
    public init(seed: UInt64, stream: UInt64) {
        var mixer = SeededGenerator(seed: seed ^ (stream &* 0x9E37_79B9_7F4A_7C15))
        state = mixer.next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 24 bits of precision.
    public mutating func nextUniform() -> Float { Float(next() >> 40) / Float(1 << 24) }

    /// Standard normal (Box–Muller).
    public mutating func nextNormal() -> Float {
        let u1 = max(Double(next() >> 11) / Double(1 << 53), 1e-300)
        let u2 = Double(next() >> 11) / Double(1 << 53)
        return Float((-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2))
    }
}

/// Inverted dropout: zeroes each element with probability `p` and scales the rest by 1/(1−p).
public func dropout(_ x: Tensor, probability p: Float, generator: inout SeededGenerator) throws(TensorError) -> Tensor {
    guard (0..<1).contains(p) else { throw .invalidArgument(op: "dropout", detail: "probability must be in [0, 1), got \(p)") }
    if p == 0 { return x }
    let mask = Tensor(zeros: x.shape)
    let keep = 1 / (1 - p)
    for i in 0..<x.count { mask.pointer[i] = generator.nextUniform() < p ? 0 : keep }
    let out = Tensor(zeros: x.shape)
    for i in 0..<x.count { out.pointer[i] = x.pointer[i] * mask.pointer[i] }
    return record(out, op: "dropout", inputs: [x]) { gradient, _ in
        let gi = Tensor(zeros: x.shape)
        for i in 0..<x.count { gi.pointer[i] = gradient.pointer[i] * mask.pointer[i] }
        return [gi]
    }
}
