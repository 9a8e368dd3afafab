import Synchronization

/// The last `capacity` images a server saw (their features, format and predicted class), safe
/// to feed from many requests at once; `report` compares them with the model's fingerprint.
public final class DriftWindow: Sendable {
    private struct Entry {
        var features: [Double]
        var format: String
        var predicted: Int
    }
    private struct State {
        var entries: [Entry] = []
        var next = 0
    }
    public let capacity: Int
    private let state = Mutex(State())

    public init(capacity: Int = 1000) { self.capacity = max(capacity, 1) }

    public func add(features: [Double], format: String, predicted: Int) {
        state.withLock { state in
            let entry = Entry(features: features, format: format, predicted: predicted)
            if state.entries.count < capacity {
                state.entries.append(entry)
            } else {
                state.entries[state.next] = entry
                state.next = (state.next + 1) % capacity
            }
        }
    }

    public func report(_ fingerprint: DriftFingerprint, classes: [String]) -> DriftReport {
        let entries = state.withLock { $0.entries }
        return DriftReport(
            fingerprint: fingerprint, rows: entries.map(\.features), formats: entries.map(\.format), predicted: entries.map(\.predicted),
            classes: classes)
    }
}
