import VisionMetricAPI
import VisionModelAPI
import VisionPluginAPI
/// Why training could not start or had to stop. Each names what was found and what to do.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    case invalidConfiguration(String)
    case emptySplit(String)
    case nonFiniteLoss(epoch: Int, step: Int, lastGood: String?)
    case outputExists(String)
    case interrupted(epoch: Int, savedTo: String)
    case outputUnusable(folder: String, detail: String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let detail): return "invalid training configuration: \(detail)"
        case .emptySplit(let split): return "the \(split) split is empty: add images or change the split fractions"
        case .nonFiniteLoss(let epoch, let step, let lastGood):
            return "the loss became NaN or infinite at epoch \(epoch), step \(step); lower the learning rate"
                + (lastGood.map { " (the last good model is \($0))" } ?? "")
        case .outputExists(let path): return "\(path) already holds a run; choose another --output or pass --overwrite"
        case .outputUnusable(let folder, let detail):
            return "\(folder) cannot take the run's files: \(detail)"
        case .interrupted(let epoch, let path):
            return "interrupted during epoch \(epoch); the weights so far are in \(path) (continue with --resume)"
        }
    }
}
