import Foundation
import VisionModelAPI

/// The input size a fresh model trains at when the user does not set one: the training images'
/// median size, so that small defects are not shrunk away, within the architecture's limits and
/// a compute budget. Smaller images than the model's default size get the default (the
/// architecture was designed for it). Non-square when the images are (unless the model crops a
/// square centre).
enum InputSizeChoice {
    /// Forward multiply-accumulates one training image may cost: about what DefectNet takes at
    /// 216×216 or ResNet-20 at 64×64. With `EpochChoice`'s budget of epochs this keeps a
    /// defect trial within minutes on two cores; `--image-size` goes beyond it.
    static let budget = 170_000_000

    /// Sides within 10% of each other count as square.
    static let squareTolerance = 1.1

    /// The size and why, in words for the training log.
    static func choose(
        median: InputSize, sampled: Int, defaultSize: InputSize, macsAtDefault: Int, minimum: InputSize, maximum: InputSize,
        resize: ResizePolicy, budget: Int = budget
    ) -> (size: InputSize, reason: String) {
        let data = "median of \(sampled) sampled training images \(median)"
        let defaultArea = Double(defaultSize.height * defaultSize.width)
        // The shape wanted: the data's aspect ratio, or square when the model crops a square or
        // the sides are close.
        var height = Double(median.height), width = Double(median.width)
        if resize == .centerCrop || max(height, width) / max(min(height, width), 1) < squareTolerance {
            let side = resize == .centerCrop ? min(height, width) : (height * width).squareRoot()
            (height, width) = (side, side)
        }
        let area = height * width
        var reason: String
        if area <= defaultArea {
            if height == width || defaultSize.height != defaultSize.width {
                return (fitted(defaultSize, minimum: minimum, maximum: maximum), "the model's default (\(data), no larger)")
            }
            let scale = (defaultArea / area).squareRoot()
            (height, width) = (height * scale, width * scale)
            reason = "the model's default area in the images' aspect ratio (\(data))"
        } else {
            reason = data
            let macs = Double(macsAtDefault) * area / defaultArea
            if macsAtDefault > 0, macs > Double(budget) {
                // Shrink to the budget, but not below the model's default area.
                let scale = max((Double(budget) / macs).squareRoot(), (defaultArea / area).squareRoot())
                (height, width) = (height * scale, width * scale)
                reason += String(format: ", scaled to the compute budget of %.0f MMACs per image (%.0f at full size)", Double(budget) / 1e6, macs / 1e6)
            }
        }
        let size = fitted(InputSize(height: roundedToEight(height), width: roundedToEight(width)), minimum: minimum, maximum: maximum)
        return (size, reason)
    }

    /// Multiples of 8 suit pooling and oneDNN's blocked layouts.
    static func roundedToEight(_ side: Double) -> Int { max(8, Int((side / 8).rounded()) * 8) }

    static func fitted(_ size: InputSize, minimum: InputSize, maximum: InputSize) -> InputSize {
        InputSize(
            height: min(max(size.height, minimum.height), maximum.height), width: min(max(size.width, minimum.width), maximum.width))
    }
}
