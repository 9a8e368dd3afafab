import Foundation
import Testing
import VisionTestSupport

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A `vision serve` process on an ephemeral loopback port, and a real HTTP client (URLSession).
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    let log: String

    struct Answer: Sendable {
        let status: Int
        let body: Data
        /// Header values by lower-cased name.
        let headers: [String: String]
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }
    }

    init(_ arguments: [String]) throws {
        let folder = try Fixtures.temporaryDirectory()
        log = folder + "/serve.log"
        FileManager.default.createFile(atPath: log, contents: nil)
        process.executableURL = CLI.executable
        process.arguments = ["serve"] + arguments + ["--port", "0"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try process.run()
        // The first line says where it listens: "serving NAME (VERSION) on http://127.0.0.1:PORT".
        var text = ""
        let deadline = Date().addingTimeInterval(60)
        while !text.contains("\n"), Date() < deadline, process.isRunning {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        output.fileHandleForReading.readabilityHandler = { _ = $0.availableData }
        guard let range = text.range(of: #"http://127\.0\.0\.1:(\d+)"#, options: .regularExpression),
            let port = Int(text[range].split(separator: ":").last ?? "")
        else {
            process.terminate()
            let logged = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw CLIError("the server did not start: \(text) \(logged)")
        }
        self.port = port
    }

    private func makeRequest(_ path: String, method: String, body: Data?, headers: [String: String]) -> URLRequest {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = 30
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        return request
    }

    private static func answer(_ data: Data, _ response: URLResponse?) -> Answer {
        let http = response as? HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http?.allHeaderFields ?? [:] { fields["\(name)".lowercased()] = "\(value)" }
        return Answer(status: http?.statusCode ?? 0, body: data, headers: fields)
    }

    func request(_ path: String, method: String = "GET", body: Data? = nil, headers: [String: String] = [:]) async throws -> Answer {
        let (data, response) = try await URLSession.shared.data(for: makeRequest(path, method: method, body: body, headers: headers))
        return Self.answer(data, response)
    }

    /// The same request, blocking the calling thread (one of the test's own, see `OwnThread`).
    func blockingRequest(_ path: String, method: String = "GET", body: Data? = nil) throws -> Answer {
        final class Outcome: @unchecked Sendable { var value: Result<Answer, Error> = .failure(CLIError("no answer")) }
        let outcome = Outcome(), done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: makeRequest(path, method: method, body: body, headers: [:])) { data, response, error in
            outcome.value = error.map { .failure($0) } ?? .success(Self.answer(data ?? Data(), response))
            done.signal()
        }.resume()
        done.wait()
        return try outcome.value.get()
    }

    /// SIGTERM, then the exit status.
    func stop() -> Int32 {
        process.interrupt()  // SIGINT: the same graceful path as SIGTERM
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    func terminate() -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { if process.isRunning { process.terminate() } }
}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Work started at once on a thread of its own, awaited (or waited for) later. For
/// timing-sensitive steps: the test runner's few cooperative threads can be held for seconds by
/// suites that wait on child processes, and a task waiting for one of them can miss a window
/// (a request queued for 10 s). Also for draining a second pipe while reading the first.
final class OwnThread<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private let done = DispatchGroup()
    private var result: Result<T, Error>?
    private var waiter: CheckedContinuation<T, Error>?

    init(_ body: @escaping @Sendable () throws -> T) {
        done.enter()
        Thread.detachNewThread { [self] in
            meet(result: Result { try body() })
            done.leave()
        }
    }

    var value: T {
        get async throws { try await withCheckedThrowingContinuation { meet(waiter: $0) } }
    }

    /// The result, blocking the calling thread until it is there.
    func wait() throws -> T {
        done.wait()
        lock.lock()
        defer { lock.unlock() }
        guard let result else { throw CLIError("no result") }  // unreachable: set before `done` is left
        return try result.get()
    }

    /// Whichever of the result and its waiter comes second resumes the waiter.
    private func meet(result: Result<T, Error>? = nil, waiter: CheckedContinuation<T, Error>? = nil) {
        lock.lock()
        if let result { self.result = result }
        if let waiter { self.waiter = waiter }
        let ready = self.result.flatMap { outcome in self.waiter.map { (outcome, $0) } }
        if ready != nil { self.waiter = nil }
        lock.unlock()
        if let ready { ready.1.resume(with: ready.0) }
    }
}
