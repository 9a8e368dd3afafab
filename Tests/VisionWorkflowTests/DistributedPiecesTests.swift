import Foundation
import Testing
import VisionDistributed
import VisionMetricAPI
import VisionTensor
@testable import VisionWorkflow

/// The single-process pieces of distributed training and evaluation: shards, metric-state
/// merging, per-image losses and gradient buckets (the MPI jobs are in DistributedCommandTests).
@Suite struct DistributedPiecesTests {
    @Test func shardsCoverEveryItemOnceInOrder() {
        for count in 0...23 {
            for size in 1...5 {
                let shards = (0..<size).map { Shard.range(of: count, rank: $0, size: size) }
                #expect(shards.flatMap { Array($0) } == Array(0..<count), "\(count) items over \(size) ranks: \(shards)")
                let lengths = shards.map(\.count)
                #expect((lengths.max() ?? 0) - (lengths.min() ?? 0) <= 1)
            }
        }
    }

    /// 37 images, 3 classes: predictions with a little structure, in shards of 13, 12 and 12.
    static func predictions() -> Predictions {
        var generator = SeededGenerator(seed: 11)
        var all = Predictions(classes: ["a", "b", "c"])
        for _ in 0..<37 {
            let target = Int.random(in: 0..<3, using: &generator)
            var row = (0..<3).map { _ in Float.random(in: 0.05...1, using: &generator) }
            row[target] += Float.random(in: 0...1.5, using: &generator)
            let total = row.reduce(0, +)
            row = row.map { $0 / total }
            all.append(probabilities: row, targets: [target], paths: ["img\(all.count).png"], losses: [-Double(log(row[target]))])
        }
        return all
    }

    static func slice(_ p: Predictions, _ range: Range<Int>) -> Predictions {
        var part = Predictions(classes: p.classes)
        let k = p.classes.count
        part.append(
            probabilities: Array(p.probabilities[(range.lowerBound * k)..<(range.upperBound * k)]), targets: Array(p.targets[range]),
            paths: Array(p.paths[range]), losses: Array(p.losses[range]))
        return part
    }

    @Test func mergedMetricStatesGiveExactlyTheWholeSetsFigures() throws {
        let suite = try MetricSuite(registry: TrainerTests.metrics(), extra: ["roc_auc", "average_precision", "matthews_correlation"])
        let all = Self.predictions()
        let parts = (0..<3).map { Self.slice(all, Shard.range(of: all.count, rank: $0, size: 3)) }
        let (whole, wholeFailures) = suite.compute(all)
        let (merged, mergedFailures) = suite.merged(parts.map { suite.states($0) }, classes: 3, images: all.count)
        #expect(MetricSuite.values(merged) == MetricSuite.values(whole))
        #expect(Set(mergedFailures.keys) == Set(wholeFailures.keys))
        #expect(MetricSuite.values(whole)["roc_auc_macro"] != nil)
        // Shards joined in order sum their per-image losses to the very same total.
        var joined = Predictions(classes: all.classes)
        for part in parts { joined.append(part) }
        #expect(joined.lossSum == all.lossSum && joined.predicted == all.predicted && joined.paths == all.paths)
    }

    @Test func bucketsInOneProcessLeaveTheGradientsAsBackwardGaveThem() throws {
        let a = try Tensor([1, 2, 3], shape: [3], requiresGrad: true)
        let b = try Tensor([0.5, -1], shape: [2], requiresGrad: true)
        let unused = try Tensor([7, 7, 7, 7], shape: [4], requiresGrad: true)
        // Capacity 3: a, b and the unused tensor land in separate buckets.
        let buckets = GradientBuckets(parameters: [a, b, unused], group: SingleProcess(), capacity: 3)
        #expect(buckets.bytesPerStep == 9 * 4)
        buckets.beginStep()
        // loss = Σ a² + 3 Σ b: gradients 2a and 3; the unused tensor gets none.
        let loss = try add(sum(multiply(a, a)), sum(multiply(b, Tensor.full([2], 3))))
        var ready: [Int] = []
        try backward(loss, leafReady: { tensor in
            ready.append(tensor === a ? 0 : tensor === b ? 1 : 2)
            try buckets.gradientReady(tensor)
        })
        try buckets.finish()
        #expect(Set(ready) == [0, 1])
        #expect(a.grad?.scalars == [2, 4, 6])
        #expect(b.grad?.scalars == [3, 3])
        #expect(unused.grad == nil)  // no rank reached it: no gradient, as in one process
    }

    @Test func threadsShareTheMachineBetweenItsRanks() {
        #expect(Launch.defaultThreads(localRanks: 1, cores: 2) == 2)
        #expect(Launch.defaultThreads(localRanks: 2, cores: 2) == 1)
        #expect(Launch.defaultThreads(localRanks: 4, cores: 2) == 1)
        #expect(Launch.defaultThreads(localRanks: 2, cores: 16) == 8)
    }

    @Test func oneProcessIsRankZeroOfOneAndItsCollectivesAreTheIdentity() throws {
        let group = SingleProcess()
        #expect(group.rank == 0 && group.size == 1 && group.isRoot && !group.isDistributed)
        #expect(try group.sum([1, 2.5]) == [1, 2.5])
        #expect(try group.any(true) && !group.any(false))
        #expect(try Shard.gather([3, 4], group: group) == [[3, 4]])
    }
}
