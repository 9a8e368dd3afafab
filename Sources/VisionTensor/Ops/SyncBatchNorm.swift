/// Sums per-channel numbers over the processes that train together. Distributed training sets
/// one (`BatchNormSynchronization.$reducer`) for `--sync-bn`; VisionTensor knows nothing of MPI.
public protocol StatisticsReducer: Sendable {
    func sum(_ values: inout [Double]) throws
}

/// Synchronised batch normalisation (PyTorch's SyncBatchNorm): while a reducer is set, batch
/// normalisation in training computes its batch statistics over every process's batch, and its
/// backward pass the matching global sums, so that N processes with batches of B/N normalise
/// exactly as one process with the batch of B would. It runs on the plain-Swift batch norm of
/// `Normalization.swift` (oneDNN's kernel cannot take outside statistics in training).
public enum BatchNormSynchronization {
    @TaskLocal public static var reducer: StatisticsReducer?
}
