import Foundation

/// Reordered copies of weights for inference, one per (weight storage, layout), valid while
/// the weight's version is unchanged. Entries hold the source storage weakly, so a freed
/// weight never matches a new one that happens to reuse its address.
final class WeightCache: @unchecked Sendable {
    static let shared = WeightCache()

    private struct Entry {
        weak var source: TensorStorage?
        let version: Int
        let reordered: TensorStorage
    }

    private var entries: [String: Entry] = [:]
    private let lock = NSLock()

    private func key(_ source: TensorStorage, _ layout: String) -> String {
        "\(UInt(bitPattern: ObjectIdentifier(source).hashValue)) \(layout)"
    }

    func lookup(_ source: TensorStorage, version: Int, layout: String) -> TensorStorage? {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = entries[key(source, layout)], entry.source === source, entry.version == version else { return nil }
        return entry.reordered
    }

    func store(_ reordered: TensorStorage, for source: TensorStorage, version: Int, layout: String) {
        lock.lock()
        defer { lock.unlock() }
        if entries.count > 4096 { entries = entries.filter { $0.value.source != nil } }
        entries[key(source, layout)] = Entry(source: source, version: version, reordered: reordered)
    }
}
