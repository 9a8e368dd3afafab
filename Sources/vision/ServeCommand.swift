import ArgumentParser
import Dispatch
import Foundation
import Logging
import VisionServe
import VisionTensor
import VisionWorkflow

/// `vision serve`: parses flags, loads the models and hands them to VisionServe.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve models over HTTP: predictions with micro-batching, model listings, health and Prometheus metrics.",
        discussion: """
            Each MODEL.vision is served under its file's stem, or under NAME with MODEL.vision=NAME. \
            Routes: POST /v1/models/{name}/predict (an image as the body), GET /v1/models, \
            GET /v1/models/{name}, GET /v1/models/{name}/drift, POST /v1/models/{name}/reload, GET /healthz, GET /readyz, GET \
            /metrics, GET /openapi.json. SIGHUP reloads every model from its file; SIGTERM or \
            Ctrl-C stops accepting, finishes the requests in flight and exits 0.
            """
    )

    @Argument(help: "Model files, each MODEL.vision or MODEL.vision=NAME.")
    var models: [String]

    @Option(help: "Address to listen on; anything but loopback without --token-file prints a warning.")
    var host = "127.0.0.1"

    @Option(help: "Port (0 picks a free one and prints it).")
    var port = 8080

    @Option(name: .customLong("max-batch"), help: "Images per network run at most.")
    var maxBatch = 32

    @Option(name: .customLong("max-delay-ms"), help: "How long the first image of a batch waits for others (milliseconds).")
    var maxDelayMilliseconds = 5.0

    @Option(name: .customLong("max-body"), help: "Largest request body (bytes, or with a unit: 20MB, 512KiB).")
    var maxBody = ByteCount(bytes: 20 << 20)

    @Option(help: "Answer 504 when a prediction takes longer than this (10s, 500ms, or seconds).")
    var timeout = "10s"

    @Option(name: .customLong("max-inflight"), help: "Requests handled at once; more are answered 503 with Retry-After.")
    var maxInflight = 256

    @Option(name: .customLong("token-file"), help: "A file holding the bearer token every route but /healthz and /readyz requires.")
    var tokenFile: String?

    @OptionGroup(title: "Image limits (every request's image is held to them)") var decodeLimits: DecodeLimitOptions

    @OptionGroup var activationBudget: ActivationBudgetOption

    @Option(help: "Save a sampled share of the answered images here (DIR/PREDICTED_CLASS/…, plus captured.csv) for labelling and retraining.")
    var capture: String?

    @Option(name: .customLong("capture-rate"), help: "With --capture: the share of answered images saved (0...1).")
    var captureRate = 0.05

    @Option(name: .customLong("capture-max"), help: "With --capture: stop saving after this many files in the folder.")
    var captureMax = 10_000

    @Option(name: .customLong("drift-window"), help: "The drift report compares the last this many images with the model's training fingerprint.")
    var driftWindow = 1000

    @Option(name: .customLong("plugin-dir"), help: "Also load YAML models from this folder (repeatable).")
    var pluginDirectories: [String] = []

    @Option(help: "Compute threads (default: all cores).")
    var threads: Int?

    func validate() throws {
        if maxBatch < 1 { throw ValidationError("--max-batch must be at least 1, got \(maxBatch)") }
        if !(maxDelayMilliseconds >= 0 && maxDelayMilliseconds <= 10_000) {
            throw ValidationError("--max-delay-ms must be in 0...10000, got \(maxDelayMilliseconds)")
        }
        if !(0...65535).contains(port) { throw ValidationError("--port must be in 0...65535, got \(port)") }
        if maxInflight < 1 { throw ValidationError("--max-inflight must be at least 1, got \(maxInflight)") }
        if maxBody.bytes < 1 { throw ValidationError("--max-body must be positive") }
        if try Self.seconds(timeout) <= 0 { throw ValidationError("--timeout must be positive, got \(timeout)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if !(0...1).contains(captureRate) { throw ValidationError("--capture-rate must be in 0...1, got \(captureRate)") }
        if captureMax < 0 { throw ValidationError("--capture-max must be at least 0, got \(captureMax)") }
        if !(1...1_000_000).contains(driftWindow) { throw ValidationError("--drift-window must be in 1...1000000, got \(driftWindow)") }
    }

    /// "10s", "500ms", "2m" or plain seconds.
    static func seconds(_ text: String) throws -> Double {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            if let value = Double(text.dropLast(suffix.count)), value.isFinite { return value * scale }
        }
        guard let value = Double(text), value.isFinite else {
            throw ValidationError("--timeout: expected a duration such as 10s or 500ms, got '\(text)'")
        }
        return value
    }

    func run() throws {
        ComputeThreads.configure(threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        var configuration = ServeConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.maxBatch = maxBatch
        configuration.maxDelay = .microseconds(Int64(maxDelayMilliseconds * 1000))
        configuration.maxBody = maxBody.bytes
        configuration.timeout = try Self.seconds(timeout)
        configuration.maxInflight = maxInflight
        configuration.limits = decodeLimits.limits
        configuration.memoryBudget = activationBudget.bytes
        configuration.driftWindow = driftWindow
        if let capture {
            do {
                configuration.capture = try CaptureSink(folder: capture, rate: captureRate, limit: captureMax)
            } catch {
                throw CLIError("\(capture): cannot capture images there (\(error.localizedDescription))")
            }
        }
        if let tokenFile {
            guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else { throw CLIError("\(tokenFile): cannot read the token file") }
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard token.count >= 16, !token.contains(where: { $0.isWhitespace }) else {
                throw CLIError("\(tokenFile): expected one token of at least 16 characters without spaces")
            }
            configuration.token = token
        }
        let registry = try Registries.models(pluginDirectories: pluginDirectories)
        let (limits, budget) = (configuration.limits, configuration.memoryBudget)
        let loader: VisionServer.Loader = { path, name in
            try ServedModel(path: path, name: name, registry: registry, limits: limits, memoryBudget: budget)
        }
        let served = try models.map { argument in
            let (name, path) = ServedModel.nameAndPath(argument)
            return try loader(path, name)
        }
        let server = try VisionServer(models: served, configuration: configuration, loader: loader)
        let logger = {
            var logger = Logger(label: "vision.serve")
            logger.logLevel = .info
            return logger
        }()
        if !configuration.isLoopback && configuration.token == nil {
            print("warning: listening on \(host) without --token-file: anyone who can reach this address can use the models")
        }
        // SIGHUP reloads every model from its file (a failure leaves that model serving).
        signal(SIGHUP, SIG_IGN)
        let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        hangup.setEventHandler { Task { await server.reloadAll(logger: logger) } }
        hangup.resume()
        defer { hangup.cancel() }
        let failure = FailureBox()
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                try await server.warmUp()
                try await server.run(logger: logger) { port in
                    print("serving \(served.map { "\($0.name) (\($0.version))" }.joined(separator: ", ")) on http://\(host):\(port)")
                    fflush(nil)
                }
            } catch {
                failure.error = error
            }
            done.signal()
        }
        done.wait()
        if let error = failure.error { throw CLIError("\(error)") }
    }
}

/// The server task's error, handed back to the main thread.
private final class FailureBox: @unchecked Sendable {
    var error: (any Error)?
}
