import ArgumentParser
import VisionDistributed

/// How a command joins a distributed job. `mpirun`/`mpiexec` and `srun --mpi=pmix` are found
/// by themselves; without a launcher, vision is one process and makes no MPI call.
struct DistributedOptions: ParsableArguments {
    @Flag(help: "Join an MPI job even when no launcher's variables are seen (mpirun and srun --mpi=pmix are detected by themselves).")
    var distributed = false

    @Option(help: "Under mpirun: seconds one collective may wait for the other ranks before the whole job is stopped (0: no limit).")
    var collectiveTimeout: Double = 600

    func validate() throws {
        guard collectiveTimeout >= 0, collectiveTimeout.isFinite else {
            throw ValidationError("--collective-timeout must be a number of seconds ≥ 0, got \(collectiveTimeout)")
        }
    }

    /// This process's group (MPI is initialised here, once, when the job is distributed).
    func group() throws -> ProcessGroup {
        do {
            return try Launch.group(forced: distributed, timeout: collectiveTimeout)
        } catch {
            throw CLIError("cannot join the MPI job: \(error)")
        }
    }
}
