import ArgumentParser
import Foundation
import VisionWorkflow

/// `vision drift`: the server's drift report, offline, for a folder of images.
struct DriftCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Compare a folder of images with the training inputs recorded in a model file.",
        discussion: """
            Per feature (brightness, contrast, colour means, edge orientation, half balances, \
            stored size): the population stability index and the Kolmogorov–Smirnov statistic \
            against the model's training fingerprint, the shift of the predicted classes, and a \
            verdict: ok (PSI < 0.1), warn (0.1–0.25), drift (≥ 0.25), each also needing a \
            significant KS statistic; insufficient_data below 50 images. Exit status 0 for ok or \
            warn, 3 for drift.
            """
    )

    @Argument(help: "A .vision model file trained by this version of vision (it holds the fingerprint).")
    var modelPath: String

    @Argument(help: "A folder of images (searched recursively), or image files.")
    var paths: [String]

    @Option(name: .customLong("plugin-dir"), help: "Also load YAML models from this folder (repeatable).")
    var pluginDirectories: [String] = []

    @OptionGroup(title: "Image limits") var decodeLimits: DecodeLimitOptions

    @Flag(help: "Print one JSON document.")
    var json = false

    func run() throws {
        let loaded = try LoadedModel(path: modelPath, registry: Registries.models(pluginDirectories: pluginDirectories))
        guard let fingerprint = loaded.metadata.drift else {
            throw CLIError("\(modelPath): holds no training fingerprint (trained before vision recorded one); train it again to monitor drift")
        }
        let predictor = try Predictor(loaded, limits: decodeLimits.limits)
        let files = try InferCommand.imageFiles(paths)
        guard !files.isEmpty else { throw CLIError("no image files found in \(paths.joined(separator: ", "))") }
        let sample = DriftSample(files, options: predictor.decodeOptions, limit: .max)
        let predicted = try predictor.predict(sample.paths).compactMap { $0.ranking.first }
        let report = DriftReport(
            fingerprint: fingerprint, rows: sample.rows, formats: sample.formats, predicted: predicted, classes: loaded.metadata.classes)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("\(report.images) images (\(sample.unreadable) unreadable) against \(fingerprint.images) training images: \(report.verdict.rawValue)")
            print("feature            PSI      KS   (critical)  training mean  current mean  verdict")
            for feature in report.features {
                print(feature.name.padding(toLength: 16, withPad: " ", startingAt: 0) + String(format: " %6.3f  %6.3f  (%6.3f)  %12.4f  %12.4f  ", feature.psi, feature.ks, feature.ksCritical,
                             feature.trainingMean, feature.currentMean) + feature.verdict.rawValue)
            }
            if let psi = report.predictedClassesPSI { print(String(format: "predicted classes PSI %.3f", psi)) }
        }
        if report.verdict == .drift { throw ExitCode(3) }
    }
}
