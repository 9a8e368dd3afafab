import Foundation

/// How many epochs a fresh model trains for when the user does not say: a fixed amount of
/// compute rather than a fixed number of passes, so that a small data set (a defect trial of a
/// thousand parts, a few hundred photos) gets the passes a network trained from scratch needs,
/// and a large or costly one is not made slower than ten epochs. Measured on 1,500 CIFAR-10
/// images with DefectNet at 64×64 (seed 1): test accuracy 40.9% after 10 epochs, 49.7% after
/// 25, 54.1% after 50, 56.0% after 100; ten epochs with 4× the steps (batch 16) 39.6%, so it is
/// the passes over the data, not the optimizer steps, that were missing. Depends only on the
/// data and the model, never on the machine, so a run is the same wherever it runs.
enum EpochChoice {
    /// Forward multiply-accumulates over the training images, summed over the epochs: about
    /// three and a half minutes of training on two cores (elpv's 2,115 cells with DefectNet at
    /// 216×216: 14 epochs, 3.3 minutes on an AMD EPYC), since the input size is itself held to
    /// `InputSizeChoice.budget`.
    static let budget = 5e12

    /// Never fewer than the fixed default there used to be, never so many that a tiny set trains
    /// for minutes to no purpose (the measurement above gained 2 points from 50 to 100).
    static let range = 10...60

    /// The epochs and why, in words for the training log.
    static func choose(trainImages: Int, macsPerImage: Int, budget: Double = budget) -> (epochs: Int, reason: String) {
        let perEpoch = Double(max(trainImages, 1)) * Double(max(macsPerImage, 1))
        let wanted = Int(min((budget / perEpoch).rounded(), 1e6))
        let epochs = min(max(wanted, range.lowerBound), range.upperBound)
        var reason = String(
            format: "a budget of %.0f T multiply-accumulates over %d training images at %@ each", budget / 1e12, trainImages,
            macsPerImage >= 1_000_000 ? String(format: "%.0f MMACs", Double(macsPerImage) / 1e6) : String(format: "%.2f MMACs", Double(macsPerImage) / 1e6))
        if wanted < range.lowerBound {
            reason += ", but no fewer than \(range.lowerBound)"
        } else if wanted > range.upperBound {
            reason += ", at most \(range.upperBound)"
        }
        return (epochs, reason)
    }
}
