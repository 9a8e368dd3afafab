import Foundation

/// Bounds how long oneDNN's OpenMP threads spin at a barrier before they sleep.
///
/// libgomp spins about 300,000 iterations by default, and reads the setting once, when it
/// loads (before `main`). On 2 cores that spinning steals the core from whatever else runs:
/// the data loader's decode workers during training, or any other process. Measured here with
/// one core busy elsewhere, ResNet-20 inference at batch 64 ran at 882 images/s with the
/// default and 1,645 with `GOMP_SPINCOUNT=1000`; on a quiet machine the two are within noise.
/// So the commands that compute beside other threads restart `vision` once with
/// `GOMP_SPINCOUNT=1000`, unless the user has chosen (`GOMP_SPINCOUNT` or `OMP_WAIT_POLICY`
/// set, which also stops a second restart).
///
/// `infer` and `explain` do not: they decode on the thread that then runs the network, so no
/// thread of theirs competes with the spinning, and the restart (loading the binary and its
/// libraries twice, about 11 ms) was a fifth of the cold start of `vision infer MODEL one.png`.
enum OpenMPSpin {
    static let spinCount = "1000"
    /// The subcommands that run oneDNN while other threads of theirs work (decode workers, a
    /// server's event loops).
    static let computing: Set<String> = ["train", "tune", "evaluate", "bench", "serve"]

    static func restartWithBoundedSpinIfNeeded() {
        let environment = ProcessInfo.processInfo.environment
        let arguments = CommandLine.arguments
        guard environment["GOMP_SPINCOUNT"] == nil, environment["OMP_WAIT_POLICY"] == nil,
            arguments.count > 1, computing.contains(arguments[1])
        else { return }
        // Started through the dynamic loader (`ld.so vision …`), /proc/self/exe is the loader.
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        guard !executable.isEmpty, !(executable as NSString).lastPathComponent.hasPrefix("ld-") else { return }
        guard setenv("GOMP_SPINCOUNT", spinCount, 1) == 0 else { return }
        // On success this does not return; on failure the default policy is only slower.
        execv("/proc/self/exe", CommandLine.unsafeArgv)
    }
}
