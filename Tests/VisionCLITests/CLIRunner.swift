import Foundation
import VisionTestSupport

/// Runs the built `vision` executable (it sits beside the test bundle in the build folder).
struct CLIResult {
    let status: Int32
    let standardOutput: String
    let standardError: String
    var lines: [String] { standardOutput.split(separator: "\n").map(String.init) }
}

enum CLI {
    static let executable: URL = {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // swift test runs .build/<config>/<name>PackageTests.xctest; look beside it and above it.
        for _ in 0..<3 {
            let candidate = folder.appendingPathComponent("vision")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder.deleteLastPathComponent()
        }
        return Fixtures.packageRoot.appendingPathComponent(".build/debug/vision")
    }()

    static func run(_ arguments: [String], input: String? = nil) throws -> CLIResult {
        try run(executable: executable.path, arguments, input: input)
    }

    /// Any executable (mpirun, say) to the end, with `environment` added to this process's.
    static func run(executable: String, _ arguments: [String], input: String? = nil, environment: [String: String] = [:]) throws -> CLIResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        let inputPipe = Pipe()
        process.standardInput = inputPipe
        try process.run()
        if let input { inputPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inputPipe.fileHandleForWriting.close()
        // Both pipes drain at once, before waiting: a child that fills one pipe (64 KB) while
        // this side waits on the other would block forever.
        let handle = error.fileHandleForReading
        let errData = OwnThread { handle.readDataToEndOfFile() }
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLIResult(
            status: process.terminationStatus, standardOutput: String(decoding: outData, as: UTF8.self),
            standardError: String(decoding: try errData.wait(), as: UTF8.self))
    }
}
