import ArgumentParser
import VisionDistributed

@main
struct Vision: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "vision",
        abstract: "Train, evaluate and run convolutional image classifiers on the CPU.",
        discussion: """
            vision works from folders of labelled images (ROOT/CLASS/*.png|jpg).
            Start with `vision decode` to check that your images read as you expect.
            """,
        version: version,
        subcommands: [DecodeCommand.self, TrainCommand.self, TuneCommand.self, EvaluateCommand.self, InferCommand.self, InspectCommand.self, BenchCommand.self, MetricsCommand.self, ModelsCommand.self, DataCommand.self, ServeCommand.self, DriftCommand.self, ExplainCommand.self, ExportCommand.self, ImportCommand.self]
    )

    static func main() {
        OpenMPSpin.restartWithBoundedSpinIfNeeded()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            // In a distributed job, an error one rank meets alone ends every rank at once with
            // its message (the others would wait in a collective). Exit codes the ranks reach
            // together (an agreed Ctrl-C) end normally.
            let code = exitCode(for: error)
            if let group = Launch.current, group.isDistributed, code != .success, !(error is ExitCode) {
                group.abort(fullMessage(for: error), code: code.rawValue)
            }
            exit(withError: error)
        }
    }
}
