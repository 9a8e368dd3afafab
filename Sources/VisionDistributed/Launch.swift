import Foundation

/// How this process was started, and its process group.
///
/// No MPI call is made unless an MPI launcher started the process (`mpirun`/`mpiexec` of Open
/// MPI, or a PMIx launcher such as Slurm's `srun --mpi=pmix`) or `--distributed` asks for it:
/// a plain `vision train` is rank 0 of 1 and never touches MPI.
public enum Launch {
    /// The environment variables an MPI launcher sets in each process it starts.
    static let launcherVariables = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"]

    nonisolated(unsafe) private static var started: ProcessGroup?
    private static let lock = NSLock()

    /// Whether an MPI launcher started this process.
    public static var startedByLauncher: Bool {
        let environment = ProcessInfo.processInfo.environment
        return launcherVariables.contains { environment[$0] != nil }
    }

    /// The process group once `group` has made one (nil before: a single process).
    public static var current: ProcessGroup? { lock.withLock { started } }

    /// This process's group: MPI's when a launcher started the process or `forced`, else a
    /// single process. Made once; later calls return the same group.
    public static func group(forced: Bool = false, timeout: Double = 600) throws(DistributedError) -> ProcessGroup {
        lock.lock()
        defer { lock.unlock() }
        if let started { return started }
        let group: ProcessGroup = startedByLauncher || forced ? try MPIProcessGroup(timeout: timeout) : SingleProcess()
        started = group
        #if DEBUG
        // Tests make one rank hang (`VISION_DEBUG_STALL_RANK=RANK:SECONDS`) to see the others stop.
        if let stall = ProcessInfo.processInfo.environment["VISION_DEBUG_STALL_RANK"]?.split(separator: ":"), stall.count == 2,
            Int(stall[0]) == group.rank, let seconds = Double(stall[1])
        {
            Thread.sleep(forTimeInterval: seconds)
        }
        #endif
        return group
    }

    /// Compute threads for each rank when the user gives none: this machine's cores shared
    /// between the ranks on it (by default, those of this process's job), so that `mpirun -np 2`
    /// on 2 cores does not oversubscribe.
    public static func defaultThreads(localRanks: Int? = nil, cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> Int {
        max(1, cores / max(localRanks ?? current?.localSize ?? 1, 1))
    }
}
