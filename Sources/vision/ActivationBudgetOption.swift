import ArgumentParser
import VisionWorkflow

/// `--max-activation-bytes`, shared by the commands that run a model file (infer, evaluate,
/// serve): one help text and one default for the inference memory budget.
struct ActivationBudgetOption: ParsableArguments {
    @Option(
        name: .customLong("max-activation-bytes"),
        help: "Memory one forward pass may take: batches shrink to fit; a model whose one image would not fit is refused.")
    var maxActivationBytes = ByteCount(bytes: InferenceMemory.defaultBudget)

    var bytes: Int { maxActivationBytes.bytes }
}
