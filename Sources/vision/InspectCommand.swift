import ArgumentParser
import Foundation
import VisionModelAPI
import VisionWorkflow

/// `vision inspect`: what a model file says about itself.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a .vision model file's model and configuration, classes, preprocessing, training, monitored figure, split and metrics.")

    @Argument(help: "A .vision model file.")
    var modelPath: String

    @Flag(help: "Print the metadata as JSON (without the long split list; split.json and `vision data split` hold it).")
    var json = false

    func run() throws {
        let (weights, m) = try SavedModel.read(modelPath)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            var copy = m
            copy.split = []
            print(String(decoding: try encoder.encode(copy), as: UTF8.self))
            return
        }
        let parameters = weights.names.compactMap { weights[$0] }.reduce(0) { $0 + $1.elementCount }
        let counts = Dictionary(grouping: m.split, by: \.split).mapValues(\.count)
        let p = m.preprocessing
        let configuration = m.model.configuration.isEmpty ? "" : " " + m.model.configuration.keys.sorted().map { "\($0)=\(m.model.configuration[$0]?.jsonText ?? "")" }.joined(separator: " ")
        let training = (try? m.training.object()).map { object in
            object.keys.sorted().filter { $0 != "model" && $0 != "model_config" }.map { "\($0)=\(object[$0]?.jsonText ?? "")" }.joined(separator: " ")
        } ?? ""
        let monitored = m.monitor.map { name in "\(name) \(m.metrics[name].map { String(format: "%.4f", $0) } ?? "-")" } ?? "-"
        let text = """
            \(modelPath)
              format version   \(m.formatVersion)
              model            \(m.model.plugin)\(configuration)\(m.model.definition.map { " (\($0.format) definition stored in the file)" } ?? "")
              parameters       \(parameters) in \(weights.names.count) tensors
              classes          \(m.classes.count): \(m.classes.joined(separator: ", "))
              input            \(p.channels)×\(p.inputSize.height)×\(p.inputSize.width), resize \(p.resize.rawValue)\(p.resize == .centerCrop ? " \(p.cropFraction)" : ""), mean \(p.mean.map { String(format: "%.4f", $0) }.joined(separator: ", ")), std \(p.std.map { String(format: "%.4f", $0) }.joined(separator: ", "))
              data             \(m.datasetRoot) (fingerprint \(m.datasetFingerprint)); split train \(counts["train"] ?? 0) / val \(counts["val"] ?? 0) / test \(counts["test"] ?? 0)
              epoch            \(m.epoch)
              monitor          \(monitored)
              training         \(training)
              metrics          \(m.metrics.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.4f", $0.value))" }.joined(separator: ", "))
            """
        // A model file may hold anything: nothing in it reaches the terminal as a control character.
        print(text.split(separator: "\n", omittingEmptySubsequences: false).map { TerminalText.escaped(String($0)) }.joined(separator: "\n"))
    }
}
