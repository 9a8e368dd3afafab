import Foundation

/// What a distributed run's steps spent waiting on the other ranks (gradient sums and the
/// small per-step agreements), against the steps' whole time.
public struct CommunicationStatistics: Sendable, Equatable {
    public var steps = 0
    /// Time blocked in collectives during steps (not hidden behind backward).
    public var waitSeconds = 0.0
    /// The steps' whole time (data wait, forward, backward, reductions, optimizer).
    public var stepSeconds = 0.0
    /// Gradient values summed per step, in bytes.
    public var bytesPerStep = 0

    /// The share of step time spent waiting on collectives.
    public var share: Double { stepSeconds > 0 ? waitSeconds / stepSeconds : 0 }

    /// `allreduce: 1.1 MB per step, 2.3 ms waited per step (4.1% of step time)`.
    public var summary: String {
        let perStep = steps > 0 ? waitSeconds / Double(steps) * 1000 : 0
        return String(format: "allreduce: %.2f MB of gradients per step, %.2f ms waited per step (%.1f%% of step time over %d steps)",
                      Double(bytesPerStep) / 1_000_000, perStep, share * 100, steps)
    }
}
