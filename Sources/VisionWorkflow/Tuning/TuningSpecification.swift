import Foundation

/// Everything a search needs besides the data, saved as `tune.json` in the tuning folder so that
/// `--resume` continues exactly the search that was started.
public struct TuningSpecification: Codable, Sendable, Equatable {
    public enum Strategy: Codable, Sendable, Equatable {
        /// Every combination of the space's lists.
        case grid
        /// `count` points drawn with the seed.
        case random(count: Int)
    }

    /// The configuration every trial starts from (`--config` and the train flags).
    public var base: TrainingConfiguration
    public var space: SearchSpace
    public var strategy: Strategy
    /// Successive halving: keep the best 1/eta of each round and give them eta× the epochs
    /// (nil: every trial runs the base epochs).
    public var halvingFactor: Int?
    /// K-fold cross-validation on train + val instead of the validation split (nil: the split).
    public var folds: Int?
    /// Stop starting trials after this many seconds (the refit still runs).
    public var budgetSeconds: Double?
    /// Train the best configuration on train + val and test it once.
    public var refit: Bool

    public init(
        base: TrainingConfiguration, space: SearchSpace, strategy: Strategy, halvingFactor: Int? = nil, folds: Int? = nil,
        budgetSeconds: Double? = nil, refit: Bool = true
    ) {
        self.base = base
        self.space = space
        self.strategy = strategy
        self.halvingFactor = halvingFactor
        self.folds = folds
        self.budgetSeconds = budgetSeconds
        self.refit = refit
    }

    /// Checks what can be checked before any training: the strategy's numbers, and every
    /// candidate against the training configuration's strict decoding.
    public func candidates() throws(RunSpecificationError) -> [SearchSpace.Point] {
        if let halvingFactor, halvingFactor < 2 { throw .invalidValue(key: "--eta", expected: "an integer ≥ 2", found: "\(halvingFactor)") }
        if let folds, !(2...20).contains(folds) { throw .invalidValue(key: "--folds", expected: "an integer in 2...20", found: "\(folds)") }
        if let budgetSeconds, !(budgetSeconds > 0) { throw .invalidValue(key: "--budget", expected: "a positive duration", found: "\(budgetSeconds)") }
        let points: [SearchSpace.Point]
        switch strategy {
        case .grid: points = try space.gridPoints()
        case .random(let count):
            guard (1...100_000).contains(count) else { throw .invalidValue(key: "--random", expected: "a count in 1...100000", found: "\(count)") }
            points = space.sample(count, seed: base.seed)
        }
        guard points.count <= 100_000 else {
            throw .invalidValue(key: "space", expected: "at most 100000 trials", found: "\(points.count) combinations")
        }
        for point in points { _ = try SearchSpace.apply(point, to: base) }
        return points
    }

    /// The epochs of each halving round (the last is the base epochs), for `candidates` trials.
    public func roundEpochs(candidates: Int) -> [Int] {
        guard let eta = halvingFactor, candidates > 1 else { return [base.epochs] }
        // sklearn's count: 1 + ⌊log_eta(n)⌋ rounds.
        var rounds = 1
        var n = candidates
        while n >= eta {
            n /= eta
            rounds += 1
        }
        var epochs: [Int] = []
        for round in 0..<rounds {
            var value = base.epochs
            for _ in round..<(rounds - 1) { value /= eta }
            epochs.append(max(1, value))
        }
        return epochs
    }

    /// How many of `count` trials go on to the next round.
    public func promoted(_ count: Int) -> Int {
        guard let eta = halvingFactor else { return count }
        return max(1, (count + eta - 1) / eta)
    }
}
