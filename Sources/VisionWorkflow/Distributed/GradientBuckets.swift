import Foundation
import VisionDistributed
import VisionTensor

/// Sums each step's gradients over the ranks, in buckets of several parameters per call
/// (PyTorch DDP's scheme): parameters are bucketed in reverse registration order, which is
/// roughly the order backward finishes them; a bucket's reduction starts (`MPI_Iallreduce`) as
/// soon as all its gradients are complete, so that it travels while backward computes the rest.
/// Buckets start strictly in order, so every rank issues the same collectives in the same order.
///
/// Each rank runs backward from its share of the global batch's loss (the training loop scales
/// the seed), so the sum is the gradient of the global batch's mean loss: what one process with
/// the whole batch computes, whatever the ranks' image counts (skipped images included).
final class GradientBuckets {
    private let group: ProcessGroup
    private let parameters: [Tensor]
    /// Bucket of each parameter (by identity) and its offset in that bucket's buffer.
    private var place: [ObjectIdentifier: (bucket: Int, offset: Int, index: Int)] = [:]
    private var buckets: [Bucket] = []
    private var nextToStart = 0
    /// Time this rank spent blocked on reductions, and the reduced volume, since it was made.
    private(set) var waitSeconds = 0.0
    private(set) var steps = 0
    let bytesPerStep: Int

    /// Parameters' gradients end to end, then one number per parameter: how many ranks had a
    /// gradient for it (a parameter no rank's backward reached keeps no gradient, as in one process).
    final class Bucket {
        let members: [Int]
        let buffer: UnsafeMutableBufferPointer<Float>
        /// Where the per-parameter counts start.
        let flags: Int
        var remaining: Int
        var pending: PendingReduction?

        init(members: [Int], count: Int) {
            self.members = members
            flags = count
            buffer = .allocate(capacity: count + members.count)
            remaining = members.count
        }

        deinit {
            // A reduction still in flight (an error cut the step short; the job is about to end)
            // may yet write into the buffer: leave it to the process's end rather than free it.
            if let pending, (try? pending.test()) != true { return }
            buffer.deallocate()
        }
    }

    /// `capacity`: values per bucket (a parameter larger than it gets a bucket of its own).
    init(parameters: [Tensor], group: ProcessGroup, capacity: Int = 1 << 18) {
        self.group = group
        self.parameters = parameters
        var current: [Int] = [], filled = 0
        var layout: [(members: [Int], count: Int)] = []
        for index in parameters.indices.reversed() {
            let count = parameters[index].count
            if filled > 0 && filled + count > capacity {
                layout.append((current, filled))
                current = []
                filled = 0
            }
            place[ObjectIdentifier(parameters[index])] = (layout.count, filled, index)
            current.append(index)
            filled += count
        }
        if !current.isEmpty { layout.append((current, filled)) }
        buckets = layout.map { Bucket(members: $0.members, count: $0.count) }
        bytesPerStep = parameters.reduce(0) { $0 + $1.count } * MemoryLayout<Float>.size
    }

    /// Before backward.
    func beginStep() {
        nextToStart = 0
        for bucket in buckets {
            bucket.remaining = bucket.members.count
            bucket.pending = nil
        }
    }

    /// Backward's hook: `tensor`'s gradient is complete.
    func gradientReady(_ tensor: Tensor) throws {
        guard let (bucket, _, _) = place[ObjectIdentifier(tensor)] else { return }
        buckets[bucket].remaining -= 1
        try startReadyBuckets()
        // Open MPI progresses a non-blocking reduction only inside MPI calls: a test now and then.
        for bucket in buckets[..<nextToStart] { _ = try bucket.pending?.test() }
    }

    /// After backward (or instead of it, when this rank had no image): starts what is left (a
    /// parameter backward did not reach adds zero), waits for every sum, and sets each parameter's
    /// `grad` to the global gradient (none when no rank had one).
    func finish() throws {
        for bucket in buckets { bucket.remaining = 0 }
        try startReadyBuckets()
        let clock = ContinuousClock()
        let start = clock.now
        for bucket in buckets { try bucket.pending?.wait() }
        waitSeconds += (clock.now - start).seconds
        steps += 1
        for bucket in buckets {
            var offset = 0
            for (position, index) in bucket.members.enumerated() {
                let parameter = parameters[index]
                if bucket.buffer[bucket.flags + position] > 0 {
                    parameter.grad = try Tensor(Array(bucket.buffer[offset..<(offset + parameter.count)]), shape: parameter.shape)
                } else {
                    parameter.grad = nil
                }
                offset += parameter.count
            }
        }
    }

    private func startReadyBuckets() throws {
        while nextToStart < buckets.count && buckets[nextToStart].remaining == 0 {
            let bucket = buckets[nextToStart]
            var offset = 0
            for (position, index) in bucket.members.enumerated() {
                let parameter = parameters[index]
                let target = bucket.buffer.baseAddress! + offset
                if let grad = parameter.grad {
                    target.update(from: grad.values, count: parameter.count)
                } else {
                    target.update(repeating: 0, count: parameter.count)
                }
                bucket.buffer[bucket.flags + position] = parameter.grad == nil ? 0 : 1
                offset += parameter.count
            }
            bucket.pending = try group.startAllreduceSum(bucket.buffer)
            nextToStart += 1
        }
    }
}
