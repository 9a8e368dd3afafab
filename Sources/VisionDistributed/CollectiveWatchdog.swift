import Foundation

/// Ends the process when one collective call has waited longer than `timeout` seconds: a rank
/// that hangs (not one that dies: the launcher ends the job then) must not keep the others
/// waiting for ever. Exiting without `MPI_Finalize` makes the launcher stop every rank.
final class CollectiveWatchdog: @unchecked Sendable {
    private let lock = NSLock()
    private var started: (what: String, at: Double)?
    private var suspensions = 0
    private let rank: Int
    private let timeout: Double

    init(rank: Int, timeout: Double) {
        self.rank = rank
        self.timeout = timeout
        guard timeout > 0 else { return }
        let thread = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: min(1, timeout / 4))
                check()
            }
        }
        thread.name = "vision-collective-watchdog"
        thread.start()
    }

    /// Runs one collective under watch.
    func watch<T>(_ what: @autoclosure () -> String, _ body: () throws(DistributedError) -> T) throws(DistributedError) -> T {
        guard timeout > 0 else { return try body() }
        lock.withLock { started = (what(), Self.now) }
        defer { lock.withLock { started = nil } }
        return try body()
    }

    /// Runs `body` with no collective timed.
    func suspended<T>(_ body: () throws -> T) rethrows -> T {
        lock.withLock { suspensions += 1 }
        defer { lock.withLock { suspensions -= 1 } }
        return try body()
    }

    private func check() {
        guard let (what, at) = lock.withLock({ suspensions == 0 ? started : nil }), Self.now - at > timeout else { return }
        let message = String(
            format: "rank %d: %@ has waited %.0f s for the other ranks (--collective-timeout %.0f): one of them is stuck; stopping the job\n",
            rank, what, Self.now - at, timeout)
        FileHandle.standardError.write(Data(message.utf8))
        _exit(124)
    }

    private static var now: Double { Date().timeIntervalSinceReferenceDate }
}
