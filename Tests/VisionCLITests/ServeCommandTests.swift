import Foundation
import Testing
import VisionImage
import VisionTestSupport

/// `vision serve` end to end: a real process on a loopback port, real HTTP requests.
@Suite struct ServeCommandTests {
    static let digits = Fixtures.path("datasets/digits")

    /// One small model for every test here (trained once).
    static let model: String = {
        let run = (try? Fixtures.temporaryDirectory()) ?? NSTemporaryDirectory()
        _ = try? CLI.run(["train", digits, "--image-size", "8", "--epochs", "2", "--output", run + "/run", "--quiet"])
        return run + "/run/best.vision"
    }()

    static func image(_ label: Int, _ index: Int = 0) throws -> Data {
        let folder = digits + "/\(label)"
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        return try Data(contentsOf: URL(fileURLWithPath: folder + "/" + names[index]))
    }

    @Test func everyRouteAndEveryErrorStatus() async throws {
        #expect(FileManager.default.fileExists(atPath: Self.model))
        let folder = try Fixtures.temporaryDirectory()
        let token = "0123456789abcdef-token"
        try (token + "\n").write(toFile: folder + "/token", atomically: true, encoding: .utf8)
        let server = try ServerProcess([Self.model + "=digits", "--token-file", folder + "/token", "--max-body", "64KiB", "--max-pixels", "100"])
        let auth = ["Authorization": "Bearer " + token]
        // The probes are open; everything else needs the token.
        #expect(try await server.request("/healthz").status == 200)
        let ready = try await server.request("/readyz")
        #expect(ready.status == 200 && ready.text.contains("digits"), "\(ready.text)")
        let anonymous = try await server.request("/v1/models")
        #expect(anonymous.status == 401)
        #expect(try await server.request("/v1/models", headers: ["Authorization": "Bearer wrong"]).status == 401)
        let models = try await server.request("/v1/models", headers: auth)
        #expect(models.status == 200)
        let listed = try #require((models.json["models"] as? [[String: Any]])?.first)
        #expect(listed["name"] as? String == "digits")
        #expect((listed["classes"] as? [String])?.count == 10)
        #expect((listed["version"] as? String)?.count == 12)
        let details = try await server.request("/v1/models/digits", headers: auth)
        #expect(details.status == 200 && details.json["preprocessing"] != nil, "\(details.text)")
        #expect(try await server.request("/v1/models/nope", headers: auth).status == 404)
        let openapi = try await server.request("/openapi.json", headers: auth)
        #expect(openapi.status == 200 && openapi.json["paths"] != nil)

        // Predictions: a label among the classes, top_k of them ranked.
        let seven = try Self.image(7)
        let predicted = try await server.request("/v1/models/digits/predict?top_k=3", method: "POST", body: seven, headers: auth.merging(["Content-Type": "image/png"]) { $1 })
        #expect(predicted.status == 200, "\(predicted.text)")
        #expect(predicted.json["model"] as? String == "digits" && predicted.json["version"] as? String == listed["version"] as? String)
        let first = try #require((predicted.json["predictions"] as? [[String: Any]])?.first)
        #expect((first["top"] as? [[String: Any]])?.count == 3)
        #expect((0..<10).map(String.init).contains(first["label"] as? String ?? ""))

        // Several files in one multipart body: answers in order, a bad file answers for itself.
        let boundary = "vision-test-boundary"
        var form = Data()
        for (name, data) in [("seven.png", seven), ("junk.png", Data("junk".utf8)), ("two.png", try Self.image(2))] {
            form += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\nContent-Type: image/png\r\n\r\n".utf8)
            form += data + Data("\r\n".utf8)
        }
        form += Data("--\(boundary)--\r\n".utf8)
        let several = try await server.request(
            "/v1/models/digits/predict", method: "POST", body: form, headers: auth.merging(["Content-Type": "multipart/form-data; boundary=\(boundary)"]) { $1 })
        #expect(several.status == 200, "\(several.text)")
        let answers = try #require(several.json["predictions"] as? [[String: Any]])
        #expect(answers.count == 3)
        #expect(answers[0]["label"] as? String == first["label"] as? String)
        #expect((answers[1]["error"] as? String)?.contains("junk.png: unknown format") == true, "\(answers)")
        #expect(answers[2]["label"] != nil)

        // Errors: each with its status and a one-line reason.
        let cases: [(Data, String, Int, String)] = [
            (Data("garbage".utf8), "", 415, "unknown format"),
            (seven.prefix(seven.count / 2), "", 422, "truncated"),
            (Data(), "", 400, "the body is empty"),
            (Data(count: 100_000), "", 413, "over the limit of 65536 bytes"),
            (seven, "?top_k=0", 400, "top_k: expected a positive integer"),
        ]
        for (body, query, status, message) in cases {
            let answer = try await server.request("/v1/models/digits/predict" + query, method: "POST", body: body, headers: auth)
            #expect(answer.status == status, "\(status): \(answer.text)")
            #expect(answer.text.contains(message), "\(status): \(answer.text)")
        }
        // Over the image limits: a 32 × 32 PNG with --max-pixels 100 (the digits are 8 × 8).
        let large = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("images/pngsuite/valid/basn2c08.png")))
        let refused = try await server.request("/v1/models/digits/predict", method: "POST", body: large, headers: auth)
        #expect(refused.status == 422 && refused.text.contains("over the limit of 100 pixels"), "\(refused.text)")
        let unknown = try await server.request("/v1/models/nope/predict", method: "POST", body: seven, headers: auth)
        #expect(unknown.status == 404)

        let metrics = try await server.request("/metrics", headers: auth)
        #expect(metrics.text.contains(#"vision_requests_total{route="/v1/models/{name}/predict",status="415"} 1"#), "\(metrics.text.prefix(2000))")
        #expect(metrics.text.contains("vision_batch_size_bucket"))
        #expect(metrics.text.contains(#"vision_images_decoded_total{model="digits"}"#))
        #expect(server.stop() == 0)
    }

    /// Concurrent requests share network runs, and each gets its own answer: the same one it
    /// gets alone.
    @Test func concurrentRequestsAreBatched() async throws {
        let server = try ServerProcess([Self.model, "--max-delay-ms", "200", "--max-batch", "16"])
        let bodies = try (0..<20).map { try Self.image($0 % 10, $0 / 10) }
        var alone: [String] = []
        for body in bodies.prefix(10) {
            alone.append(try await server.request("/v1/models/best/predict", method: "POST", body: body).text)
        }
        let runsBefore = try await Self.networkRuns(server)
        let answers = try await withThrowingTaskGroup(of: (Int, ServerProcess.Answer).self) { group in
            for (index, body) in bodies.enumerated() {
                group.addTask { (index, try await server.request("/v1/models/best/predict", method: "POST", body: body)) }
            }
            var out = [ServerProcess.Answer?](repeating: nil, count: bodies.count)
            for try await (index, answer) in group { out[index] = answer }
            return out.compactMap { $0 }
        }
        #expect(answers.count == 20 && answers.allSatisfy { $0.status == 200 })
        // The same label and, within float rounding (batched kernels sum in another order), the same probabilities.
        for index in 0..<10 {
            let batched = try #require((answers[index].json["predictions"] as? [[String: Any]])?.first)
            let single = try #require((ServerProcess.Answer(status: 200, body: Data(alone[index].utf8), headers: [:]).json["predictions"] as? [[String: Any]])?.first)
            #expect(batched["label"] as? String == single["label"] as? String, "image \(index)")
            #expect(abs((batched["probability"] as? Double ?? 0) - (single["probability"] as? Double ?? 1)) < 1e-5, "image \(index)")
        }
        let runs = try await Self.networkRuns(server) - runsBefore
        #expect(runs >= 2 && runs < 20, "20 requests took \(runs) network runs")
        #expect(server.terminate() == 0)
    }

    static func networkRuns(_ server: ServerProcess) async throws -> Int {
        let text = try await server.request("/metrics").text
        let line = text.split(separator: "\n").first { $0.hasPrefix("vision_network_runs_total") }
        return Int(line?.split(separator: " ").last ?? "0") ?? 0
    }

    /// A full queue answers 503 with Retry-After; a slow answer 504; a request in flight when
    /// SIGTERM comes still gets its answer, and the process exits 0.
    @Test func overloadTimeoutsAndGracefulShutdown() async throws {
        let body = try Self.image(3)
        // The first request waits up to 10 s (the longest delay allowed) for a batch to fill.
        let slow = try ServerProcess([Self.model, "--max-delay-ms", "10000", "--max-inflight", "1", "--timeout", "60s"])
        // On threads of their own: the second request must arrive inside the first one's 10 s.
        let waiting = OwnThread { try slow.blockingRequest("/v1/models/best/predict", method: "POST", body: body) }
        let overloading = OwnThread { () throws -> ServerProcess.Answer? in
            for _ in 0..<3000 {
                if try slow.blockingRequest("/metrics").text.contains(#"vision_queue_depth{model="best"} 1"#) {
                    return try slow.blockingRequest("/v1/models/best/predict", method: "POST", body: body)
                }
                usleep(20_000)
            }
            return nil
        }
        let overloaded = try #require(try await overloading.value, "the first request was never seen waiting in the queue")
        #expect(overloaded.status == 503, "\(overloaded.text)")
        #expect(overloaded.headers["retry-after"] == "1", "\(overloaded.headers)")
        // SIGTERM while the first request waits for its batch: it is still answered (at once,
        // since shutdown starts waiting batches; not timed here: beside the suites that block the
        // test runner's threads on child processes, this task itself resumes seconds late).
        let stopping = Task.detached { slow.terminate() }
        let first = try await waiting.value
        #expect(first.status == 200, "\(first.text)")
        #expect(await stopping.value == 0)

        let hurried = try ServerProcess([Self.model, "--max-delay-ms", "3000", "--timeout", "300ms"])
        let late = try await hurried.request("/v1/models/best/predict", method: "POST", body: body)
        #expect(late.status == 504, "\(late.text)")
        #expect(late.text.contains("no answer within 0.3 s"))
        #expect(hurried.stop() == 0)
    }

    /// POST /v1/models/{name}/reload and SIGHUP swap the file in under load; a broken file
    /// leaves the old model serving.
    @Test func reloadSwapsModelsUnderLoadAndKeepsTheOldOneOnFailure() async throws {
        let folder = try Fixtures.temporaryDirectory()
        let other = try CLI.run(["train", Self.digits, "--image-size", "8", "--epochs", "1", "--seed", "7", "--output", folder + "/other", "--quiet"])
        #expect(other.status == 0, "\(other.standardError)")
        let served = folder + "/served.vision"
        try FileManager.default.copyItem(atPath: Self.model, toPath: served)
        let server = try ServerProcess([served])
        func version() async throws -> String {
            let models = try await server.request("/v1/models").json["models"] as? [[String: Any]]
            return models?.first?["version"] as? String ?? ""
        }
        let first = try await version()
        let body = try Self.image(5)
        // A broken file: 422, and the old model keeps answering.
        try Data("not a model".utf8).write(to: URL(fileURLWithPath: served))
        let broken = try await server.request("/v1/models/served/reload", method: "POST")
        #expect(broken.status == 422 && broken.text.contains("the old model keeps serving"), "\(broken.text)")
        #expect(try await server.request("/v1/models/served/predict", method: "POST", body: body).status == 200)
        #expect(try await version() == first)
        // A new file, swapped in while requests keep coming: every request is answered.
        try FileManager.default.removeItem(atPath: served)
        try FileManager.default.copyItem(atPath: folder + "/other/best.vision", toPath: served)
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<24 {
                group.addTask {
                    if index == 8 { return try await server.request("/v1/models/served/reload", method: "POST").status }
                    return try await server.request("/v1/models/served/predict", method: "POST", body: body).status
                }
            }
            var out: [Int] = []
            for try await status in group { out.append(status) }
            return out
        }
        #expect(statuses.allSatisfy { $0 == 200 }, "\(statuses)")
        let second = try await version()
        #expect(second != first && second.count == 12)
        // SIGHUP: back to the first file.
        try FileManager.default.removeItem(atPath: served)
        try FileManager.default.copyItem(atPath: Self.model, toPath: served)
        kill(server.process.processIdentifier, SIGHUP)
        var now = second
        var polls = 0
        while polls < 100, now != first {
            try await Task.sleep(for: .milliseconds(100))
            now = try await version()
            polls += 1
        }
        #expect(now == first)
        #expect(server.stop() == 0)
    }

    /// The drift report over the last images served: `ok` for held-out images of the training
    /// distribution, `drift` once the same images arrive 40% brighter; also on /metrics.
    @Test func driftIsMonitoredOnTheImagesServed() async throws {
        let server = try ServerProcess([Self.model, "--drift-window", "100"])
        // 100 held-out images spread over every class (the split lists them class by class).
        let all = try DriftCommandTests.heldOut(Self.model)
        let heldOut = (0..<100).map { all[$0 * all.count / 100] }
        #expect(heldOut.count == 100)
        func send(_ transform: @escaping @Sendable (Image) throws -> Image) async throws {
            for path in heldOut {
                let image = try transform(try ImageDecoder.decode(contentsOf: path).image)
                let answer = try await server.request("/v1/models/best/predict", method: "POST", body: Data(try PNGEncoder.encode(image)))
                #expect(answer.status == 200)
            }
        }
        let empty = try await server.request("/v1/models/best/drift")
        #expect(empty.status == 200 && empty.json["verdict"] as? String == "insufficient_data", "\(empty.text)")
        try await send { $0 }
        let fresh = try await server.request("/v1/models/best/drift")
        #expect(fresh.json["verdict"] as? String == "ok", "\(fresh.text)")
        #expect(fresh.json["images"] as? Int == 100)
        try await send { image in
            try Image(width: image.width, height: image.height, channels: image.channels, pixels: image.pixels.map { UInt8(min(255, Double($0) * 1.4)) })
        }
        let bright = try await server.request("/v1/models/best/drift")
        #expect(bright.json["verdict"] as? String == "drift", "\(bright.text)")
        let metrics = try await server.request("/metrics").text
        #expect(metrics.contains(#"vision_drift_verdict{model="best"} 2"#), "\(metrics.prefix(3000))")
        #expect(metrics.contains(#"vision_drift_psi{model="best",feature="brightness"}"#))
        #expect(server.stop() == 0)
    }

    /// --capture keeps answered images by predicted class with a manifest `vision` reads back;
    /// --capture-max bounds it.
    @Test func capturedImagesFeedTheNextTraining() async throws {
        let folder = try Fixtures.temporaryDirectory() + "/captured"
        let server = try ServerProcess([Self.model, "--capture", folder, "--capture-rate", "1", "--capture-max", "3"])
        for label in 0..<5 {
            let answer = try await server.request("/v1/models/best/predict", method: "POST", body: try Self.image(label))
            #expect(answer.status == 200)
        }
        #expect(server.stop() == 0)
        let rows = try String(contentsOfFile: folder + "/captured.csv", encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 4, "\(rows)")
        #expect(rows.first == "path,label,probability,model,version,captured_at")
        for row in rows.dropFirst() {
            let fields = row.split(separator: ",").map(String.init)
            #expect(FileManager.default.fileExists(atPath: folder + "/" + fields[0]), "\(row)")
            #expect(fields[0].hasPrefix(fields[1] + "/") && fields[0].hasSuffix(".png") && fields[3] == "best")
        }
        // The manifest is a dataset as it stands (labels = predictions until someone corrects them).
        let inspect = try CLI.run(["data", "inspect", folder + "/captured.csv"])
        #expect(inspect.status == 0, "\(inspect.standardError)")
        #expect(inspect.standardOutput.contains("3 files"), "\(inspect.standardOutput)")
    }

    @Test func badFlagsAndModelsAreOneLine() throws {
        let missing = try CLI.run(["serve", "/nonexistent.vision", "--port", "0"])
        #expect(missing.status != 0)
        #expect(missing.standardError.split(separator: "\n").count == 1, "\(missing.standardError)")
        let twice = try CLI.run(["serve", Self.model, Self.model, "--port", "0"])
        #expect(twice.standardError.contains("two models are named 'best'"), "\(twice.standardError)")
        let timeout = try CLI.run(["serve", Self.model, "--timeout", "soon"])
        #expect(timeout.standardError.contains("--timeout: expected a duration"), "\(timeout.standardError)")
        let folder = try Fixtures.temporaryDirectory()
        try "short".write(toFile: folder + "/token", atomically: true, encoding: .utf8)
        let token = try CLI.run(["serve", Self.model, "--token-file", folder + "/token", "--port", "0"])
        #expect(token.standardError.contains("at least 16 characters"), "\(token.standardError)")
    }
}
