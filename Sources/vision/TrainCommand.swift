import ArgumentParser
import Foundation
import VisionData
import VisionDistributed
import VisionModelAPI
import VisionWorkflow

/// `vision train`: a model from a folder of labelled images.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a classifier on DATA (ROOT/CLASS/… or ROOT/train|val|test/CLASS/… or a CSV manifest).",
        discussion: """
            Splits the data (stratified, seeded, stable; or the tree's own split), computes \
            normalisation on the train split only, validates every epoch through the metric \
            plugins, writes last.vision and best.vision atomically with metrics.csv, config.yaml, \
            split.json and report.html into --output, and tests the best model on the images it \
            never saw. Every option can also come from --config (the same names with underscores: \
            batch_size: 128); flags given here override the file.
            """
    )

    @Argument(help: "The dataset root or CSV manifest.")
    var data: String

    @OptionGroup(title: "Training options (also as keys of a --config file)") var options: TrainingOptions

    @OptionGroup(title: "Image limits (an image over them is a bad image)") var decodeLimits: DecodeLimitOptions

    @Option(help: "Run folder (default: runs/MODEL).")
    var output: String?

    @Option(help: "Continue an interrupted run: its folder or its last.vision. Its config.yaml is read; flags (e.g. a larger --epochs) override it.")
    var resume: String?

    @Flag(help: "Replace an existing run folder.")
    var overwrite = false

    @Option(help: "First run stratified K-fold cross-validation on train + val (the test split untouched; one run per fold in OUTPUT/folds/) and report each figure's mean ± standard deviation across folds, then train the final model.")
    var folds: Int?

    @Flag(help: "Print only the summary.")
    var quiet = false

    @OptionGroup(title: "Distributed training (mpirun -np N vision train …; --batch-size stays the global batch)") var distributedOptions: DistributedOptions

    /// Defaults, the config file, the run's config.yaml when resuming, the flags.
    func resolvedConfiguration() throws -> (TrainingConfiguration, modelChosen: Bool) {
        var resumed: String?
        if let folder = resumeFolder {
            guard FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("last.vision")) else {
                throw CLIError("\(folder): no last.vision to resume from")
            }
            resumed = (folder as NSString).appendingPathComponent("config.yaml")
        }
        var (c, modelChosen) = try options.resolvedConfiguration(resumed: resumed)
        if let folder = resumeFolder { c.output = folder }
        if let output { c.output = output }
        return (c, modelChosen)
    }

    /// The run folder `--resume` names (a folder, or the folder of a model file).
    var resumeFolder: String? {
        guard let resume else { return nil }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: resume, isDirectory: &isFolder), isFolder.boolValue { return resume }
        return (resume as NSString).deletingLastPathComponent
    }

    func validate() throws {
        if let folds, !(2...100).contains(folds) { throw ValidationError("--folds must be between 2 and 100, got \(folds)") }
        if folds != nil && resume != nil { throw ValidationError("--folds starts a new run; it cannot be combined with --resume") }
    }

    func run() throws {
        let group = try distributedOptions.group()
        var (c, modelChosen) = try resolvedConfiguration()
        let folder = c.output ?? "runs/\((c.model as NSString).lastPathComponent)"
        c.output = folder
        // Rank 0 owns the run folder (the others write nothing, and print nothing but errors).
        if resume == nil && !overwrite && group.isRoot {
            try OutputFolder.checkUnused(folder, marker: "last.vision", what: "a run")
        }
        let models = try Registries.models(pluginDirectories: options.pluginDirectories)
        let metricRegistry = try Registries.metrics()
        // An unknown model, configuration key or monitored figure fails before the folder is made.
        if resume == nil && c.initFrom == nil { _ = try models.specification(of: models.resolve(nameOrPath: c.model), configuration: c.modelConfig) }
        do {
            _ = try MetricSuite(registry: metricRegistry, extra: c.metrics)
        } catch {
            throw CLIError("--metrics: \(error)")
        }
        do {
            _ = try MetricValueName(c.monitor, registry: metricRegistry)
        } catch {
            throw CLIError("--monitor \(c.monitor): \(error)")
        }
        if group.isRoot { try OutputFolder.prepare(folder) }
        let onTerminal = isatty(STDOUT_FILENO) != 0
        let quiet = quiet || !group.isRoot
        var request = TrainingSetup.Request(root: data, configuration: c, output: folder, resume: resume != nil, modelChosen: modelChosen)
        request.limits = decodeLimits.limits
        request.group = group
        request.chosenKeys = try options.chosenKeys(resumed: resume.map { _ in (folder as NSString).appendingPathComponent("config.yaml") })
        let log = { (line: String) in
            guard !quiet else { return }
            // On a terminal, clear the progress bar's line first; flush each line so that
            // progress shows up promptly in logs and pipes.
            print((onTerminal && !group.isDistributed ? "\r\u{1B}[K" : "") + TerminalText.lines(line))
            fflush(nil)
        }
        let trainer = Trainer(request, models: models, metrics: metricRegistry, log: log)
        // Ctrl-C: finish the step, save, exit cleanly (status 130); a second Ctrl-C stops at once
        // (last.vision then holds the last finished epoch).
        let stop = StopRequest()
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            if stop.isRequested {
                if group.isRoot { FileHandle.standardError.write(Data("interrupted again: stopping now; \((folder as NSString).appendingPathComponent("last.vision")) holds the last finished epoch\n".utf8)) }
                _exit(130)
            }
            stop.request()
        }
        source.resume()
        // Under mpirun, Ctrl-C reaches the launcher, which sends SIGTERM to every rank and SIGKILL
        // a second later: too soon to finish a step, so say where the run stands and go
        // (last.vision, written atomically after each epoch, holds the last finished one).
        var terminate: DispatchSourceSignal?
        if group.isDistributed {
            signal(SIGTERM, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
            source.setEventHandler {
                if group.isRoot {
                    FileHandle.standardError.write(Data("stopped by the launcher (Ctrl-C on mpirun, or SIGTERM): \((folder as NSString).appendingPathComponent("last.vision")) holds the last finished epoch; continue with --resume \(folder)\n".utf8))
                }
                _exit(143)
            }
            source.resume()
            terminate = source
        }
        defer { terminate?.cancel() }
        trainer.stopRequested = { stop.isRequested }
        // Under mpirun the ranks write through the launcher, where a redrawn bar is noise: epoch lines only.
        if !quiet && onTerminal && !group.isDistributed { trainer.callbacks.append(ProgressBar()) }
        let result: TrainingResult
        var crossValidation: CrossValidation.Summary?
        do {
            if let folds {
                let summary = try CrossValidation.run(
                    request, folds: folds, models: models, metrics: metricRegistry, stopRequested: { stop.isRequested }, log: log)
                if group.isRoot { print("cross-validation, \(folds) folds of train + val (test untouched), at each fold's best epoch, mean ± standard deviation:")
                for line in summary.lines { print("  " + line) }
                print("folds: \((folder as NSString).appendingPathComponent("folds.json")); now the final model on the whole train split") }
                crossValidation = summary
            }
            result = try trainer.run()
        } catch TrainingError.interrupted(let epoch, let path) {
            // Every rank stops after the same step; rank 0 says so.
            if group.isRoot { FileHandle.standardError.write(Data("\(TrainingError.interrupted(epoch: epoch, savedTo: path))\n".utf8)) }
            throw ExitCode(130)
        }
        guard group.isRoot else { return }
        var summary = "best \(result.monitor) \(result.bestValue.map { String(format: "%.4f", $0) } ?? "-")"
        if let epoch = result.bestEpoch { summary += " at epoch \(epoch)" }
        if let best = result.history.first(where: { $0.epoch == result.bestEpoch }) {
            summary += String(format: " (validation accuracy %.2f%%)", best.valAccuracy * 100)
        }
        if let test = result.testAccuracy { summary += String(format: ", test accuracy %.2f%% (images the model never saw)", test * 100) }
        if let crossValidation, let mean = crossValidation.mean[crossValidation.monitor], let std = crossValidation.std[crossValidation.monitor] {
            summary += String(format: "; cross-validated %@ %.4f ± %.4f over %d folds", crossValidation.monitor, mean, std, crossValidation.folds.count)
        }
        print(summary)
        print("model: \(result.bestModelPath)   history: \((folder as NSString).appendingPathComponent("metrics.csv"))")
    }
}

/// The terminal progress bar: epoch, batch, running loss and accuracy, speed and time left.
final class ProgressBar: TrainingCallback {
    func stepDidEnd(_ p: StepProgress, run: TrainingRun) throws -> TrainingDecision {
        let filled = Int(Double(p.batch) / Double(max(p.batches, 1)) * 24)
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: max(24 - filled, 0))
        print(String(
            format: "\r epoch %d/%d %@ %d/%d  loss %.4f  acc %5.1f%%  %.0f img/s  ETA %@\u{1B}[K", p.epoch, p.epochs, bar, p.batch,
            p.batches, p.loss, p.accuracy * 100, p.imagesPerSecond, Duration.clock(p.secondsRemaining)), terminator: "")
        fflush(nil)
        return .proceed
    }
}

/// Set from the signal handler's queue, read by the training loop.
final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var requested = false

    func request() { lock.withLock { requested = true } }

    var isRequested: Bool { lock.withLock { requested } }
}
