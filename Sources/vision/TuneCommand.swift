import ArgumentParser
import Foundation
import VisionWorkflow

/// `vision tune`: hyperparameter search on the validation split.
struct TuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Search hyperparameters on the validation split (grid, random or successive halving), then refit the best.",
        discussion: """
            Every trial is a `vision train` run from the base configuration (--config and the \
            training flags) with the space's values applied, on one split shared by all trials, \
            scored by --monitor on the validation split (or K folds of train + val with --folds), \
            never on the test split. The space varies training options and model configuration \
            keys: --space FILE (lists, {int: [a, b]}, {float: [a, b]}, {log: [a, b]}) or --grid \
            'lr=0.1,0.01' (repeatable). The folder gets trials.csv, trials.jsonl, best.yaml (for \
            `vision train --config`), best.vision, report.html and, with the refit, refit/: the \
            best configuration trained on train + val and tested once on the test split.
            """
    )

    @Argument(help: "The dataset root or CSV manifest.")
    var data: String

    @OptionGroup(title: "Base training options (also as keys of a --config file)") var options: TrainingOptions

    @OptionGroup(title: "Image limits (an image over them is a bad image)") var decodeLimits: DecodeLimitOptions

    @Option(help: "A YAML file: option or model_config.KEY → list, {int: [a, b]}, {float: [a, b]} or {log: [a, b]}.")
    var space: String?

    @Option(help: "KEY=V1,V2,… (repeatable): a list for one key, e.g. lr=0.1,0.03 or model=lenet,defectnet.")
    var grid: [String] = []

    @Option(help: "Random search: this many seeded samples of the space (default: every combination).")
    var random: Int?

    @Flag(help: "Successive halving: the best 1/eta of each round go on with eta× the epochs (the last round gets --epochs).")
    var halving = false

    @Option(help: "With --halving: the factor. [default: 3]")
    var eta: Int?

    @Option(help: "Score each trial by K-fold cross-validation on train + val instead of the validation split.")
    var folds: Int?

    @Option(help: "Stop starting trials after this long (e.g. 90s, 30m, 2h); the refit still runs.")
    var budget: String?

    @Flag(inversion: .prefixedNo, help: "Train the best configuration on train + val and test it once on the test split. [default: on]")
    var refit = true

    @Option(help: "Tuning folder (default: runs/tune-MODEL).")
    var output: String?

    @Option(help: "Continue a search that was cut: its folder. Completed trials are kept; the cut one runs again.")
    var resume: String?

    @Flag(help: "Replace an existing tuning folder.")
    var overwrite = false

    @Flag(help: "Print only the summary.")
    var quiet = false

    @OptionGroup(title: "Distributed search (mpirun -np N vision tune …: one trial per rank at a time; rank 0 writes the results)") var distributedOptions: DistributedOptions

    func validate() throws {
        if resume == nil && space == nil && grid.isEmpty { throw ValidationError("give the space: --space FILE or --grid KEY=V1,V2 (or --resume FOLDER)") }
        if space != nil && !grid.isEmpty { throw ValidationError("--space and --grid do not go together: put the lists in the space file") }
        if eta != nil && !halving { throw ValidationError("--eta goes with --halving") }
    }

    /// `90s`, `30m`, `2h`, `1h30m` or a number of seconds.
    static func seconds(_ text: String) throws -> Double {
        var total = 0.0, number = ""
        for character in text.lowercased() {
            if character.isNumber || character == "." {
                number.append(character)
                continue
            }
            let unit: Double
            switch character {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3600
            default: throw CLIError("--budget: expected a duration such as 90s, 30m or 2h, got '\(text)'")
            }
            guard let value = Double(number) else { throw CLIError("--budget: expected a duration such as 90s, 30m or 2h, got '\(text)'") }
            total += value * unit
            number = ""
        }
        if !number.isEmpty {
            guard let value = Double(number) else { throw CLIError("--budget: expected a duration such as 90s, 30m or 2h, got '\(text)'") }
            total += value
        }
        guard total > 0 else { throw CLIError("--budget: expected a positive duration, got '\(text)'") }
        return total
    }

    func run() throws {
        let group = try distributedOptions.group()
        let quiet = quiet || !group.isRoot
        let specification: TuningSpecification
        let folder: String
        if let resume {
            specification = try Tuner.specification(in: resume)
            folder = resume
        } else {
            let (base, _) = try options.resolvedConfiguration()
            let searchSpace = try space.map { try SearchSpace.read($0) } ?? SearchSpace.grid(grid)
            specification = TuningSpecification(
                base: base, space: searchSpace, strategy: random.map { .random(count: $0) } ?? .grid,
                halvingFactor: halving ? (eta ?? 3) : nil, folds: folds, budgetSeconds: try budget.map(Self.seconds), refit: refit)
            folder = output ?? "runs/tune-\((base.model as NSString).lastPathComponent)"
            if !group.isRoot {
                // Rank 0 checks and prepares the folder.
            } else if FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("tune.json")) {
                guard overwrite else { throw CLIError("\(folder) already holds a search; --resume \(folder) continues it, --overwrite replaces it") }
                try FileManager.default.removeItem(atPath: folder)
            } else if !overwrite {
                try OutputFolder.checkUnused(folder, marker: "tune.json", what: "a search")
            }
        }
        let tuner = Tuner(
            root: data, folder: folder, specification: specification,
            models: try Registries.models(pluginDirectories: options.pluginDirectories), metrics: try Registries.metrics()
        ) { line in
            guard !quiet else { return }
            print(TerminalText.lines(line))
            fflush(nil)
        }
        tuner.decodeLimits = decodeLimits.limits
        tuner.group = group
        // Everything a user can get wrong fails here, before the folder exists or any training starts.
        _ = try tuner.check()
        if group.isRoot { try OutputFolder.prepare(folder) }
        let result = try tuner.run()
        guard group.isRoot else { return }
        var summary = "best \(result.monitor) \(String(format: "%.4f", result.best.score ?? .nan)) (trial \(result.best.id): \(Tuner.describe(result.best.parameters)))"
        if let test = result.refit?.testAccuracy { summary += String(format: "; refit test accuracy %.2f%%", test * 100) }
        print(summary)
        print("trials: \((folder as NSString).appendingPathComponent("trials.csv"))   configuration: \((folder as NSString).appendingPathComponent("best.yaml"))")
    }
}
