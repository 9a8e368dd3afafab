import ArgumentParser
import Foundation
import VisionDistributed

/// `vision bench allreduce`: what summing gradients over the ranks costs, per size, under mpirun
/// (the figure behind the README's scaling estimate). Rank 0 prints.
struct BenchAllreduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allreduce",
        abstract: "Allreduce time per message size across the ranks of an MPI job (run under mpirun).")

    @Option(name: .customLong("sizes-mb"), help: "Message sizes in MB (10⁶ bytes of float32), comma-separated.")
    var sizes = "0.1,0.5,1,4,16"

    @Option(help: "Timed repetitions per size (the median is reported).")
    var repeats = 30

    @Flag(help: "One JSON line per size.")
    var json = false

    @OptionGroup(title: "Distributed") var distributedOptions: DistributedOptions

    var parsedSizes: [Double] { sizes.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) } }

    func validate() throws {
        let values = parsedSizes
        guard !values.isEmpty, values.count == sizes.split(separator: ",").count, values.allSatisfy({ $0 > 0 && $0 <= 1024 }) else {
            throw ValidationError("--sizes-mb must be numbers of MB in (0, 1024], comma-separated, got '\(sizes)'")
        }
        guard (1...10_000).contains(repeats) else { throw ValidationError("--repeats must be between 1 and 10000, got \(repeats)") }
    }

    func run() throws {
        let group = try distributedOptions.group()
        if group.isRoot && !group.isDistributed {
            FileHandle.standardError.write(Data("one process: nothing to reduce with; run under mpirun -np N\n".utf8))
        }
        for megabytes in parsedSizes {
            let count = max(1, Int(megabytes * 1_000_000 / 4))
            var buffer = [Float](repeating: 1, count: count)
            var times: [Double] = []
            let clock = ContinuousClock()
            for repetition in 0..<(repeats + 3) {
                try group.barrier()
                let start = clock.now
                try buffer.withUnsafeMutableBufferPointer { (values) throws(DistributedError) in try group.allreduceSum(values) }
                // The slowest rank's time is the collective's.
                let elapsed = try group.allgather([(clock.now - start).seconds]).map { $0.first ?? 0 }.max() ?? 0
                if repetition >= 3 { times.append(elapsed) }  // three warm-ups
            }
            times.sort()
            let median = times[times.count / 2]
            guard group.isRoot else { continue }
            let bandwidth = Double(count * 4) / median / 1e9
            if json {
                print(String(format: "{\"ranks\":%d,\"mb\":%.3f,\"ms\":%.4f,\"gb_per_s\":%.3f}", group.size, Double(count * 4) / 1e6, median * 1000, bandwidth))
            } else {
                print(String(format: "allreduce %d ranks, %8.3f MB: %8.3f ms (%.2f GB/s of message)", group.size, Double(count * 4) / 1e6, median * 1000, bandwidth))
            }
        }
    }
}
