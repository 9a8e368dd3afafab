import Foundation
import SafeTensors
import Testing
import VisionTestSupport

/// Real MPI jobs (`mpirun -np 2`, as CI runs them: as root, oversubscribed) on a tiny digits
/// set: two ranks train like one process, shard evaluation exactly, stop together, resume, tune.
@Suite(.serialized) struct DistributedCommandTests {
    static let mpirun: String? = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// 12 images of each digit (120): a few steps per epoch.
    static func tinyDigits() throws -> String {
        let folder = try Fixtures.temporaryDirectory() + "/tiny"
        for digit in 0..<10 {
            let source = Fixtures.path("datasets/digits/\(digit)")
            try FileManager.default.createDirectory(atPath: "\(folder)/\(digit)", withIntermediateDirectories: true)
            for name in try FileManager.default.contentsOfDirectory(atPath: source).sorted().prefix(12) {
                try FileManager.default.copyItem(atPath: "\(source)/\(name)", toPath: "\(folder)/\(digit)/\(name)")
            }
        }
        return folder
    }

    /// `mpirun -np ranks vision arguments…`, or a failure naming the missing launcher.
    static func mpi(_ ranks: Int, _ arguments: [String], environment: [String: String] = [:]) throws -> CLIResult {
        guard let mpirun else {
            Issue.record("mpirun is missing: scripts/install-system-packages.sh installs openmpi-bin and libopenmpi-dev")
            return CLIResult(status: -1, standardOutput: "", standardError: "")
        }
        return try CLI.run(
            executable: mpirun, ["--allow-run-as-root", "--oversubscribe", "-np", "\(ranks)", CLI.executable.path] + arguments, environment: environment)
    }

    /// The tensor of two model files that differs most relative to its own largest value.
    struct Difference: CustomStringConvertible {
        var relative: Float = 0, absolute: Float = 0, largest: Float = 0, name = ""
        var description: String { "\(name) (absolute \(absolute), largest value \(largest))" }
    }

    /// Every tensor of two model files, compared: the largest difference relative to the tensor's largest value.
    static func largestRelativeDifference(_ a: String, _ b: String) throws -> Difference {
        let x = try SafeTensors.read(contentsOf: a), y = try SafeTensors.read(contentsOf: b)
        var worst = Difference()
        #expect(Set(x.names) == Set(y.names))
        for name in x.names {
            let u = try x.floats(name), v = try y.floats(name)
            let largest = u.map(abs).max() ?? 0
            let difference = zip(u, v).map { abs($0 - $1) }.max() ?? 0
            let relative = difference / max(largest, 1e-12)
            if relative > worst.relative { worst = Difference(relative: relative, absolute: relative * largest, largest: largest, name: name) }
        }
        return worst
    }

    static func csvColumn(_ path: String, _ column: String) throws -> [String] {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        guard let header = lines.first, let index = header.firstIndex(of: column) else { return [] }
        return lines.dropFirst().map { $0[index] }
    }

    /// The issue's equality: after K steps, two ranks with the same global batch and seed hold the
    /// parameters one process holds (to rounding: the sums run in another order).
    @Test(arguments: [["--model", "lenet"], ["--model", "defectnet", "--image-size", "16", "--sync-bn"]])
    func twoRanksTrainLikeOneProcess(_ model: [String]) throws {
        let data = try Self.tinyDigits(), folder = try Fixtures.temporaryDirectory()
        let common = ["train", data, "--epochs", "1", "--batch-size", "32", "--quiet"] + model
        let one = try CLI.run(common + ["--output", folder + "/one"])
        #expect(one.status == 0, "\(one.standardError)")
        let two = try Self.mpi(2, common + ["--output", folder + "/two"])
        #expect(two.status == 0, "\(two.standardOutput)\n\(two.standardError)")
        // Rank 0 alone prints: one summary, not two.
        #expect(two.standardOutput.components(separatedBy: "best val_accuracy").count == 2, "\(two.standardOutput)")
        let worst = try Self.largestRelativeDifference(folder + "/one/last.vision", folder + "/two/last.vision")
        // Relative 1e-5, or 2e-5 absolute for tensors that have barely left zero: a batch-norm
        // bias's gradient Σdy cancels, so its rounding scales with Σ|dy|, not with the bias (with
        // AVX2 kernels, DefectNet's first bias, 4e-3 after three steps, differed by 1.4e-5). A
        // rank's missing share of the batch shows as 0.3 (see the test without --sync-bn).
        #expect(worst.relative < 1e-5 || worst.absolute < 2e-5, "\(worst) differs by \(worst.relative) relative")
        let steps = try Self.csvColumn(folder + "/two/metrics.csv", "train_loss")
        let losses = zip(try Self.csvColumn(folder + "/one/metrics.csv", "train_loss"), steps).map { abs((Double($0) ?? 0) - (Double($1) ?? 1)) }
        #expect(losses.count == 1 && losses.allSatisfy { $0 < 1e-5 }, "train_loss one process vs two ranks: \(losses)")
    }

    /// Open MPI is opened by the ranks of a launched job (dlopen), never linked: a single
    /// process maps none of its libraries (they were a megabyte of every cold start).
    @Test func aSingleProcessDoesNotLoadOpenMPI() throws {
        let linked = try CLI.run(executable: "/usr/bin/ldd", [CLI.executable.path])
        #expect(linked.status == 0, "\(linked.standardError)")
        #expect(linked.standardOutput.contains("libdnnl"), "\(linked.standardOutput)")
        for library in ["libmpi", "libopen-pal", "libhwloc"] {
            #expect(!linked.standardOutput.contains(library), "\(library) is linked: \(linked.standardOutput)")
        }
    }

    /// Sharded evaluation (whole batches per rank) prints the very document one process prints.
    @Test func shardedEvaluationIsExactlyOneProcesss() throws {
        let data = try Self.tinyDigits(), folder = try Fixtures.temporaryDirectory()
        let train = try CLI.run(["train", data, "--model", "lenet", "--epochs", "2", "--batch-size", "16", "--output", folder, "--quiet"])
        #expect(train.status == 0, "\(train.standardError)")
        let arguments = ["evaluate", folder + "/best.vision", data, "--split", "all", "--json", "--batch-size", "16", "--metrics", "roc_auc,average_precision"]
        let one = try CLI.run(arguments)
        #expect(one.status == 0, "\(one.standardError)")
        for ranks in [2, 3] {
            let sharded = try Self.mpi(ranks, arguments)
            #expect(sharded.status == 0, "\(sharded.standardError)")
            #expect(sharded.standardOutput == one.standardOutput, "\(ranks) ranks: \(sharded.standardOutput.prefix(400))")
        }
        #expect(one.standardOutput.contains("\"images\":120"))
    }

    /// A rank that dies ends the job (the launcher stops the others) within 30 s, with a message.
    @Test func killingOneRankEndsTheJob() throws {
        guard let mpirun = Self.mpirun else {
            Issue.record("mpirun is missing: scripts/install-system-packages.sh installs openmpi-bin and libopenmpi-dev")
            return
        }
        let folder = try Fixtures.temporaryDirectory()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: mpirun)
        process.arguments = [
            "--allow-run-as-root", "--oversubscribe", "-np", "2", CLI.executable.path, "train", Fixtures.path("datasets/digits"), "--model", "lenet",
            "--epochs", "200", "--batch-size", "32", "--output", folder + "/run",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // Wait for the first epoch (the ranks are running and talking), then kill rank 1's process.
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: folder + "/run/metrics.csv") && Date() < deadline && process.isRunning {
            Thread.sleep(forTimeInterval: 0.2)
        }
        let ranks = Self.children(of: process.processIdentifier)
        #expect(ranks.count == 2, "rank processes: \(ranks)")
        guard let victim = ranks.last else {
            process.terminate()
            return
        }
        kill(victim, SIGKILL)
        let killed = Date()
        while process.isRunning && Date().timeIntervalSince(killed) < 30 { Thread.sleep(forTimeInterval: 0.1) }
        let stillRunning = process.isRunning
        if stillRunning { process.terminate() }
        #expect(!stillRunning, "the job was still running 30 s after a rank died")
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus != 0)
        #expect(text.contains("exited on signal 9"), "\(text.suffix(600))")
        // What was saved is whole: the last finished epoch resumes.
        #expect(FileManager.default.fileExists(atPath: folder + "/run/last.vision"))
    }

    /// A rank that hangs (debug builds stall one on request) does not keep the others waiting:
    /// the collective timeout ends the job with a message naming the collective.
    @Test func aStuckRankEndsTheJobAtTheCollectiveTimeout() throws {
        let data = try Self.tinyDigits(), folder = try Fixtures.temporaryDirectory()
        let started = Date()
        let result = try Self.mpi(2, [
            "train", data, "--model", "lenet", "--epochs", "1", "--batch-size", "16", "--output", folder + "/run", "--collective-timeout", "2",
        ], environment: ["VISION_DEBUG_STALL_RANK": "1:60"])
        #expect(Date().timeIntervalSince(started) < 40, "the job ran \(Date().timeIntervalSince(started)) s")
        #expect(result.status != 0)
        #expect(result.standardError.contains("for the other ranks (--collective-timeout 2): one of them is stuck; stopping the job"), "\(result.standardError)")
    }

    /// The direct children of `pid` (the ranks mpirun started on this machine).
    static func children(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { child in
            guard let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            // Fields after the command name: state, ppid, …
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == pid
        }.sorted()
    }

    /// A 2-rank run resumed by 2 ranks continues from its saved epoch.
    @Test func resumingATwoRankRunContinuesFromItsEpoch() throws {
        let data = try Self.tinyDigits(), folder = try Fixtures.temporaryDirectory() + "/run"
        let first = try Self.mpi(2, ["train", data, "--model", "lenet", "--epochs", "1", "--batch-size", "16", "--output", folder])
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardOutput.contains("distributed: 2 ranks × 1 thread, per-rank batch 8 (global 16)"), "\(first.standardOutput)")
        let second = try Self.mpi(2, ["train", data, "--resume", folder, "--epochs", "3"])
        #expect(second.status == 0, "\(second.standardError)")
        #expect(second.standardOutput.contains("resuming \(folder)/last.vision after epoch 1"), "\(second.standardOutput)")
        #expect(try Self.csvColumn(folder + "/metrics.csv", "epoch") == ["1", "2", "3"])
    }

    /// An error one rank meets ends every rank with its message (no hang), before any training.
    @Test func aBatchThatDoesNotDivideStopsEveryRankWithTheReason() throws {
        let data = try Self.tinyDigits(), folder = try Fixtures.temporaryDirectory()
        let result = try Self.mpi(2, ["train", data, "--model", "lenet", "--epochs", "1", "--batch-size", "33", "--output", folder + "/run"])
        #expect(result.status != 0)
        #expect(result.standardError.contains("batch_size 33 is the global batch and must divide evenly among the 2 ranks (try 32 or 34)"), "\(result.standardError)")
    }

    /// Trials side by side: each rank runs its own, rank 0 records them all.
    @Test func tuningRunsTrialsOnEveryRank() throws {
        let data = try Self.tinyDigits(), folder = try Fixtures.temporaryDirectory() + "/tune"
        let result = try Self.mpi(2, [
            "tune", data, "--model", "lenet", "--epochs", "1", "--batch-size", "16", "--grid", "lr=0.001,0.01,0.05", "--output", folder, "--no-refit",
        ])
        #expect(result.status == 0, "\(result.standardError)")
        let statuses = try TuneCommandTests.rows(folder + "/trials.csv").map { $0["status"] ?? "" }
        #expect(statuses == ["ok", "ok", "ok"], "\(statuses)")
        for trial in ["0001", "0002", "0003"] { #expect(FileManager.default.fileExists(atPath: "\(folder)/trials/\(trial)/best.vision")) }
        #expect(result.standardOutput.components(separatedBy: "trial 3/3").count == 2, "\(result.standardOutput)")
    }
}
