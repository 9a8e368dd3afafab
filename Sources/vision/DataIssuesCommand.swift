import ArgumentParser
import Foundation
import VisionImage
import VisionWorkflow

/// `vision data issues`: images whose label the data itself doubts (confident learning on
/// out-of-fold predictions, or a saved model's on images it never trained on).
struct DataIssuesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issues",
        abstract: "Rank the images whose given label is least likely: likely label errors, most suspicious first.",
        discussion: """
            Every image is scored by a model that never trained on it: with --folds K (default 4), \
            K models of --model (as in vision train) train --epochs epochs on the other folds of the \
            whole folder; with --using MODEL.vision, a saved model scores the images outside its \
            training split. Confident learning (as cleanlab) then flags images that are confidently \
            of another class than their label: per-class thresholds at the mean self-confidence. \
            Writes OUTPUT/issues.json and OUTPUT/issues.html (thumbnails); --json prints \
            {"issues": [{"path", "given", "suggested", "score"}], …}, most suspicious first.
            """
    )

    @Argument(help: "The dataset root or CSV manifest.")
    var data: String

    @Option(help: "Folds of the whole folder, each scored by a model trained on the others.")
    var folds = 4

    @Option(help: "Score with this saved model instead (only the images outside its training split).")
    var using: String?

    @OptionGroup(title: "Training of the fold models (as vision train; defaults: lenet, 5 epochs)") var options: TrainingOptions

    @Option(help: "Where the fold runs, issues.json and issues.html go (default: runs/issues-DATA).")
    var output: String?

    @Option(help: "Issues printed in the terminal.")
    var top = 20

    @Flag(help: "Print one JSON document (snake_case keys).")
    var json = false

    @OptionGroup(title: "Image limits (an image over them is left unscored)") var decodeLimits: DecodeLimitOptions

    func validate() throws {
        if !(2...50).contains(folds) { throw ValidationError("--folds must be between 2 and 50, got \(folds)") }
        if top < 0 { throw ValidationError("--top must be at least 0, got \(top)") }
    }

    func run() throws {
        var (c, _) = try options.resolvedConfiguration()
        // A few epochs are enough to rank labels; the user's count where given.
        if !(try options.chosenKeys()).contains("epochs") { c.epochs = 5 }
        let folder = output ?? "runs/issues-\(((data as NSString).standardizingPath as NSString).lastPathComponent)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var request = LabelIssueSearch.Request(root: data, configuration: c, folds: folds, using: using, output: folder)
        request.limits = decodeLimits.limits
        let log = { (line: String) in
            guard !json else { return }
            print(TerminalText.lines(line))
            fflush(nil)
        }
        let result = try LabelIssueSearch.run(request, models: try Registries.models(pluginDirectories: options.pluginDirectories), metrics: try Registries.metrics(), log: log)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var saved = result
        saved.ranking = []  // the file keeps the flagged ones; the ranking of all is for --json readers
        try AtomicFile.write(Array(try encoder.encode(saved)), to: (folder as NSString).appendingPathComponent("issues.json"))
        try LabelIssuesPage.write(result, root: data, to: (folder as NSString).appendingPathComponent("issues.html"))
        if json {
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
            return
        }
        print("\(result.flagged) of \(result.images) images flagged as likely label errors (scored by \(result.scoredBy))")
        let rows = result.issues.prefix(top).enumerated().map { rank, issue in
            ["\(rank + 1)", TerminalText.escaped(issue.path), TerminalText.escaped(issue.given), TerminalText.escaped(issue.suggested), String(format: "%.3f", issue.score)]
        }
        if !rows.isEmpty { print(TextTable.render(header: ["#", "path", "given", "suggested", "score"], rows: rows)) }
        if result.issues.count > top { print("… \(result.issues.count - top) more in \((folder as NSString).appendingPathComponent("issues.json"))") }
        print("page with thumbnails: \((folder as NSString).appendingPathComponent("issues.html"))")
    }
}
