import Foundation
import VisionDistributed

/// Work split between the ranks of a process group: contiguous shards, each item exactly once
/// (no wrap-around padding), and the parts gathered back in rank order.
enum Shard {
    /// Rank `rank`'s part of `count` items: the first `count % size` ranks take one more.
    static func range(of count: Int, rank: Int, size: Int) -> Range<Int> {
        let base = count / size, extra = count % size
        let start = rank * base + min(rank, extra)
        return start..<(start + base + (rank < extra ? 1 : 0))
    }

    /// Every rank's `part`, in rank order (JSON between the processes).
    static func gather<T: Codable>(_ part: T, group: ProcessGroup) throws -> [T] {
        guard group.isDistributed else { return [part] }
        // Non-finite numbers (a diverged model's scores) travel as strings.
        let encoder = JSONEncoder(), decoder = JSONDecoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let parts = try group.allgather([UInt8](try encoder.encode(part)))
        return try parts.map { try decoder.decode(T.self, from: Data($0)) }
    }
}
