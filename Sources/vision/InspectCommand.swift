import ArgumentParser
import Foundation
import VisionMetricAPI
import VisionModelAPI
import VisionWorkflow
import VisionYAMLModels

/// `vision inspect`: what a model file says about itself.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a .vision model file's plugin, classes, preprocessing, training, split and metrics.")

    @Argument(help: "A .vision model file.")
    var modelPath: String

    @Flag(help: "Print the metadata as JSON.")
    var json = false

    func run() throws {
        let (weights, m) = try SavedModel.read(modelPath)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            var copy = m
            copy.split = []  // long; `vision data split` and split.json hold it
            print(String(decoding: try encoder.encode(copy), as: UTF8.self))
            return
        }
        let parameters = weights.names.compactMap { weights[$0] }.reduce(0) { $0 + $1.elementCount }
        let counts = Dictionary(grouping: m.split, by: \.split).mapValues(\.count)
        let p = m.preprocessing
        print("""
            \(modelPath)
              format version   \(m.formatVersion)
              model            \(m.plugin)\(m.pluginConfiguration.isEmpty ? "" : " \(m.pluginConfiguration)")
              parameters       \(parameters) in \(weights.names.count) tensors
              classes          \(m.classes.count): \(m.classes.joined(separator: ", "))
              input            \(p.channels)×\(p.height)×\(p.width), mean \(p.mean.map { String(format: "%.4f", $0) }), std \(p.std.map { String(format: "%.4f", $0) })
              data             \(m.datasetRoot) (fingerprint \(m.datasetFingerprint)); split train \(counts["train"] ?? 0) / val \(counts["val"] ?? 0) / test \(counts["test"] ?? 0)
              epochs           \(m.epochs)
              training         \(m.training.sorted { $0.key < $1.key }.filter { !$0.value.isEmpty }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
              metrics          \(m.metrics.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.4f", $0.value))" }.joined(separator: ", "))
            """)
    }
}
