import ArgumentParser
import Foundation
import VisionData
import VisionWorkflow

/// `vision data`: look at a dataset before training on it.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Inspect datasets and make splits.",
        subcommands: [DataInspectCommand.self, DataSplitCommand.self, DataIssuesCommand.self]
    )
}

extension BadImagePolicy: ExpressibleByArgument {}

/// Options shared by the data commands.
struct DatasetOptions: ParsableArguments {
    @Argument(help: "An ImageFolder tree (ROOT/CLASS/…), a pre-split tree (ROOT/train|val|test/CLASS/…) or a CSV manifest (path,label[,split]).")
    var root: String

    @Option(help: "File extensions that count, comma-separated (any case).")
    var extensions = DiscoveryOptions.defaultExtensions.joined(separator: ",")

    @Flag(name: .customLong("allow-empty"), help: "Keep classes that have no valid file.")
    var allowEmpty = false

    @Option(help: "Seed of the split.")
    var seed: UInt64 = 0

    @Option(help: "Fraction of each class for validation.")
    var val = 0.1

    @Option(help: "Fraction of each class for test.")
    var test = 0.1

    func validate() throws {
        if !(0..<1).contains(val) || !(0..<1).contains(test) || val + test >= 1 {
            throw ValidationError("expected --val and --test in [0, 1) with val + test < 1, got \(val) and \(test)")
        }
    }

    func load() throws -> Dataset {
        let list = extensions.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return try Dataset.load(root, options: DiscoveryOptions(extensions: list, allowEmpty: allowEmpty))
    }

    func fractions() throws -> SplitFractions { try SplitFractions(val: val, test: test) }
}

struct DataInspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Audit a dataset: class counts, corrupt files, sizes, train statistics, duplicates and leakage.",
        discussion: """
            Every file is read and decoded once. Duplicates are identical bytes (SHA-256). Near \
            duplicates are found in two stages: candidates whose perceptual hashes (pHash or dHash) \
            are within --near-threshold bits of 64, then verification on 32×32 thumbnails (best \
            correlation over shifts of 2 pixels at least --near-similarity, and for colour images \
            overlapping colours); groups form by complete linkage (an image joins a group only when \
            it matches every member, so chains never merge). Images too uniform to compare are \
            listed apart. Leakage is the same image under two classes, or in two splits (the \
            dataset's own split, the keyed-hash split of --seed, --val and --test, or --split FILE). \
            --json keys are snake_case.
            """
    )

    @OptionGroup var dataset: DatasetOptions

    @Option(help: "Audit this saved split (JSON from `vision data split`) instead of a fresh one.")
    var split: String?

    @OptionGroup(title: "Image limits (an image over them is reported as unreadable)") var decodeLimits: DecodeLimitOptions

    @Option(name: .customLong("near-threshold"), help: "Candidates: largest pHash or dHash distance (bits of 64).")
    var nearThreshold = 10

    @Option(name: .customLong("near-similarity"), help: "Verification: least thumbnail correlation (0–1) for a near duplicate.")
    var nearSimilarity = 0.90

    @Option(help: "Decoding threads.")
    var threads = 2

    @Option(help: "Also propose near-duplicate candidates from this trained model's features (each image's 5 nearest by cosine), verified like the rest.")
    var using: String?

    @Flag(help: "Print one JSON document.")
    var json = false

    func validate() throws {
        if !(0...32).contains(nearThreshold) { throw ValidationError("--near-threshold must be in 0...32 (bits of 64), got \(nearThreshold)") }
        if !(0...1).contains(nearSimilarity) { throw ValidationError("--near-similarity must be in 0...1, got \(nearSimilarity)") }
        if threads <= 0 { throw ValidationError("--threads must be positive, got \(threads)") }
    }

    func run() throws {
        let data = try dataset.load()
        let saved = try split.map { try SplitDefinition.read(contentsOf: $0) }
        let options = DataAudit.Options(
            seed: dataset.seed, fractions: try dataset.fractions(), split: saved,
            nearDuplicates: NearDuplicateSearch.Options(radius: nearThreshold, similarity: nearSimilarity), threads: threads,
            limits: decodeLimits.limits)
        var audit = options
        // On a terminal, a progress line on standard error (a million files take a while).
        if isatty(STDERR_FILENO) != 0 {
            audit.progress = { phase, done, total in
                FileHandle.standardError.write(Data("\r\u{1B}[K\(phase.rawValue): \(done) of \(total)\(done == total ? "\n" : "")".utf8))
            }
        }
        var embedding: EmbeddingNeighbours.Embedding?
        if let using {
            let loaded = try LoadedModel(path: using, registry: Registries.models(pluginDirectories: []))
            let embedded = try EmbeddingNeighbours.embed(loaded, items: data.items, workers: threads, limits: decodeLimits.limits)
            audit.extraCandidates = try EmbeddingNeighbours.candidates(embedded)
            embedding = embedded
            FileHandle.standardError.write(Data("\(using): \(audit.extraCandidates.count) candidate pairs from the features of \(embedded.count) images (verified with the hash candidates)\n".utf8))
        }
        var report = try DataAudit.run(data, options: audit)
        if let embedding { report.featureOutliers = EmbeddingNeighbours.outliers(embedding, items: data.items, classes: data.classes) }
        if json {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(TerminalText.lines(AuditText.render(report)))
        }
    }
}

/// The readable form of an audit.
enum AuditText {
    static func render(_ r: AuditReport) -> String {
        var out: [String] = []
        out.append("\(r.root) (\(r.source)): \(r.files) files, \(r.classOrder.count) classes, \(r.readable) readable")
        let rows = r.classOrder.map { name -> [String] in
            let count = r.classes[name] ?? 0
            let share = r.files > 0 ? String(format: "%.1f%%", 100 * Double(count) / Double(r.files)) : "-"
            return [name, String(count), share]
        }
        out.append(TextTable.render(header: ["class", "files", "share"], rows: rows))
        out.append("imbalance ratio (largest / smallest class): " + (r.imbalanceRatio.map { String(format: "%.2f", $0) } ?? "n/a (an empty class)"))
        out.append("splits (\(r.splitMethod)): " + ["train", "val", "test"].map { "\($0) \(r.splits[$0] ?? 0)" }.joined(separator: ", "))
        out.append("formats: " + r.formats.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        out.append("stored channels: " + r.channels.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "))
        if r.grayStoredAsRGB > 0 {
            out.append("gray stored as RGB: \(r.grayStoredAsRGB) of \(r.readable) images have R = G = B (vision trains them on one channel unless --channels 3)")
        }
        if let s = r.sizes {
            out.append("sizes: width \(s.minWidth)–\(s.maxWidth), height \(s.minHeight)–\(s.maxHeight); most common " + s.common.map { "\($0.size) (\($0.count))" }.joined(separator: ", "))
        }
        if let t = r.trainStatistics {
            func list(_ v: [Double]) -> String { "(" + v.map { String(format: "%.4f", $0) }.joined(separator: ", ") + ")" }
            out.append("train statistics (\(t.images) images): mean \(list(t.mean)), std \(list(t.std))")
        }
        out.append("corrupt or unreadable: \(r.corrupt.count)")
        for c in r.corrupt { out.append("  \(c.path): \(c.reason)") }
        out.append("exact duplicate groups: \(r.duplicates.count)")
        for g in r.duplicates { out.append("  " + shortList(g, separator: "  =  ")) }
        let settings = r.nearDuplicateSettings
        out.append(String(
            format: "near-duplicate groups: %d (%d candidate pairs within %d hash bits, %d verified: thumbnail correlation ≥ %.2f)",
            r.nearDuplicateGroups.count, r.nearDuplicateCandidates, settings.hashRadius, r.nearDuplicatePairsVerified, settings.similarity))
        for g in r.nearDuplicateGroups.prefix(50) {
            let lowest = g.scores.dropFirst().min() ?? 1
            out.append(String(format: "  (%.3f) ", lowest) + shortList(g.paths, separator: "  ≈  "))
        }
        if r.nearDuplicateGroups.count > 50 { out.append("  … \(r.nearDuplicateGroups.count - 50) more groups (--json lists them all)") }
        if !r.smallImages.isEmpty {
            out.append("under \(settings.minimumSide) px a side (left out of the near-duplicate search): \(r.smallImages.count)")
        }
        if !r.uniformImages.isEmpty {
            out.append("too uniform to compare (left out of the near-duplicate search): \(r.uniformImages.count): " + shortList(r.uniformImages, separator: ", "))
        }
        if r.mixedChannels {
            out.append("mixed channel counts: " + r.channels.sorted { $0.key < $1.key }.map { "\($0.value) with \($0.key)" }.joined(separator: ", ") + " (vision converts all to the model's channels)")
        }
        for (title, list, format) in [
            ("exposure outliers (mean brightness over 3 standard deviations from the class's)", r.exposureOutliers, "%.3f vs %.3f, %+.1fσ"),
            ("size outliers (longer side over twice or under half the class's median)", r.sizeOutliers, "%.0f px vs %.0f, ×%.2f"),
            ("feature outliers (far from their class in the model's features)", r.featureOutliers, "distance %.3f vs %.3f, %+.1fσ"),
        ] where !list.isEmpty {
            out.append("\(title): \(list.count)")
            for o in list.prefix(5) { out.append("  \(o.path) [\(o.class)]: " + String(format: format, o.value, o.typical, o.deviation)) }
        }
        out.append("LEAKAGE: \(r.leakage.count)" + (r.leakage.isEmpty ? " (none found)" : ""))
        for leak in r.leakage.prefix(50) {
            let what = leak.kind == "class" ? "same image in classes \(Array(Set(leak.classes)).sorted().joined(separator: ", "))"
                : "same image in splits \(Array(Set(leak.splits)).sorted().joined(separator: ", "))"
            out.append("  \(leak.match)\(leak.match == "near" ? String(format: " (%.3f)", leak.score) : "") \(what): " + zip(leak.paths, leak.splits).prefix(8).map { "\($0) [\($1)]" }.joined(separator: ", "))
        }
        if r.leakage.count > 50 { out.append("  … \(r.leakage.count - 50) more (--json lists them all)") }
        return out.joined(separator: "\n")
    }

    /// At most eight paths, then how many more (the JSON has them all).
    static func shortList(_ paths: [String], separator: String) -> String {
        let shown = paths.prefix(8).joined(separator: separator)
        return paths.count > 8 ? shown + "\(separator)… (\(paths.count - 8) more)" : shown
    }
}

struct DataSplitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "Make a stratified, seeded, stable train/val/test split and save it as JSON.",
        discussion: """
            A file's split depends only on the seed, its class and its relative path, so adding \
            images never moves existing ones. With --check, verify that a saved split matches the dataset.
            """
    )

    @OptionGroup var dataset: DatasetOptions

    @Option(help: "Write the split here (JSON).")
    var output: String?

    @Option(help: "Check this saved split against the dataset instead of making one.")
    var check: String?

    func run() throws {
        let data = try dataset.load()
        if let check {
            let saved = try SplitDefinition.read(contentsOf: check)
            try saved.check(against: data)
            print("\(check): matches \(data.root) (\(data.items.count) files)")
            print(TerminalText.lines(SplitText.render(saved)))
            return
        }
        let split = Splitter.makeSplit(for: data, fractions: try dataset.fractions(), seed: dataset.seed)
        if let output {
            try split.write(to: output)
            print("wrote \(output)")
        }
        print(TerminalText.lines(SplitText.render(split)))
    }
}

/// Files per class and split, as a table.
enum SplitText {
    static func render(_ split: SplitDefinition) -> String {
        let rows = zip(split.classes, split.counts).map { name, counts in
            [name] + DataSplit.allCases.map { String(counts[$0] ?? 0) }
        }
        let totals = ["total"] + DataSplit.allCases.map { s in String(split.entries.filter { $0.split == s }.count) }
        let method = split.preset ? "the dataset's own (a val it lacks is carved from train: \(split.method), seed \(split.seed))" : "\(split.method), seed \(split.seed)"
        return "split: \(method)\n" + TextTable.render(header: ["class", "train", "val", "test"], rows: rows + [totals])
    }
}
