import VisionDistributed
import VisionTensor

/// Synchronised batch norm's sums, over the ranks of a process group.
struct GroupReducer: StatisticsReducer {
    let group: ProcessGroup

    func sum(_ values: inout [Double]) throws {
        values = try group.sum(values)
    }
}
