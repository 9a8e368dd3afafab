import CMPI
import Foundation

/// The job's processes over Open MPI (`MPI_COMM_WORLD`). Made once per process by
/// `Launch.group`; `MPI_Finalize` runs at exit. Collectives are called from one thread (the
/// training loop's); a watchdog ends the job when one of them makes no progress for `timeout`
/// seconds (a rank stuck elsewhere), rather than letting every rank wait for ever.
public final class MPIProcessGroup: ProcessGroup, @unchecked Sendable {
    public let rank: Int
    public let size: Int
    public let localSize: Int
    private let world: vision_mpi_comm?
    private let watchdog: CollectiveWatchdog

    init(timeout: Double) throws(DistributedError) {
        // Open MPI is opened here, by the ranks of a launched job, not at every start.
        var message = [CChar](repeating: 0, count: 512)
        guard vision_mpi_load(&message, message.count) == 0 else {
            throw .libraryMissing(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        var provided: Int32 = 0
        try Self.check(vision_MPI_Init_thread(nil, nil, vision_mpi_thread_funneled(), &provided), "MPI_Init_thread")
        guard provided >= vision_mpi_thread_funneled() else {
            throw .invalidLayout("this MPI library gives thread level \(provided); vision needs MPI_THREAD_FUNNELED (its loader threads run beside the collectives)")
        }
        world = vision_mpi_comm_world()
        vision_MPI_Comm_set_errhandler(world, vision_mpi_errors_return())
        var rank: Int32 = 0, size: Int32 = 0
        try Self.check(vision_MPI_Comm_rank(world, &rank), "MPI_Comm_rank")
        try Self.check(vision_MPI_Comm_size(world, &size), "MPI_Comm_size")
        self.rank = Int(rank)
        self.size = Int(size)
        // The ranks sharing this machine's memory: the count that shares its cores.
        var local: vision_mpi_comm? = nil
        var localCount: Int32 = 1
        if vision_MPI_Comm_split_type(world, vision_mpi_comm_type_shared(), rank, vision_mpi_info_null(), &local) == vision_mpi_success() {
            vision_MPI_Comm_size(local, &localCount)
            vision_MPI_Comm_free(&local)
        }
        localSize = Int(max(localCount, 1))
        watchdog = CollectiveWatchdog(rank: Int(rank), timeout: timeout)
        atexit { MPIProcessGroup.finalizeAtExit() }
    }

    private static func finalizeAtExit() {
        var finalized: Int32 = 0
        vision_MPI_Finalized(&finalized)
        if finalized == 0 { vision_MPI_Finalize() }
    }

    public func allreduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws(DistributedError) {
        try watchdog.watch("allreduce of \(values.count) floats") { () throws(DistributedError) in
            try Self.check(
                vision_MPI_Allreduce(vision_mpi_in_place(), values.baseAddress, try Self.count(values.count), vision_mpi_float(), vision_mpi_sum(), world),
                "MPI_Allreduce")
        }
    }

    public func allreduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws(DistributedError) {
        try watchdog.watch("allreduce of \(values.count) numbers") { () throws(DistributedError) in
            try Self.check(
                vision_MPI_Allreduce(vision_mpi_in_place(), values.baseAddress, try Self.count(values.count), vision_mpi_double(), vision_mpi_sum(), world),
                "MPI_Allreduce")
        }
    }

    public func allreduceMax(_ values: UnsafeMutableBufferPointer<Double>) throws(DistributedError) {
        try watchdog.watch("allreduce (max) of \(values.count) numbers") { () throws(DistributedError) in
            try Self.check(
                vision_MPI_Allreduce(vision_mpi_in_place(), values.baseAddress, try Self.count(values.count), vision_mpi_double(), vision_mpi_max(), world),
                "MPI_Allreduce")
        }
    }

    public func startAllreduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws(DistributedError) -> PendingReduction {
        var request = vision_mpi_request_null()
        try Self.check(
            vision_MPI_Iallreduce(vision_mpi_in_place(), values.baseAddress, try Self.count(values.count), vision_mpi_float(), vision_mpi_sum(), world, &request),
            "MPI_Iallreduce")
        return Request(request, count: values.count, watchdog: watchdog)
    }

    public func allgather(_ bytes: [UInt8]) throws(DistributedError) -> [[UInt8]] {
        try watchdog.watch("allgather of \(bytes.count) bytes") { () throws(DistributedError) -> [[UInt8]] in
            var counts = [Int64](repeating: 0, count: size)
            var mine = Int64(bytes.count)
            try Self.check(vision_MPI_Allgather(&mine, 1, vision_mpi_long_long(), &counts, 1, vision_mpi_long_long(), world), "MPI_Allgather")
            guard counts.reduce(0, +) < Int64(Int32.max) else {
                throw .invalidLayout("allgather of \(counts.reduce(0, +)) bytes: more than MPI's 2 GiB per call")
            }
            let sizes = counts.map { Int32($0) }
            var offsets = [Int32](repeating: 0, count: size)
            for index in 1..<max(size, 1) { offsets[index] = offsets[index - 1] + sizes[index - 1] }
            var gathered = [UInt8](repeating: 0, count: Int(sizes.reduce(0, +)))
            var send = bytes
            try Self.check(
                vision_MPI_Allgatherv(&send, Int32(bytes.count), vision_mpi_byte(), &gathered, sizes, offsets, vision_mpi_byte(), world),
                "MPI_Allgatherv")
            return (0..<size).map { Array(gathered[Int(offsets[$0])..<Int(offsets[$0] + sizes[$0])]) }
        }
    }

    public func broadcast(_ values: UnsafeMutableBufferPointer<Float>, from root: Int) throws(DistributedError) {
        try watchdog.watch("broadcast of \(values.count) floats") { () throws(DistributedError) in
            try Self.check(vision_MPI_Bcast(values.baseAddress, try Self.count(values.count), vision_mpi_float(), Int32(root), world), "MPI_Bcast")
        }
    }

    public func broadcast(_ bytes: [UInt8], from root: Int) throws(DistributedError) -> [UInt8] {
        try watchdog.watch("broadcast of bytes") { () throws(DistributedError) -> [UInt8] in
            var count = Int64(bytes.count)
            try Self.check(vision_MPI_Bcast(&count, 1, vision_mpi_long_long(), Int32(root), world), "MPI_Bcast")
            var buffer = rank == root ? bytes : [UInt8](repeating: 0, count: Int(count))
            try Self.check(vision_MPI_Bcast(&buffer, Int32(count), vision_mpi_byte(), Int32(root), world), "MPI_Bcast")
            return buffer
        }
    }

    public func barrier() throws(DistributedError) {
        try watchdog.watch("barrier") { () throws(DistributedError) in try Self.check(vision_MPI_Barrier(world), "MPI_Barrier") }
    }

    public func withoutTimeout<T>(_ body: () throws -> T) rethrows -> T {
        try watchdog.suspended(body)
    }

    public func abort(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data(("rank \(rank): " + message + "\n").utf8))
        vision_MPI_Abort(world, code)
        exit(code)  // MPI_Abort does not return; this satisfies the type checker.
    }

    /// An element count as MPI takes it (a C int).
    static func count(_ value: Int) throws(DistributedError) -> Int32 {
        guard let count = Int32(exactly: value) else {
            throw .invalidLayout("\(value) values in one MPI call: more than a C int counts; split the message")
        }
        return count
    }

    static func check(_ code: Int32, _ call: String) throws(DistributedError) {
        guard code != vision_mpi_success() else { return }
        var text = [CChar](repeating: 0, count: Int(vision_mpi_max_error_string()) + 1)
        var length: Int32 = 0
        vision_MPI_Error_string(code, &text, &length)
        throw .mpi(call: call, code: code, detail: String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// An `MPI_Iallreduce` in flight.
    final class Request: PendingReduction {
        private var request: vision_mpi_request?
        private let count: Int
        private let watchdog: CollectiveWatchdog
        private var done = false

        init(_ request: vision_mpi_request?, count: Int, watchdog: CollectiveWatchdog) {
            self.request = request
            self.count = count
            self.watchdog = watchdog
        }

        func test() throws(DistributedError) -> Bool {
            guard !done else { return true }
            var flag: Int32 = 0
            try MPIProcessGroup.check(vision_MPI_Test(&request, &flag, vision_mpi_status_ignore()), "MPI_Test")
            done = flag != 0
            return done
        }

        func wait() throws(DistributedError) {
            guard !done else { return }
            try watchdog.watch("allreduce of \(count) gradient values") { () throws(DistributedError) in
                try MPIProcessGroup.check(vision_MPI_Wait(&request, vision_mpi_status_ignore()), "MPI_Wait")
            }
            done = true
        }
    }
}
