import ArgumentParser
import Foundation
import VisionImage
import VisionModelAPI
import VisionTensor
import VisionWorkflow

/// `vision explain`: Grad-CAM heat maps of where a saved model looked.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Write Grad-CAM heat maps: where a saved model looked in each image.",
        discussion: """
            For each image, the gradient of a class's score with respect to the model's last \
            convolutional feature maps weights those maps; their positive sum, drawn over the \
            image as the model saw it (resized, before normalisation), is NAME.gradcam.png in \
            --save-to. The class is the predicted one unless --class names another. Models \
            without convolutional feature maps (linear, mlp) cannot be explained this way. \
            The exit status is 1 when any file failed.
            """
    )

    @Argument(help: "A .vision model file.")
    var modelPath: String

    @Argument(help: "Images, folders, '-' or @LIST (as for `vision infer`).")
    var paths: [String]

    @Option(name: .customLong("save-to"), help: "The folder for the heat maps (created if missing).")
    var saveTo: String

    @Option(name: .customLong("class"), help: "Explain this class instead of the predicted one.")
    var className: String?

    @Flag(help: "Print one JSON object per image instead of the table.")
    var jsonl = false

    @Option(name: .customLong("plugin-dir"), help: "Also load YAML models from this folder (repeatable).")
    var pluginDirectories: [String] = []

    @OptionGroup(title: "Image limits (an image over them is that file's error)") var decodeLimits: DecodeLimitOptions

    @OptionGroup var activationBudget: ActivationBudgetOption

    @Option(help: "Compute threads (default: all cores).")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() throws {
        ComputeThreads.configure(threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        let loaded = try LoadedModel(path: modelPath, registry: Registries.models(pluginDirectories: pluginDirectories))
        let predictor = try Predictor(loaded, limits: decodeLimits.limits, memoryBudget: activationBudget.bytes)
        var wanted: Int?
        if let className {
            guard let index = loaded.metadata.classes.firstIndex(of: className) else {
                throw CLIError("--class '\(className)' is not one of the model's classes: \(loaded.metadata.classes.joined(separator: ", "))")
            }
            wanted = index
        }
        let files = try InferCommand.imageFiles(paths)
        guard !files.isEmpty else { throw CLIError("no image files found in \(paths.joined(separator: ", "))") }
        try OutputFolder.prepare(saveTo)
        let p = loaded.metadata.preprocessing
        let shape = [1, p.channels, p.inputSize.height, p.inputSize.width]
        var taken = Set<String>()
        var rows: [[String]] = []
        var failures = 0
        for file in files {
            do {
                let input = try predictor.input(from: ImageDecoder.decode(contentsOf: file, options: predictor.decodeOptions).image)
                guard let heat = try GradCAM.heatMaps(loaded.model, inputs: input, shape: shape, classes: wanted.map { [$0] }).first else { continue }
                let name = OutputFolder.uniqueName(for: file, taken: &taken).replacingOccurrences(of: ".png", with: ".gradcam.png")
                let output = (saveTo as NSString).appendingPathComponent(name)
                try AtomicFile.write(try PNGEncoder.encode(HeatMapImage.render(input: input, preprocessing: p, heat: heat)), to: output)
                let predicted = Prediction.ranking(heat.probabilities)[0]
                let classes = loaded.metadata.classes
                if jsonl {
                    let document: [String: Any] = [
                        "path": file, "heat_map": output, "predicted": classes[predicted], "probability": Double(heat.probabilities[predicted]),
                        "explained": classes[heat.explained], "feature_map": [heat.height, heat.width],
                    ]
                    print(String(decoding: try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self))
                } else {
                    rows.append([file, classes[predicted], String(format: "%.4f", heat.probabilities[predicted]), classes[heat.explained], output])
                }
            } catch let error as ModelError {
                throw error  // the model cannot be explained: the same for every file
            } catch {
                failures += 1
                if jsonl {
                    let document = ["path": file, "error": "\(error)"]
                    print(String(decoding: try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self))
                } else {
                    rows.append([file, "error", "", "", "\(error)"])
                }
            }
        }
        if !jsonl {
            print(TextTable.render(header: ["file", "predicted", "probability", "heat for", "heat map"], rows: rows.map { $0.map(TerminalText.escaped) }))
            print("\(files.count - failures) explained, \(failures) failed")
        }
        if failures > 0 { throw ExitCode(1) }
    }
}
