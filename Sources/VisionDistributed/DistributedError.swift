/// A collective that failed, or a layout the job cannot run with.
public enum DistributedError: Error, CustomStringConvertible, Equatable {
    /// An MPI call returned an error code.
    case mpi(call: String, code: Int32, detail: String)
    /// The job cannot run as asked (a batch that does not divide among the ranks, say).
    case invalidLayout(String)
    /// Ranks that must agree do not (parameters after an epoch, say).
    case ranksDisagree(String)
    /// The MPI library cannot be opened.
    case libraryMissing(String)

    public var description: String {
        switch self {
        case .mpi(let call, let code, let detail): "\(call) failed (MPI error \(code)): \(detail)"
        case .invalidLayout(let detail): detail
        case .ranksDisagree(let detail): detail
        case .libraryMissing(let detail): "\(detail); distributed runs need Open MPI (apt-get install -y openmpi-bin)"
        }
    }
}
