import Foundation
import VisionData
import VisionDistributed
import VisionImage
import VisionMetricAPI
import VisionModelAPI

/// What a search found.
public struct TuningResult: Sendable {
    public var records: [TrialRecord]
    /// The best trial of the last round reached.
    public var best: TrialRecord
    /// The best trial of the model with the fewest parameters searched (the simplest baseline).
    public var baseline: TrialRecord?
    /// The refit model's figures on the test split (nil without refit or a test split).
    public var refit: TrainingResult?
    public var monitor: String
}

/// Hyperparameter search: every trial is a `vision train` run (`Trainer`) on one shared split,
/// scored on the validation split (or K folds of train + val), never on the test split. Grid,
/// random and successive halving; the plan and each result are written atomically, so a killed
/// search resumes where it was cut; then the best configuration is refit on train + val and
/// tested once.
///
/// Under `mpirun`, the ranks run trials side by side: each round's pending trials go out in
/// waves of one trial per rank (rank r takes the r-th of the wave, on its own cores), every rank
/// learns every result after each wave, and rank 0 alone writes the plan, the results and the
/// report; the refit is data-parallel over all ranks when the batch divides among them.
public final class Tuner {
    public let root: String
    public let folder: String
    public let specification: TuningSpecification
    let models: ModelRegistry
    let metrics: MetricRegistry
    let log: (String) -> Void
    /// What one image's decode may cost, in every trial and the refit.
    public var decodeLimits = DecodeLimits.standard
    /// The processes sharing the search (one by default).
    public var group: ProcessGroup = SingleProcess()

    public init(
        root: String, folder: String, specification: TuningSpecification, models: ModelRegistry, metrics: MetricRegistry,
        log: @escaping (String) -> Void
    ) {
        self.root = root
        self.folder = folder
        self.specification = specification
        self.models = models
        self.metrics = metrics
        self.log = log
    }

    func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }

    /// The specification a tuning folder was started with (for `--resume`).
    public static func specification(in folder: String) throws -> TuningSpecification {
        let file = (folder as NSString).appendingPathComponent("tune.json")
        guard let data = FileManager.default.contents(atPath: file) else {
            throw RunSpecificationError.unreadable(file: file, detail: "no tuning here to resume (tune.json is missing)")
        }
        do {
            return try JSONDecoder().decode(TuningSpecification.self, from: data)
        } catch {
            throw RunSpecificationError.unreadable(file: file, detail: "not a tuning specification (\(error))")
        }
    }

    /// Checks everything that can be checked before training (the space, each candidate's
    /// configuration, the monitor, the model configurations) and returns the candidates.
    public func check() throws -> [SearchSpace.Point] {
        let candidates = try specification.candidates()
        _ = try MetricValueName(specification.base.monitor, registry: metrics)
        // A model configuration key must fit at least one candidate's model; a candidate whose
        // model refuses it is recorded as failed when its turn comes.
        var firstError: Error?
        var anyFits = false
        for point in candidates {
            let c = try SearchSpace.apply(point, to: specification.base)
            do {
                _ = try models.specification(of: models.resolve(nameOrPath: c.model), configuration: c.modelConfig)
                anyFits = true
            } catch {
                firstError = firstError ?? error
            }
        }
        if !anyFits, let firstError { throw firstError }
        return candidates
    }

    public func run() throws -> TuningResult {
        let candidates = try check()
        let monitor = try MetricValueName(specification.base.monitor, registry: metrics)
        if group.isRoot {
            try FileManager.default.createDirectory(atPath: path("trials"), withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try AtomicFile.write(Array(try encoder.encode(specification)), to: path("tune.json"))
        }

        let dataset = try Dataset.load(root)
        // Rank 0 makes (or reads) the shared split; the others read the folder once it is ready.
        let made = group.isRoot ? try sharedSplit(dataset) : nil
        try group.barrier()
        let split = try made ?? sharedSplit(dataset)
        var plan = try loadPlan() ?? TuningPlan(
            candidates: candidates, roundEpochs: specification.roundEpochs(candidates: candidates.count),
            trials: candidates.indices.map { PlannedTrial(id: $0 + 1, round: 0, candidate: $0, epochs: 0) },
            monitor: monitor.key, higherIsBetter: monitor.higherIsBetter)
        for index in plan.trials.indices where plan.trials[index].round == 0 { plan.trials[index].epochs = plan.roundEpochs[0] }
        try savePlan(plan)
        var records = try loadRecords()
        let total = plan.roundEpochs.enumerated().reduce(0) { sum, round in
            sum + round.element * (round.offset == 0 ? candidates.count : promotedCount(after: round.offset, candidates.count))
        }
        log("tuning \(candidates.count) candidates over \(specification.space.dimensions.map(\.key).joined(separator: ", ")), monitor \(monitor.key); \(plan.roundEpochs.count > 1 ? "halving rounds of \(plan.roundEpochs.map(String.init).joined(separator: ", ")) epochs" : "\(plan.roundEpochs[0]) epochs each"); \(records.count) trials done before")

        rounds: for round in plan.roundEpochs.indices {
            if round > 0 && !plan.trials.contains(where: { $0.round == round }) {
                // Promote the best of the previous round (failed trials last).
                let previous = records.values.filter { $0.round == round - 1 }
                let ranked = previous.sorted { Self.better($0, than: $1, higherIsBetter: monitor.higherIsBetter) }
                let keep = ranked.prefix(specification.promoted(previous.count)).filter { $0.status == .ok }
                guard !keep.isEmpty else { break }
                let firstID = (plan.trials.map(\.id).max() ?? 0) + 1
                plan.trials += keep.enumerated().map {
                    PlannedTrial(id: firstID + $0.offset, round: round, candidate: $0.element.candidate, epochs: plan.roundEpochs[round])
                }
                try savePlan(plan)
            }
            let pending = plan.trials.filter { $0.round == round && records[$0.id] == nil }
            var next = 0
            while next < pending.count {
                let spent = records.values.reduce(0) { $0 + $1.seconds } / Double(group.size)
                if let budget = specification.budgetSeconds, spent >= budget {
                    log("budget of \(Duration.clock(budget)) spent: no more trials start")
                    break rounds
                }
                // One trial per rank (one in a single process); every rank learns every result.
                let wave = Array(pending[next..<min(next + group.size, pending.count)])
                next += wave.count
                let mine = group.rank < wave.count
                    ? runTrial(wave[group.rank], point: plan.candidates[wave[group.rank].candidate], dataset: dataset, split: split, monitor: monitor)
                    : nil
                // Trials differ in length: waiting for the wave's slowest is no sign of a stuck rank.
                let finished = try group.withoutTimeout { try Shard.gather(mine, group: group) }.compactMap { $0 }
                for record in finished { records[record.id] = record }
                if group.isRoot { try saveRecords(records, plan: plan) }
                for record in finished {
                    let doneEpochs = records.values.reduce(0) { $0 + $1.epochs }
                    let perEpoch = records.values.reduce(0) { $0 + $1.seconds } / Double(max(doneEpochs, 1)) / Double(group.size)
                    var eta = Double(max(total - doneEpochs, 0)) * perEpoch
                    if let budget = specification.budgetSeconds { eta = min(eta, max(budget - records.values.reduce(0) { $0 + $1.seconds } / Double(group.size), 0)) }
                    // The best as of this trial (a wave's later results are told after it).
                    let best = bestRecord(records.values.filter { $0.round == round && $0.id <= record.id }, higherIsBetter: monitor.higherIsBetter)
                    log(line(record, of: plan, best: best, eta: eta, monitor: monitor))
                }
            }
        }
        let all = records.values.sorted { $0.id < $1.id }
        let lastRound = all.filter { $0.status == .ok }.map(\.round).max()
        guard let lastRound, let best = bestRecord(all.filter { $0.round == lastRound }, higherIsBetter: monitor.higherIsBetter) else {
            throw TuningError.noTrialSucceeded(all.first(where: { $0.error != nil })?.error ?? "no trial ran")
        }
        let baseline = simplestBaseline(all, higherIsBetter: monitor.higherIsBetter)
        var bestConfiguration = try SearchSpace.apply(plan.candidates[best.candidate], to: specification.base)
        bestConfiguration.epochs = best.epochs
        bestConfiguration.output = nil
        if group.isRoot { try AtomicFile.write(Array(try ConfigurationFile.yaml(bestConfiguration).utf8), to: path("best.yaml")) }
        let bestModel = trialFolder(best.id, fold: specification.folds == nil ? nil : 0) + "/best.vision"
        if group.isRoot && FileManager.default.fileExists(atPath: bestModel) {
            try? FileManager.default.removeItem(atPath: path("best.vision"))
            try FileManager.default.copyItem(atPath: bestModel, toPath: path("best.vision"))
        }
        log("best: trial \(best.id) \(Self.describe(best.parameters)) → \(monitor.key) \(Self.format(best.score)); configuration in \(path("best.yaml"))")
        if let baseline, baseline.id != best.id {
            log("simplest model searched: trial \(baseline.id) \(Self.describe(baseline.parameters)) → \(monitor.key) \(Self.format(baseline.score))")
        }
        var result = TuningResult(records: all, best: best, baseline: baseline, refit: nil, monitor: monitor.key)
        if specification.refit { result.refit = try refit(bestConfiguration, dataset: dataset, split: split, monitor: monitor) }
        guard group.isRoot else { return result }
        try TuningReport.write(to: path("report.html"), result: result, plan: plan, space: specification.space)
        log("report: \(path("report.html"))")
        return result
    }

    /// How many candidates a halving round `round` holds.
    func promotedCount(after round: Int, _ candidates: Int) -> Int {
        var count = candidates
        for _ in 0..<round { count = specification.promoted(count) }
        return count
    }

    /// The split every trial shares: made once (from the base seed and fractions, or the
    /// tree's own folders) and saved as split.json.
    func sharedSplit(_ dataset: Dataset) throws -> SplitDefinition {
        let file = path("split.json")
        if FileManager.default.fileExists(atPath: file) {
            let split = try SplitDefinition.read(contentsOf: file)
            try split.check(against: dataset)
            return split
        }
        let c = specification.base
        let split = Splitter.makeSplit(
            for: dataset, fractions: try SplitFractions(train: c.trainFraction, val: c.valFraction, test: c.testFraction), seed: c.seed)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        if group.isRoot { try AtomicFile.write(Array(try encoder.encode(split)), to: file) }
        return split
    }

    func trialFolder(_ id: Int, fold: Int?) -> String {
        path(String(format: "trials/%04d", id)) + (fold.map { "/fold-\($0 + 1)" } ?? "")
    }

    /// One trial: a training run per fold (or one on the shared split), scored on validation.
    func runTrial(_ trial: PlannedTrial, point: SearchSpace.Point, dataset: Dataset, split: SplitDefinition, monitor: MetricValueName)
        -> TrialRecord
    {
        let clock = ContinuousClock()
        let started = clock.now
        var record = TrialRecord(
            id: trial.id, round: trial.round, candidate: trial.candidate, parameters: point, epochs: trial.epochs, status: .failed,
            score: nil, foldScores: nil, bestEpoch: nil, epochsRun: 0, seconds: 0, modelParameters: nil, error: nil)
        do {
            // A trial cut by a kill starts again from nothing.
            try? FileManager.default.removeItem(atPath: trialFolder(trial.id, fold: nil))
            var configuration = try SearchSpace.apply(point, to: specification.base)
            configuration.epochs = trial.epochs
            var scores: [Double] = []
            for fold in 0..<(specification.folds ?? 1) {
                var request = TrainingSetup.Request(
                    root: root, configuration: configuration, output: trialFolder(trial.id, fold: specification.folds == nil ? nil : fold))
                request.split = try specification.folds.map { try split.fold(fold, of: $0, dataset: dataset) } ?? split
                request.finalTest = false
                request.limits = decodeLimits
                request.configuration.output = request.output
                let result = try Trainer(request, models: models, metrics: metrics, log: { _ in }).run()
                guard let score = result.bestValue, !score.isNaN else {
                    throw TuningError.noScore(monitor.key)
                }
                scores.append(score)
                record.epochsRun += result.history.count
                record.bestEpoch = record.bestEpoch ?? result.bestEpoch
                record.modelParameters = result.parameterCount
            }
            record.score = scores.reduce(0, +) / Double(scores.count)
            record.foldScores = specification.folds == nil ? nil : scores
            record.status = .ok
        } catch {
            record.error = "\(error)"
        }
        record.seconds = (clock.now - started).seconds
        return record
    }

    /// Trains `configuration` on train + val (no validation: the last epoch is the model) and
    /// tests it on the test split: the only time the search reads the test split.
    func refit(_ configuration: TrainingConfiguration, dataset: Dataset, split: SplitDefinition, monitor: MetricValueName) throws
        -> TrainingResult?
    {
        guard split.entries.contains(where: { $0.split == .test }) else {
            log("refit skipped: the data has no test split to evaluate it on")
            return nil
        }
        var merged = split
        merged.entries = split.entries.map { $0.split == .val ? SplitDefinition.Entry(path: $0.path, label: $0.label, split: .train) : $0 }
        var request = TrainingSetup.Request(root: root, configuration: configuration, output: path("refit"))
        // Data-parallel over every rank when the batch divides among them; else rank 0 alone.
        let together = group.isDistributed && configuration.batchSize % group.size == 0
        guard together || group.isRoot else { return nil }
        if together {
            request.group = group
        } else if group.isDistributed && configuration.threads == nil {
            request.configuration.threads = ProcessInfo.processInfo.activeProcessorCount  // the others are done: every core
        }
        request.split = merged
        request.withoutValidation = true
        request.limits = decodeLimits
        request.configuration.output = request.output
        request.configuration.patience = nil  // nothing to stop on without validation
        if group.isRoot { try? FileManager.default.removeItem(atPath: path("refit")) }
        log("refit: the best configuration on train + val (\(configuration.epochs) epochs); the test split is used now, for the first and only time")
        let result = try Trainer(request, models: models, metrics: metrics, log: { _ in }).run()
        if let evaluation = result.evaluation {
            // Evaluations name values without the `val_` prefix (`f1_macro`, `loss`).
            let key = String(monitor.key.dropFirst("val_".count))
            let value = evaluation.values[key] ?? .nan
            let monitored = key == "accuracy" ? "" : String(format: ", %@ %.4f", key, value)
            log(String(format: "refit test: accuracy %.2f%%%@ on %d images the search never used (model: %@)", evaluation.accuracy * 100,
                       monitored, evaluation.predictions.count, result.bestModelPath))
        }
        return result
    }

    // MARK: Records

    func loadPlan() throws -> TuningPlan? {
        guard let data = FileManager.default.contents(atPath: path("plan.json")) else { return nil }
        do {
            return try JSONDecoder().decode(TuningPlan.self, from: data)
        } catch {
            throw RunSpecificationError.unreadable(file: path("plan.json"), detail: "not a tuning plan (\(error))")
        }
    }

    func savePlan(_ plan: TuningPlan) throws {
        guard group.isRoot else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(Array(try encoder.encode(plan)), to: path("plan.json"))
    }

    func loadRecords() throws -> [Int: TrialRecord] {
        guard let text = try? String(contentsOfFile: path("trials.jsonl"), encoding: .utf8) else { return [:] }
        var records: [Int: TrialRecord] = [:]
        for (number, line) in text.split(separator: "\n").enumerated() {
            do {
                let record = try JSONDecoder().decode(TrialRecord.self, from: Data(line.utf8))
                records[record.id] = record
            } catch {
                throw RunSpecificationError.inFile(file: path("trials.jsonl"), line: number + 1, key: "-", detail: "not a trial record (\(error))")
            }
        }
        return records
    }

    /// trials.jsonl and trials.csv, rewritten atomically after every trial.
    func saveRecords(_ records: [Int: TrialRecord], plan: TuningPlan) throws {
        guard group.isRoot else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let sorted = records.values.sorted { $0.id < $1.id }
        let lines = try sorted.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        try AtomicFile.write(Array((lines.joined(separator: "\n") + "\n").utf8), to: path("trials.jsonl"))
        try AtomicFile.write(Array(TuningReport.csv(sorted, keys: specification.space.dimensions.map(\.key), monitor: plan.monitor).utf8),
                             to: path("trials.csv"))
    }

    // MARK: Ranking

    /// Whether `a` ranks before `b`: succeeded before failed, then by score in the monitor's direction.
    static func better(_ a: TrialRecord, than b: TrialRecord, higherIsBetter: Bool) -> Bool {
        switch (a.score, b.score) {
        case let (x?, y?): return x != y ? (higherIsBetter ? x > y : x < y) : a.id < b.id
        case (.some, nil): return true
        case (nil, .some): return false
        default: return a.id < b.id
        }
    }

    func bestRecord(_ records: [TrialRecord], higherIsBetter: Bool) -> TrialRecord? {
        records.filter { $0.status == .ok }.sorted { Self.better($0, than: $1, higherIsBetter: higherIsBetter) }.first
    }

    /// The best succeeded trial among those whose model has the fewest parameters.
    func simplestBaseline(_ records: [TrialRecord], higherIsBetter: Bool) -> TrialRecord? {
        let ok = records.filter { $0.status == .ok && $0.modelParameters != nil }
        guard let fewest = ok.compactMap(\.modelParameters).min() else { return nil }
        return bestRecord(ok.filter { $0.modelParameters == fewest }, higherIsBetter: higherIsBetter)
    }

    func line(_ r: TrialRecord, of plan: TuningPlan, best: TrialRecord?, eta: Double, monitor: MetricValueName) -> String {
        let rounds = plan.roundEpochs.count > 1 ? " (round \(r.round + 1)/\(plan.roundEpochs.count), \(r.epochs) epochs)" : ""
        let outcome = r.status == .ok ? "\(monitor.key) \(Self.format(r.score))" : "failed: \(r.error ?? "")"
        let bestText = best.map { "best \(Self.format($0.score)) (trial \($0.id))" } ?? "no success yet"
        let planned = plan.roundEpochs.indices.reduce(0) { $0 + promotedCount(after: $1, plan.candidates.count) }
        return "trial \(r.id)/\(planned)\(rounds): \(Self.describe(r.parameters)) → \(outcome) in \(Duration.clock(r.seconds)); \(bestText); ETA \(Duration.clock(eta))"
    }

    /// `batch_size=32 lr=0.01`, keys sorted.
    public static func describe(_ point: SearchSpace.Point) -> String {
        point.keys.sorted().map { "\($0)=\(point[$0].map(shortValue) ?? "")" }.joined(separator: " ")
    }

    static func shortValue(_ value: JSONValue) -> String {
        switch value {
        case .double(let d): return String(format: "%.4g", d)
        case .string(let s): return s
        default: return value.jsonText
        }
    }

    static func format(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "-" }
}

/// Why a search could not give an answer.
public enum TuningError: Error, Equatable, CustomStringConvertible {
    case noTrialSucceeded(String)
    case noScore(String)

    public var description: String {
        switch self {
        case .noTrialSucceeded(let reason): return "no trial succeeded; the first failure: \(reason)"
        case .noScore(let monitor): return "the run gave no \(monitor) to score the trial by"
        }
    }
}
