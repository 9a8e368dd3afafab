import ArgumentParser
import Foundation
import VisionImage
import VisionModelAPI
import VisionNN
import VisionTensor
import VisionWorkflow

/// `vision bench`: throughput benchmarks, run on release builds.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure throughput (build with -c release for meaningful figures).",
        subcommands: [BenchDecodeCommand.self, BenchDataCommand.self, BenchTrainCommand.self, BenchInferCommand.self, BenchAllreduceCommand.self, BenchPeakCommand.self]
    )
}

struct BenchDecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode every PNG and JPEG in a folder on one thread and print images per second.",
        discussion: """
            Files are read into memory first, so the figure is decoding alone. Three passes: \
            full decode of the JPEGs, full decode of the PNGs, and JPEG decode with DCT scaling \
            to at least --size × --size. Make test files with benchmarks/make-images.py.
            """
    )

    @Argument(help: "A folder of images.")
    var directory: String

    @Option(help: "The target side for the reduced-size JPEG decode.")
    var size = 64

    @Option(help: "Seconds to spend on each measurement.")
    var seconds = 2.0

    @Flag(help: "Print one JSON document.")
    var json = false

    func validate() throws {
        if size <= 0 { throw ValidationError("--size must be positive, got \(size)") }
        if seconds <= 0 { throw ValidationError("--seconds must be positive, got \(seconds)") }
    }

    func run() throws {
        let files = try ImageFiles.list(in: directory)
        var jpegs: [[UInt8]] = []
        var pngs: [[UInt8]] = []
        for file in files {
            let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: file)))
            switch ImageFormat.detect(bytes) {
            case .jpeg: jpegs.append(bytes)
            case .png: pngs.append(bytes)
            case nil: continue
            }
        }
        guard !jpegs.isEmpty || !pngs.isEmpty else {
            throw CLIError("\(directory): no PNG or JPEG files found")
        }
        let rgb = DecodeOptions(layout: .rgb)
        let scaled = DecodeOptions(layout: .rgb, sizeHint: (size, size))
        var results: [(String, Double, Int)] = []
        if !jpegs.isEmpty {
            results.append(("jpeg_full", try measure(jpegs, rgb), jpegs.count))
            results.append(("jpeg_scaled_\(size)", try measure(jpegs, scaled), jpegs.count))
        }
        if !pngs.isEmpty {
            results.append(("png_full", try measure(pngs, rgb), pngs.count))
        }
        if json {
            var document: [String: Double] = [:]
            for (name, rate, _) in results { document[name + "_images_per_second"] = rate.rounded() }
            if let full = document["jpeg_full_images_per_second"] {
                document["images_per_second"] = full
            }
            print(JSONLine.encode(document))
        } else {
            for (name, rate, count) in results {
                print("\(name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(Int(rate.rounded())) images/s  (\(count) files, one thread)")
            }
        }
    }

    /// Images per second over repeated passes through `files` for about `seconds`.
    private func measure(_ files: [[UInt8]], _ options: DecodeOptions) throws -> Double {
        for bytes in files.prefix(8) { _ = try ImageDecoder.decode(bytes, options: options) }  // warm-up
        var decoded = 0
        let clock = ContinuousClock()
        let start = clock.now
        var elapsed = 0.0
        repeat {
            for bytes in files { _ = try ImageDecoder.decode(bytes, options: options) }
            decoded += files.count
            let duration = clock.now - start
            elapsed = Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
        } while elapsed < seconds
        return Double(decoded) / elapsed
    }
}

/// Regular files in a folder, sorted, hidden ones skipped (the dataset module does the full walk).
enum ImageFiles {
    static func list(in directory: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw CLIError("\(directory): no such folder")
        }
        guard isDirectory.boolValue else { throw CLIError("\(directory): not a folder") }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        return names.filter { !$0.hasPrefix(".") }.sorted().map { (directory as NSString).appendingPathComponent($0) }
    }
}

/// Options shared by the model benchmarks.
struct ModelBenchmarkOptions: ParsableArguments {
    @Option(help: "A registered model (see `vision models`) or a model YAML file.")
    var model: String

    @Option(name: .customLong("model-config"), help: "A model configuration key, e.g. width=32 (repeatable).")
    var modelConfig: [ConfigurationAssignment] = []

    @Option(name: .customLong("plugin-dir"), help: "Also load YAML models from this folder (repeatable).")
    var pluginDirectories: [String] = []

    @Option(name: [.customLong("batch-size"), .customLong("batch")], help: "Images per batch.")
    var batchSize = 64

    @Option(help: "Input shape as C,H,W (default: the model's channels and input size).")
    var input: String?

    @Option(help: "Number of classes.")
    var classes = 10

    @Option(help: "Steps per timed block (the median of 5 blocks is reported).")
    var steps = 10

    @Option(help: "Compute threads (default: all cores).")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Print one JSON document.")
    var json = false

    func validate() throws {
        if input != nil && parsedInput == nil { throw ValidationError("--input must be C,H,W with positive integers, got '\(input ?? "")'") }
        if batchSize <= 0 || classes <= 1 || steps <= 0 || threads <= 0 {
            throw ValidationError("--batch-size, --steps and --threads must be positive and --classes at least 2")
        }
    }

    var parsedInput: [Int]? {
        guard let input else { return nil }
        let parts = input.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        return parts.count == 3 && parts.allSatisfy { $0 > 0 && $0 <= 16_384 } ? parts : nil
    }

    /// The model, built through the registry like every command builds it, and its input shape.
    func build() throws -> (ClassifierModel, [Int]) {
        let registry = try Registries.models(pluginDirectories: pluginDirectories)
        let plugin = try registry.resolve(nameOrPath: model)
        let p = plugin.defaultPreprocessing
        let shape = parsedInput ?? [p.channels, p.inputSize.height, p.inputSize.width]
        let built = try registry.make(
            plugin, classes: classes, inputChannels: shape[0], inputSize: InputSize(height: shape[1], width: shape[2]),
            configuration: ConfigurationAssignment.object(modelConfig), seed: 1)
        return (built, shape)
    }

    func report(_ result: ModelBenchmark.Result, kind: String) {
        if json {
            print(JSONLine.encode(result))
        } else {
            let rate = result.gigaflopsPerSecond.map { ", \(String(format: "%.1f", $0)) GFLOP/s" } ?? ""
            print("\(kind) \(result.model) batch \(result.batch) input \(result.input.map(String.init).joined(separator: "×")), \(result.threads) threads (\(result.isa)): \(Int(result.imagesPerSecond.rounded())) images/s, \(String(format: "%.2f", result.medianStepMilliseconds)) ms per batch\(rate), peak memory \(Int(result.peakMemoryMegabytes)) MB")
        }
    }
}

struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training throughput: forward + backward + SGD-momentum step on synthetic data.")

    @OptionGroup var options: ModelBenchmarkOptions

    func run() throws {
        ComputeThreads.configure(threads: options.threads)
        let (model, input) = try options.build()
        let result = try ModelBenchmark.training(
            model, name: options.model, batch: options.batchSize, input: input, classes: options.classes, steps: options.steps,
            threads: options.threads)
        options.report(result, kind: "train")
    }
}

struct BenchInferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Inference throughput and latency: eval-mode forward passes on synthetic data.")

    @OptionGroup var options: ModelBenchmarkOptions

    func run() throws {
        ComputeThreads.configure(threads: options.threads)
        let (model, input) = try options.build()
        let result = try ModelBenchmark.inference(
            model, name: options.model, batch: options.batchSize, input: input, steps: options.steps * 2, threads: options.threads)
        options.report(result, kind: "infer")
    }
}

/// `vision bench peak`: the machine's practical fp32 peak, against which the model figures'
/// GFLOP/s are read.
struct BenchPeakCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peak",
        abstract: "fp32 GFLOP/s of a large matrix product through oneDNN (the practical peak), and oneDNN's instruction set.")

    @Option(help: "The matrices' side.")
    var size = 2048

    @Option(help: "Compute threads (default: all cores).")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Print one JSON document.")
    var json = false

    func validate() throws {
        if size <= 0 || size > 16_384 { throw ValidationError("--size must be in 1...16384, got \(size)") }
        if threads <= 0 { throw ValidationError("--threads must be positive, got \(threads)") }
    }

    func run() throws {
        ComputeThreads.configure(threads: threads)
        let gigaflops = try CPUFeatures.matrixProductFlops(size: size) / 1e9
        let isa = CPUFeatures.effectiveISA
        if json {
            struct Peak: Encodable { let gflops: Double, isa: String, threads: Int, size: Int }
            print(JSONLine.encode(Peak(gflops: (gigaflops * 10).rounded() / 10, isa: isa, threads: threads, size: size)))
        } else {
            print("sgemm \(size)×\(size)×\(size), \(threads) threads (\(isa)): \(String(format: "%.1f", gigaflops)) GFLOP/s")
        }
    }
}
