import Foundation
import VisionDistributed
import VisionNN
import VisionTensor

/// Keeps the ranks' copies of a model identical: the same start, batch-norm running statistics
/// averaged after each epoch, and (in debug builds) a check that they still agree.
enum ModelReplicas {
    /// Rank 0's parameters and buffers on every rank.
    static func broadcast(_ model: Module, group: ProcessGroup) throws {
        guard group.isDistributed else { return }
        let tensors = (model.namedParameters() + model.namedBuffers()).map(\.tensor)
        var packed = pack(tensors)
        try packed.withUnsafeMutableBufferPointer { (buffer) throws(DistributedError) in try group.broadcast(buffer, from: 0) }
        unpack(packed, into: tensors)
    }

    /// Each batch-norm running statistic replaced by its mean over the ranks (each rank saw its
    /// own images), so that validation and the saved model use the same numbers everywhere.
    static func averageBuffers(_ model: Module, group: ProcessGroup) throws {
        guard group.isDistributed else { return }
        let tensors = model.namedBuffers().map(\.tensor)
        guard !tensors.isEmpty else { return }
        var packed = pack(tensors)
        try packed.withUnsafeMutableBufferPointer { (buffer) throws(DistributedError) in try group.allreduceSum(buffer) }
        let scale = 1 / Float(group.size)
        for index in packed.indices { packed[index] *= scale }
        unpack(packed, into: tensors)
    }

    /// Fails when any rank's parameters or buffers differ from rank 0's by a single bit.
    static func checkAgreement(_ model: Module, group: ProcessGroup, epoch: Int) throws {
        guard group.isDistributed else { return }
        let named = model.namedParameters() + model.namedBuffers()
        let digests = named.map { digest($0.tensor) }
        let all = try group.allgather(digests)
        for (rank, theirs) in all.enumerated() where theirs != all[0] {
            let first = zip(theirs, all[0]).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? 0
            throw DistributedError.ranksDisagree(
                "after epoch \(epoch), rank \(rank)'s '\(named[first].name)' differs from rank 0's: the ranks no longer train the same model")
        }
    }

    static func pack(_ tensors: [Tensor]) -> [Float] {
        var packed: [Float] = []
        packed.reserveCapacity(tensors.reduce(0) { $0 + $1.count })
        for tensor in tensors { packed += UnsafeBufferPointer(start: tensor.values, count: tensor.count) }
        return packed
    }

    static func unpack(_ packed: [Float], into tensors: [Tensor]) {
        var offset = 0
        for tensor in tensors {
            let target = tensor.pointer  // marks the tensor modified: cached derived weights are rebuilt
            for i in 0..<tensor.count { target[i] = packed[offset + i] }
            offset += tensor.count
        }
    }

    /// FNV-1a over the tensor's bit patterns.
    static func digest(_ tensor: Tensor) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        let values = tensor.values
        for i in 0..<tensor.count { hash = (hash ^ UInt64(values[i].bitPattern)) &* 0x100_0000_01b3 }
        return hash
    }
}
