import Dispatch
import Foundation

/// Gathers concurrent requests for one model into batches: a batch starts when `maxBatch`
/// inputs wait, when the oldest has waited `maxDelay`, or, while the network is busy, as soon
/// as it is free again (whatever has gathered by then goes together). The network runs on a
/// thread of its own, never on the server's tasks; each request gets its own row back, and a
/// failed batch fails only its own requests.
actor MicroBatcher {
    typealias Run = @Sendable ([[Float]]) throws -> [[Float]]

    private struct Job {
        let input: [Float]
        let enqueued: ContinuousClock.Instant
        let continuation: CheckedContinuation<[Float], any Error>
    }

    private let maxBatch: Int
    private let maxDelay: Duration
    private let run: Run
    private let compute: DispatchQueue
    private let onBatch: @Sendable (Int) -> Void
    private let onDepth: @Sendable (Int) -> Void
    private var pending: [Job] = []
    private var running = false
    private var timerArmed = false
    /// Shutting down: batches start at once instead of waiting out their delay.
    private var flushing = false
    /// Who waits for the last batch to finish (shutdown: the process must not exit under it).
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []

    init(
        name: String, maxBatch: Int, maxDelay: Duration, run: @escaping Run, onBatch: @escaping @Sendable (Int) -> Void,
        onDepth: @escaping @Sendable (Int) -> Void
    ) {
        self.maxBatch = max(maxBatch, 1)
        self.maxDelay = maxDelay
        self.run = run
        self.onBatch = onBatch
        self.onDepth = onDepth
        compute = DispatchQueue(label: "vision.serve.compute.\(name)", qos: .userInitiated)
    }

    /// The class probabilities for one preprocessed input.
    func submit(_ input: [Float]) async throws -> [Float] {
        try await withCheckedThrowingContinuation { continuation in
            pending.append(Job(input: input, enqueued: .now, continuation: continuation))
            onDepth(pending.count)
            startIfDue()
        }
    }

    private func startIfDue() {
        guard !running, let oldest = pending.first else { return }
        if pending.count >= maxBatch || flushing || ContinuousClock.now - oldest.enqueued >= maxDelay {
            start()
        } else if !timerArmed {
            timerArmed = true
            let wait = maxDelay - (ContinuousClock.now - oldest.enqueued)
            Task {
                try? await Task.sleep(for: wait)
                self.timerFired()
            }
        }
    }

    /// From now on every waiting job runs without waiting for its batch to fill (shutdown);
    /// returns when nothing waits or runs, so that exiting does not tear oneDNN down under a batch.
    func flush() async {
        flushing = true
        startIfDue()
        if running || !pending.isEmpty {
            await withCheckedContinuation { idleWaiters.append($0) }
        }
    }

    private func timerFired() {
        timerArmed = false
        startIfDue()
    }

    private func start() {
        let count = min(pending.count, maxBatch)
        let jobs = Array(pending.prefix(count))
        pending.removeFirst(count)
        onDepth(pending.count)
        running = true
        onBatch(jobs.count)
        let run = self.run
        compute.async {
            let result = Result { try run(jobs.map(\.input)) }
            switch result {
            case .success(let rows) where rows.count == jobs.count:
                for (job, row) in zip(jobs, rows) { job.continuation.resume(returning: row) }
            case .success:
                for job in jobs { job.continuation.resume(throwing: ServeError.badRequest("the network gave the wrong number of rows")) }
            case .failure(let error):
                for job in jobs { job.continuation.resume(throwing: error) }
            }
            Task { await self.finished() }
        }
    }

    private func finished() {
        running = false
        startIfDue()
        if !running && pending.isEmpty {
            for waiter in idleWaiters { waiter.resume() }
            idleWaiters = []
        }
    }
}
