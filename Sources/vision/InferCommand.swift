import ArgumentParser
import Foundation
import VisionData
import VisionMetricAPI
import VisionModelAPI
import VisionTensor
import VisionWorkflow
import VisionYAMLModels

/// `vision infer`: predictions for image files with a saved model.
struct InferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Classify image files with a saved model.",
        discussion: """
            PATH may be a file, a folder (searched recursively for .png/.jpg/.jpeg), '-' to read \
            paths from standard input, or @LIST to read them from a file (one per line). An \
            unreadable file is reported on its own line and the run goes on; the exit status is \
            1 when any file failed.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, csv, json, jsonl }

    @Argument(help: "A .vision model file.")
    var modelPath: String

    @Argument(help: "Images, folders, '-' or @LIST.")
    var paths: [String]

    @Option(name: .customLong("top-k"), help: "How many classes to list per image.")
    var topK = 1

    @Option(help: "Output format.")
    var format: Format = .table

    @Option(help: "Below this probability the label is 'uncertain'.")
    var threshold: Double?

    @Flag(help: "Label by the most probable class, ignoring the model's stored operating point.")
    var argmax = false

    @Option(name: .customLong("batch-size"), help: "Images per forward pass.")
    var batchSize = 64

    @Flag(help: "Test-time augmentation: average the softmax over the flips (and quarter turns) the model was trained with.")
    var tta = false

    @Option(name: .customLong("plugin-dir"), help: "Also load YAML models from this folder (repeatable).")
    var pluginDirectories: [String] = []

    @OptionGroup(title: "Image limits (an image over them is that file's error)") var decodeLimits: DecodeLimitOptions

    @OptionGroup var activationBudget: ActivationBudgetOption

    @Option(help: "Compute threads (default: all cores).")
    var threads: Int?

    func validate() throws {
        if topK < 1 { throw ValidationError("--top-k must be at least 1, got \(topK)") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        if let threshold, !(0...1).contains(threshold) { throw ValidationError("--threshold must be in [0, 1], got \(threshold)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() throws {
        ComputeThreads.configure(threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        let predictor = try Predictor(
            LoadedModel(path: modelPath, registry: Registries.models(pluginDirectories: pluginDirectories)), limits: decodeLimits.limits,
            memoryBudget: activationBudget.bytes, testTimeAugmentation: tta)
        if tta { TestTimeAugmentation.note(predictor.tta) }
        let files = try Self.imageFiles(paths)
        guard !files.isEmpty else { throw CLIError("no image files found in \(paths.joined(separator: ", "))") }
        let predictions = try predictor.predict(files, batchSize: batchSize)
        var failures = 0
        var rows: [[String]] = []
        var documents: [[String: Any]] = []
        for prediction in predictions {
            guard let probabilities = prediction.probabilities else {
                failures += 1
                documents.append(["path": prediction.path, "error": prediction.error ?? "failed"])
                rows.append([prediction.path, "error", "", prediction.error ?? "failed"])
                continue
            }
            let ranked = prediction.ranking.prefix(topK)
            // The model's operating point decides the label when it has one (defect questions).
            let decision = argmax ? nil : predictor.operatingPoint.map { $0.decide(probabilities, classes: predictor.classes) }
            let best = decision?.label ?? ranked.first ?? 0
            let confident = threshold.map { Double(probabilities[best]) >= $0 } ?? true
            let label = confident ? predictor.classes[best] : "uncertain"
            let top = ranked.map { ["label": predictor.classes[$0], "probability": Double(probabilities[$0])] as [String: Any] }
            var document: [String: Any] = ["path": prediction.path, "label": label, "probability": Double(probabilities[best]), "top": top]
            if let decision, let point = predictor.operatingPoint {
                document["operating_point"] = ["defect": decision.defect, "score": decision.score, "threshold": point.threshold]
            }
            documents.append(document)
            rows.append([prediction.path, label, String(format: "%.4f", probabilities[best]),
                         ranked.dropFirst().map { "\(predictor.classes[$0]) \(String(format: "%.3f", probabilities[$0]))" }.joined(separator: ", ")])
        }
        switch format {
        case .jsonl:
            for document in documents { print(try json(document)) }
        case .json:
            print(try json(documents))
        case .csv:
            print("path,label,probability,error")
            for document in documents {
                let path = csvField(document["path"] as? String ?? "")
                if let error = document["error"] as? String {
                    print("\(path),,,\(csvField(error))")
                } else {
                    print("\(path),\(csvField(document["label"] as? String ?? "")),\(String(format: "%.6f", document["probability"] as? Double ?? 0)),")
                }
            }
        case .table:
            rows = rows.map { $0.map(TerminalText.escaped) }
            print(TextTable.render(header: ["file", "label", "probability", topK > 1 ? "next" : ""], rows: rows))
            print("\(predictions.count - failures) classified, \(failures) failed")
        }
        if failures > 0 { throw ExitCode(1) }
    }

    private func json(_ value: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }

    private func csvField(_ raw: String) -> String {
        let text = TerminalText.escaped(raw)
        return text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    /// Files from arguments: files as given, folders searched recursively, '-' and @LIST read.
    /// Image paths from files, folders (recursive), "-" (standard input) and @LIST arguments.
    static func imageFiles(_ arguments: [String]) throws -> [String] {
        var out: [String] = []
        for argument in arguments {
            if argument == "-" {
                while let line = readLine() {
                    let path = line.hasSuffix("\r") ? String(line.dropLast()) : line  // CRLF lists
                    if !path.trimmingCharacters(in: .whitespaces).isEmpty { out.append(path) }
                }
            } else if argument.hasPrefix("@") {
                let list = String(argument.dropFirst())
                guard let text = try? String(contentsOfFile: list, encoding: .utf8) else { throw CLIError("\(list): cannot read the list of paths") }
                out += text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
                    .map { String($0) }.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            } else {
                var isFolder: ObjCBool = false
                if FileManager.default.fileExists(atPath: argument, isDirectory: &isFolder), isFolder.boolValue {
                    let walker = FileManager.default.enumerator(atPath: argument)
                    var found: [String] = []
                    while let name = walker?.nextObject() as? String {
                        let lower = name.lowercased()
                        if !name.split(separator: "/").contains(where: { $0.hasPrefix(".") }),
                            lower.hasSuffix(".png") || lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg")
                        {
                            found.append((argument as NSString).appendingPathComponent(name))
                        }
                    }
                    out += found.sorted()
                } else {
                    out.append(argument)  // a missing file is reported on its own line
                }
            }
        }
        return out
    }
}
