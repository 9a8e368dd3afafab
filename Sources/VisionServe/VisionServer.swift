import Foundation
import Hummingbird
import Logging
import Synchronization
import VisionImage

/// The HTTP service: routes, limits, authentication, metrics and one micro-batcher per model.
/// `makeApplication` gives a Hummingbird application to run (the command) or to test.
public final class VisionServer: Sendable {
    public let configuration: ServeConfiguration
    public let metrics = ServeMetrics()
    let models: [String: ServedModel]
    let order: [String]
    let batchers: [String: MicroBatcher]
    private let inflight = Mutex(0)
    private let ready = Mutex(false)

    public init(models: [ServedModel], configuration: ServeConfiguration) throws {
        var byName: [String: ServedModel] = [:]
        for model in models {
            if byName[model.name] != nil {
                throw ServeError.configuration("two models are named '\(model.name)': name one with MODEL.vision=NAME")
            }
            byName[model.name] = model
        }
        self.models = byName
        order = models.map(\.name)
        self.configuration = configuration
        let metrics = self.metrics
        batchers = byName.mapValues { model in
            let predictor = model.predictor
            return MicroBatcher(
                name: model.name, maxBatch: min(configuration.maxBatch, predictor.maximumBatch), maxDelay: configuration.maxDelay,
                run: { inputs in try predictor.probabilities(inputs) },
                onBatch: { metrics.batch(model: model.name, size: $0) },
                onDepth: { metrics.queueDepth(model: model.name, $0) })
        }
    }

    /// Runs every model once on a blank image, so that the first request does not pay for
    /// oneDNN's kernel creation; /readyz answers 200 after.
    public func warmUp() async throws {
        for name in order {
            guard let model = models[name], let batcher = batchers[name] else { continue }
            let p = model.metadata.preprocessing
            _ = try await batcher.submit([Float](repeating: 0, count: p.channels * p.inputSize.height * p.inputSize.width))
        }
        ready.withLock { $0 = true }
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
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: self.metrics.text())))
        }
        router.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.text)))
        }
        router.get("v1/models") { _, _ in try Self.json(["models": self.order.compactMap { self.models[$0]?.summary }]) }
        router.get("v1/models/:name") { _, context in try Self.json(try self.model(context).details) }
        router.post("v1/models/:name/predict") { request, context in try await self.predict(request, context: context) }
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "vision"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    private func model(_ context: some RequestContext) throws -> ServedModel {
        let name = context.parameters.get("name") ?? ""
        guard let model = models[name] else { throw ServeError.unknownModel(name).httpError }
        return model
    }

    private func predict(_ request: Request, context: some RequestContext) async throws -> Response {
        let model = try self.model(context)
        guard let batcher = batchers[model.name] else { throw ServeError.unknownModel(model.name).httpError }
        let admitted = inflight.withLock { count -> Bool in
            guard count < configuration.maxInflight else { return false }
            count += 1
            return true
        }
        guard admitted else { throw ServeError.overloaded(inflight: configuration.maxInflight).httpError }
        defer { inflight.withLock { $0 -= 1 } }
        do {
            var topK = 5
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
            let outcomes = try await predict(images, model: model, batcher: batcher)
            let predictions = outcomes.map { outcome -> [String: Any] in
                switch outcome {
                case .success(let probabilities): return Self.prediction(probabilities, classes: model.metadata.classes, topK: topK)
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
    private func predict(_ images: [MultipartImages.Part], model: ServedModel, batcher: MicroBatcher) async throws
        -> [Result<[Float], ServeError>]
    {
        var outcomes = [Result<[Float], ServeError>](repeating: .failure(.emptyBody), count: images.count)
        var inputs: [(Int, [Float])] = []
        for (index, image) in images.enumerated() {
            guard !image.bytes.isEmpty else { outcomes[index] = .failure(.badRequest("\(image.name): empty")); continue }
            do {
                inputs.append((index, try model.predictor.input(fromEncoded: image.bytes, source: image.name)))
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
        for (index, outcome) in answered { outcomes[index] = outcome }
        return outcomes
    }

    static func prediction(_ probabilities: [Float], classes: [String], topK: Int) -> [String: Any] {
        let ranking = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] || (probabilities[$0] == probabilities[$1] && $0 < $1) }
        let top = ranking.prefix(topK).map { ["label": classes[$0], "probability": Double(probabilities[$0])] as [String: Any] }
        let best = ranking.first ?? 0
        return ["label": classes[best], "probability": Double(probabilities[best]), "top": top]
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
