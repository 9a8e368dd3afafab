import VisionModelAPI

/// One trial of a search: where it stands in the plan, and how it went.
public struct TrialRecord: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable { case ok, failed }

    /// 1, 2, … across every round.
    public var id: Int
    /// The halving round (0 without halving).
    public var round: Int
    /// Which candidate of the space (the same across rounds).
    public var candidate: Int
    public var parameters: SearchSpace.Point
    /// The epochs the trial was given.
    public var epochs: Int
    public var status: Status
    /// The monitored value on validation (the mean over folds with --folds); nil when it failed.
    public var score: Double?
    public var foldScores: [Double]?
    public var bestEpoch: Int?
    /// Epochs trained (fewer than `epochs` after early stopping; summed over folds).
    public var epochsRun: Int
    public var seconds: Double
    public var modelParameters: Int?
    /// Why it failed.
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case id, round, candidate, parameters, epochs, status, score, foldScores = "fold_scores", bestEpoch = "best_epoch"
        case epochsRun = "epochs_run", seconds, modelParameters = "model_parameters", error
    }
}

/// A trial the plan holds, before it has run.
public struct PlannedTrial: Codable, Sendable, Equatable {
    public var id: Int
    public var round: Int
    public var candidate: Int
    public var epochs: Int
}

/// The trial list, written before the first trial starts and extended when a halving round is
/// decided: what `--resume` follows.
public struct TuningPlan: Codable, Sendable, Equatable {
    /// The candidates of the space, in order.
    public var candidates: [SearchSpace.Point]
    /// The epochs of each round.
    public var roundEpochs: [Int]
    /// The trials planned so far, round by round.
    public var trials: [PlannedTrial]
    /// The monitored figure (`val_f1_macro`) and whether higher is better.
    public var monitor: String
    public var higherIsBetter: Bool

    enum CodingKeys: String, CodingKey {
        case candidates, roundEpochs = "round_epochs", trials, monitor, higherIsBetter = "higher_is_better"
    }
}
