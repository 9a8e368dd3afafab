/// The processes of one job and the collective operations between them (the subset of MPI that
/// data-parallel training and sharded evaluation need). Every rank must call the same
/// collectives in the same order; each call blocks until its part is done on this rank.
///
/// `SingleProcess` is the group of one (what every command uses unless started by `mpirun`);
/// `MPIProcessGroup` runs over Open MPI.
public protocol ProcessGroup: AnyObject, Sendable {
    /// This process's index, 0 ..< size; rank 0 owns the run folder and prints.
    var rank: Int { get }
    var size: Int { get }
    /// The ranks on this machine (for sharing its cores between them).
    var localSize: Int { get }

    /// Sums `values` over every rank, in place.
    func allreduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws(DistributedError)
    func allreduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws(DistributedError)
    func allreduceMax(_ values: UnsafeMutableBufferPointer<Double>) throws(DistributedError)
    /// Starts summing `values` over every rank in place; the buffer must stay alive and untouched
    /// until the returned reduction has been waited for.
    func startAllreduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws(DistributedError) -> PendingReduction
    /// Every rank's `bytes`, in rank order.
    func allgather(_ bytes: [UInt8]) throws(DistributedError) -> [[UInt8]]
    /// Rank `root`'s values, on every rank.
    func broadcast(_ values: UnsafeMutableBufferPointer<Float>, from root: Int) throws(DistributedError)
    func broadcast(_ bytes: [UInt8], from root: Int) throws(DistributedError) -> [UInt8]
    func barrier() throws(DistributedError)
    /// Runs `body` with the collective timeout off: for waits that may rightly last long (the
    /// ranks of a search finishing trials of different lengths).
    func withoutTimeout<T>(_ body: () throws -> T) rethrows -> T
    /// Ends every rank of the job at once, after printing `message` on this one (an error one rank
    /// meets alone must not leave the others waiting in a collective).
    func abort(_ message: String, code: Int32) -> Never
}

/// A reduction in flight.
public protocol PendingReduction: AnyObject {
    /// Lets the library progress the reduction; true once it is done.
    func test() throws(DistributedError) -> Bool
    /// Blocks until the reduction is done.
    func wait() throws(DistributedError)
}

extension ProcessGroup {
    public var isRoot: Bool { rank == 0 }
    public var isDistributed: Bool { size > 1 }

    /// Whether `flag` holds on any rank.
    public func any(_ flag: Bool) throws(DistributedError) -> Bool {
        guard isDistributed else { return flag }
        var value = [flag ? 1.0 : 0.0]
        try value.withUnsafeMutableBufferPointer { (buffer) throws(DistributedError) in try allreduceMax(buffer) }
        return value[0] > 0
    }

    /// `values` summed over every rank.
    public func sum(_ values: [Double]) throws(DistributedError) -> [Double] {
        guard isDistributed else { return values }
        var values = values
        try values.withUnsafeMutableBufferPointer { (buffer) throws(DistributedError) in try allreduceSum(buffer) }
        return values
    }

    /// Every rank's `values` (plain numbers), in rank order.
    public func allgather<T: BitwiseCopyable>(_ values: [T]) throws(DistributedError) -> [[T]] {
        guard isDistributed else { return [values] }
        let bytes = values.withUnsafeBytes { Array($0) }
        return try allgather(bytes).map { part in
            part.withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
        }
    }
}
