import VisionImage
import VisionWorkflow

/// How `vision serve` runs: where it listens, how it batches, and what a request may cost.
public struct ServeConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0 picks a free port (the tests' ephemeral port); `onListening` says which.
    public var port = 8080
    public var maxBatch = 32
    public var maxDelay = Duration.milliseconds(5)
    /// Bodies larger than this are refused (413) before they are read whole.
    public var maxBody = 20 << 20
    public var timeout = 10.0
    /// Requests being handled at once; one more is answered 503 with Retry-After.
    public var maxInflight = 256
    /// Without it, every route is open; with it, all but /healthz and /readyz need `Authorization: Bearer TOKEN`.
    public var token: String?
    public var limits = DecodeLimits.standard
    public var memoryBudget = InferenceMemory.defaultBudget
    /// The drift report compares the last this many images with the model's training fingerprint.
    public var driftWindow = 1000
    /// Where a sampled share of the answered images goes, for labelling and retraining.
    public var capture: CaptureSink?

    public init() {}

    /// Whether `host` only accepts connections from this machine.
    public var isLoopback: Bool { ["127.0.0.1", "::1", "localhost"].contains(host) || host.hasPrefix("127.") }
}
