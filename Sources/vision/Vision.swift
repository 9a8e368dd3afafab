import ArgumentParser

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
        main(nil)
    }
}
