import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization
import VisionImage
import VisionWorkflow

/// The HTTP service: routes, limits, authentication, metrics and one micro-batcher per model.
/// `run` serves until a signal (the command); `makeApplication` gives the Hummingbird application alone.
public final class VisionServer: Sendable {
    public let configuration: ServeConfiguration
    public let metrics = ServeMetrics()
    /// What a request needs of a model: the model and its batcher, swapped together on reload.
    struct Slot {
        let model: ServedModel
        let batcher: MicroBatcher
        /// The last images this model answered, for its drift report.
        let window: DriftWindow
    }
    private let slots: Mutex<[String: Slot]>
    let order: [String]
    /// Loads a model file again (for reload), with the registry and limits the server started with.
    public typealias Loader = @Sendable (_ path: String, _ name: String) throws -> ServedModel
    private let loader: Loader?
    private let inflight = Mutex(0)
    private let ready = Mutex(false)

    public init(models: [ServedModel], configuration: ServeConfiguration, loader: Loader? = nil) throws {
        var byName: [String: Slot] = [:]
        self.configuration = configuration
        self.loader = loader
        order = models.map(\.name)
        for model in models {
            if byName[model.name] != nil {
                throw ServeError.configuration("two models are named '\(model.name)': name one with MODEL.vision=NAME")
            }
            byName[model.name] = Self.slot(model, configuration: configuration, metrics: metrics)
        }
        slots = Mutex(byName)
    }

    static func slot(_ model: ServedModel, configuration: ServeConfiguration, metrics: ServeMetrics) -> Slot {
        let predictor = model.predictor
        let batcher = MicroBatcher(
            name: model.name, maxBatch: min(configuration.maxBatch, predictor.maximumBatch), maxDelay: configuration.maxDelay,
            run: { inputs in try predictor.probabilities(inputs) },
            onBatch: { metrics.batch(model: model.name, size: $0) },
            onDepth: { metrics.queueDepth(model: model.name, $0) })
        return Slot(model: model, batcher: batcher, window: DriftWindow(capacity: configuration.driftWindow))
    }

    /// The drift report of a model's window against its file's fingerprint (nil without one).
    func driftReport(_ slot: Slot) -> DriftReport? {
        slot.model.metadata.drift.map { slot.window.report($0, classes: slot.model.metadata.classes) }
    }

    /// The model serving `name` now.
    func slot(_ name: String) -> Slot? { slots.withLock { $0[name] } }

    /// Runs every model once on a blank image, so that the first request does not pay for
    /// oneDNN's kernel creation; /readyz answers 200 after.
    public func warmUp() async throws {
        for name in order {
            guard let slot = slot(name) else { continue }
            try await Self.warm(slot)
        }
        ready.withLock { $0 = true }
    }

    private static func warm(_ slot: Slot) async throws {
        let p = slot.model.metadata.preprocessing
        _ = try await slot.batcher.submit([Float](repeating: 0, count: p.channels * p.inputSize.height * p.inputSize.width))
    }

    /// Loads `name`'s file again and swaps it in once it is loaded and warm: requests already
    /// holding the old model finish on it, new ones get the new. A file that fails to load
    /// leaves the old model serving, and the error is thrown.
    @discardableResult
    public func reload(_ name: String) async throws -> ServedModel {
        guard let old = slot(name) else { throw ServeError.unknownModel(name) }
        guard let loader else { throw ServeError.failed("this server was started without a way to reload models") }
        let model: ServedModel
        do {
            model = try loader(old.model.path, name)
        } catch {
            throw ServeError.reloadFailed(name: name, path: old.model.path, detail: "\(error)")
        }
        let fresh = Self.slot(model, configuration: configuration, metrics: metrics)
        try await Self.warm(fresh)
        slots.withLock { $0[name] = fresh }
        return model
    }

    /// Reloads every model (SIGHUP); each failure is logged and leaves that model as it was.
    public func reloadAll(logger: Logger) async {
        for name in order {
            do {
                let model = try await reload(name)
                logger.info("reloaded \(name) from \(model.path): version \(model.version)")
            } catch {
                logger.error("reload of \(name) failed, the old model keeps serving: \(error)")
            }
        }
    }

    /// The application: bound to the configuration's host and port; `onListening` gets the port.
    public func makeApplication(logger: Logger, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: Observe(server: self))
        router.add(middleware: Authenticate(token: configuration.token))
        router.get("healthz") { _, _ in try Self.json(["status": "ok"]) }
        router.get("readyz") { _, _ in
            guard self.ready.withLock({ $0 }) else {
                return try Self.json(["status": "warming up"], status: .serviceUnavailable)
            }
            return try Self.json(["status": "ready", "models": self.order])
        }
        router.get("metrics") { _, _ in
            for name in self.order {
                if let slot = self.slot(name), let report = self.driftReport(slot) { self.metrics.drift(model: name, report) }
            }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: self.metrics.text())))
        }
        router.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.text)))
        }
        router.get("v1/models") { _, _ in try Self.json(["models": self.order.compactMap { self.slot($0)?.model.summary }]) }
        router.get("v1/models/:name") { _, context in try Self.json(try self.slot(context).model.details) }
        router.get("v1/models/:name/drift") { _, context in
            let slot = try self.slot(context)
            guard let report = self.driftReport(slot) else {
                throw ServeError.noFingerprint(slot.model.name).httpError
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(report))))
        }
        router.post("v1/models/:name/reload") { _, context in
            let name = context.parameters.get("name") ?? ""
            do {
                let model = try await self.reload(name)
                context.logger.info("reloaded \(name) from \(model.path): version \(model.version)")
                return try Self.json(["name": name, "version": model.version, "status": "reloaded"])
            } catch let error as ServeError {
                context.logger.error("reload of \(name) failed: \(error)")
                throw error.httpError
            }
        }
        router.post("v1/models/:name/predict") { request, context in try await self.predict(request, context: context) }
        return Application(
            router: router,
            // A connection that sends nothing for a minute is closed: idle clients cannot hold sockets forever.
            server: .http1(configuration: .init(idleTimeout: .seconds(60))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "vision"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// Serves until SIGTERM or SIGINT. Shutdown answers every request already accepted, at
    /// once: waiting batches start without waiting out `--max-delay-ms`, then the server stops
    /// taking connections and finishes what is in flight.
    public func run(logger: Logger, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let application = makeApplication(logger: logger, onListening: onListening)
        // A group shuts its services down in reverse order: the batches start before the server
        // waits for its requests.
        let group = ServiceGroup(
            configuration: .init(
                services: [application, FlushBatchesOnShutdown(server: self)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// Starts every waiting batch now and every later one as soon as it arrives; returns when
    /// the batches have finished.
    func flushBatches() async {
        // Every model's batcher at once: each waits only for its own batches.
        await withDiscardingTaskGroup { group in
            for slot in slots.withLock({ Array($0.values) }) { group.addTask { await slot.batcher.flush() } }
        }
    }

    private func slot(_ context: some RequestContext) throws -> Slot {
        let name = context.parameters.get("name") ?? ""
        guard let slot = slot(name) else { throw ServeError.unknownModel(name).httpError }
        return slot
    }

    private func predict(_ request: Request, context: some RequestContext) async throws -> Response {
        // The model at the request's start serves the whole request, whatever a reload does meanwhile.
        let slot = try self.slot(context)
        let (model, batcher) = (slot.model, slot.batcher)
        let admitted = inflight.withLock { count -> Bool in
            guard count < configuration.maxInflight else { return false }
            count += 1
            return true
        }
        guard admitted else { throw ServeError.overloaded(inflight: configuration.maxInflight).httpError }
        defer { inflight.withLock { $0 -= 1 } }
        do {
            var topK = 5
            // The model's stored operating point decides labels unless ?operating_point=false.
            let useOperatingPoint = request.uri.queryParameters.get("operating_point") != "false"
            if let text = request.uri.queryParameters.get("top_k") {
                guard let k = Int(text), k >= 1 else { throw ServeError.badRequest("top_k: expected a positive integer, got '\(text)'") }
                topK = k
            }
            if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > configuration.maxBody {
                throw ServeError.bodyTooLarge(limit: configuration.maxBody)
            }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: configuration.maxBody)
            } catch {
                throw ServeError.bodyTooLarge(limit: configuration.maxBody)
            }
            guard body.readableBytes > 0 else { throw ServeError.emptyBody }
            let contentType = request.headers[.contentType] ?? ""
            let multipart = contentType.lowercased().hasPrefix("multipart/")
            let images = multipart
                ? try MultipartImages.parse(body, contentType: contentType)
                : [MultipartImages.Part(name: "the request body", bytes: Array(buffer: body))]
            let outcomes = try await predict(images, model: model, batcher: batcher, window: slot.window)
            let predictions = outcomes.map { outcome -> [String: Any] in
                switch outcome {
                case .success(let probabilities):
                    return Self.prediction(
                        probabilities, classes: model.metadata.classes, topK: topK, point: useOperatingPoint ? model.metadata.operatingPoint : nil)
                case .failure(let error): return ["error": error.description]
                }
            }
            // One image: its error is the answer. Several: each answers for itself, unless all failed.
            if !multipart || outcomes.allSatisfy({ if case .failure = $0 { true } else { false } }),
                case .failure(let error) = outcomes[0]
            {
                throw error
            }
            return try Self.json(["model": model.name, "version": model.version, "predictions": predictions])
        } catch let error as ServeError {
            throw error.httpError
        }
    }

    /// Each image decoded on this task, then all of them submitted at once (so that they can
    /// share a batch), each with its own deadline; outcomes in request order.
    private func predict(_ images: [MultipartImages.Part], model: ServedModel, batcher: MicroBatcher, window: DriftWindow) async throws
        -> [Result<[Float], ServeError>]
    {
        var outcomes = [Result<[Float], ServeError>](repeating: .failure(.emptyBody), count: images.count)
        var inputs: [(Int, [Float])] = []
        var measured: [Int: [Double]] = [:]
        var formats: [Int: String] = [:]
        for (index, image) in images.enumerated() {
            guard !image.bytes.isEmpty else { outcomes[index] = .failure(.badRequest("\(image.name): empty")); continue }
            do {
                let decoded = try model.predictor.decode(image.bytes, source: image.name)
                inputs.append((index, try model.predictor.input(from: decoded.image)))
                formats[index] = decoded.format.rawValue
                if model.metadata.drift != nil { measured[index] = DriftFeatures.measure(decoded) }
                metrics.image(model: model.name, decoded: true)
            } catch let error as ImageError {
                metrics.image(model: model.name, decoded: false)
                outcomes[index] = .failure(.image(error))
            }
        }
        let timeout = configuration.timeout
        let answered = await withTaskGroup(of: (Int, Result<[Float], ServeError>).self) { group in
            for (index, input) in inputs {
                group.addTask {
                    do {
                        return (index, .success(try await withDeadline(seconds: timeout) { try await batcher.submit(input) }))
                    } catch let error as ServeError {
                        return (index, .failure(error))
                    } catch {
                        return (index, .failure(.failed("the network failed: \(error)")))
                    }
                }
            }
            var out: [(Int, Result<[Float], ServeError>)] = []
            for await item in group { out.append(item) }
            return out
        }
        for (index, outcome) in answered {
            outcomes[index] = outcome
            guard case .success(let probabilities) = outcome, let format = formats[index] else { continue }
            let predicted = probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? 0
            if let features = measured[index] { window.add(features: features, format: format, predicted: predicted) }
            if let capture = configuration.capture, predicted < model.metadata.classes.count,
                case .failure = capture.offer(
                    images[index].bytes, format: format, label: model.metadata.classes[predicted], probability: probabilities[predicted],
                    model: model.name, version: model.version)
            {
                metrics.captureFailed(model: model.name)
            }
        }
        return outcomes
    }

    static func prediction(_ probabilities: [Float], classes: [String], topK: Int, point: OperatingPoint? = nil) -> [String: Any] {
        let ranking = Prediction.ranking(probabilities)
        let top = ranking.prefix(topK).map { ["label": classes[$0], "probability": Double(probabilities[$0])] as [String: Any] }
        let decision = point.map { $0.decide(probabilities, classes: classes) }
        let best = decision?.label ?? ranking.first ?? 0
        var out: [String: Any] = ["label": classes[best], "probability": Double(probabilities[best]), "top": top]
        if let decision, let point {
            out["operating_point"] = ["defect": decision.defect, "score": decision.score, "threshold": point.threshold]
        }
        return out
    }

    static func json(_ object: Any, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Metrics and a log line per request, by route template (not the raw path: bounded labels).
    struct Observe<Context: RequestContext>: RouterMiddleware {
        let server: VisionServer

        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            let started = ContinuousClock.now
            let route = Self.route(request.uri.path)
            do {
                let response = try await next(request, context)
                server.metrics.request(route: route, status: Int(response.status.code), duration: .now - started)
                return response
            } catch let error as HTTPResponseError {
                server.metrics.request(route: route, status: Int(error.status.code), duration: .now - started)
                context.logger.info("\(request.method) \(request.uri.path): \(error.status.code) \(error)")
                throw error
            } catch {
                server.metrics.request(route: route, status: 500, duration: .now - started)
                context.logger.error("\(request.method) \(request.uri.path): \(error)")
                throw error
            }
        }

        static func route(_ path: String) -> String {
            let parts = path.split(separator: "/")
            if parts.count == 4, parts[0] == "v1", parts[1] == "models" { return "/v1/models/{name}/\(parts[3])" }
            if parts.count == 3, parts[0] == "v1", parts[1] == "models" { return "/v1/models/{name}" }
            if ["/healthz", "/readyz", "/metrics", "/openapi.json", "/v1/models"].contains(path) { return path }
            return "other"
        }
    }

    /// `Authorization: Bearer TOKEN` on every route but the probes, compared in constant time.
    struct Authenticate<Context: RequestContext>: RouterMiddleware {
        let token: String?

        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            guard let token, !["/healthz", "/readyz"].contains(request.uri.path) else { return try await next(request, context) }
            let given = Array((request.headers[.authorization] ?? "").utf8)
            let expected = Array("Bearer \(token)".utf8)
            var difference = given.count ^ expected.count
            for index in expected.indices { difference |= Int(expected[index] ^ (index < given.count ? given[index] : 0)) }
            guard difference == 0 else { throw ServeError.unauthorized.httpError }
            return try await next(request, context)
        }
    }
}

/// Waits for graceful shutdown, then has the batchers answer what waits in them.
private struct FlushBatchesOnShutdown: Service {
    let server: VisionServer

    func run() async throws {
        // Cancelled instead (the group failed): flushing is still what the waiting requests want.
        try? await gracefulShutdown()
        await server.flushBatches()
    }
}
