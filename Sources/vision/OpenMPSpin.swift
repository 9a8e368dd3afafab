import Foundation

/// Bounds how long oneDNN's OpenMP threads spin at a barrier before they sleep.
///
/// libgomp spins about 300,000 iterations by default, and reads the setting once, when it
/// loads (before `main`). On 2 cores that spinning steals the core from whatever else runs:
/// the data loader's decode workers during training, or any other process. Measured here with
/// one core busy elsewhere, ResNet-20 inference at batch 64 ran at 882 images/s with the
/// default and 1,645 with `GOMP_SPINCOUNT=1000`; on a quiet machine the two are within noise.
/// So `vision` restarts itself once with `GOMP_SPINCOUNT=1000` unless the user has chosen
/// (`GOMP_SPINCOUNT` or `OMP_WAIT_POLICY` set, which also stops a second restart).
enum OpenMPSpin {
    static let spinCount = "1000"

    static func restartWithBoundedSpinIfNeeded() {
        let environment = ProcessInfo.processInfo.environment
        guard environment["GOMP_SPINCOUNT"] == nil, environment["OMP_WAIT_POLICY"] == nil else { return }
        setenv("GOMP_SPINCOUNT", spinCount, 1)
        // On success this does not return; on failure the default policy is only slower.
        execv("/proc/self/exe", CommandLine.unsafeArgv)
    }
}
