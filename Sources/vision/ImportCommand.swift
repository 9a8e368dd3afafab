import ArgumentParser
import Foundation
import SafeTensors
import VisionModelAPI
import VisionWorkflow

/// `vision import`: a model file from weights trained elsewhere.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Make a .vision model file from a PyTorch/torchvision/timm state_dict saved as safetensors.",
        discussion: """
            The architecture is --model (with --model-config); tensors load by name (torchvision's \
            names are vision's for resnet18/34 and mobilenetv2; module. and model. prefixes are \
            dropped), batch-norm statistics included. With --classes of another count than the \
            file's head, the head is new. The preprocessing is the model's default (ImageNet's \
            for ImageNet models) unless --image-size says otherwise. To convert a .pth: \
            python -c "import torch, safetensors.torch as s; s.save_file(torch.load('m.pth', map_location='cpu'), 'm.safetensors')".
            """
    )

    @Argument(help: "The weights: a safetensors file holding a state_dict.")
    var weights: String

    @Option(help: "The architecture (see `vision models`).")
    var model: String

    @Option(name: .customLong("model-config"), help: "A model configuration key, e.g. width=32 (repeatable).")
    var modelConfig: [ConfigurationAssignment] = []

    @Option(help: "Class names in output order, comma-separated (default: the file's head, named 0, 1, …).")
    var classes: String?

    @Option(name: .customLong("image-size"), help: "The input size, S or WxH (default: the model's).")
    var imageSize: String?

    @Option(help: "false: load the tensors that fit and leave the rest at initialisation (listed). [default: true]")
    var strict = true

    @Option(help: "The model file to write.")
    var output: String

    @Option(name: .customLong("plugin-dir"), help: "Also load YAML models from this folder (repeatable).")
    var pluginDirectories: [String] = []

    func run() throws {
        let models = try Registries.models(pluginDirectories: pluginDirectories)
        let plugin = try models.resolve(nameOrPath: model)
        let specification = try models.specification(of: plugin, configuration: ConfigurationAssignment.object(modelConfig))
        var preprocessing = plugin.defaultPreprocessing
        if let imageSize { preprocessing.inputSize = try ImageSize(parsing: imageSize).inputSize }
        let names = classes.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        if let names, names.isEmpty || Set(names).count != names.count {
            throw ValidationError("--classes must name at least one class, each once, got '\(classes ?? "")'")
        }
        let file: SafeTensors
        do {
            file = try SafeTensors.read(contentsOf: weights)
        } catch {
            throw CLIError("\(weights): \(error)")
        }
        var training = TrainingConfiguration()
        training.model = specification.plugin
        training.strict = strict
        let imported = try ForeignWeights.savedModel(
            file, path: weights, specification: specification, classes: names, preprocessing: preprocessing, training: training, strict: strict,
            models: models) { print($0) }
        try SavedModel.write(imported.model, metadata: imported.metadata, to: output)
        print("model: \(output) (\(specification.plugin), \(imported.metadata.classes.count) classes, input \(preprocessing.summary))")
    }
}
