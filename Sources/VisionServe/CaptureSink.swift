import Foundation
import Synchronization

/// Keeps a sampled share of the images a server answers, for labelling and retraining:
/// `DIR/PREDICTED_CLASS/TIME-HASH.png|jpg` and a row in `DIR/captured.csv` (path, label =
/// the predicted class, probability, model, version, captured_at), which `vision train` reads
/// as a manifest (extra columns are ignored). At most `limit` files, so a busy server cannot
/// fill the disk.
public final class CaptureSink: Sendable {
    public let folder: String
    public let rate: Double
    public let limit: Int
    private struct State {
        var generator = SystemRandomNumberGenerator()
        var saved = 0
        var warned = false
    }
    private let state = Mutex(State())

    public init(folder: String, rate: Double, limit: Int) throws {
        self.folder = folder
        self.rate = rate
        self.limit = limit
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let manifest = (folder as NSString).appendingPathComponent("captured.csv")
        if !FileManager.default.fileExists(atPath: manifest) {
            try Data("path,label,probability,model,version,captured_at\n".utf8).write(to: URL(fileURLWithPath: manifest))
        } else {
            // Continue counting where an earlier run left off.
            let rows = (try? String(contentsOfFile: manifest, encoding: .utf8))?.split(separator: "\n").count ?? 1
            state.withLock { $0.saved = max(rows - 1, 0) }
        }
    }

    /// Saves `bytes` with probability `rate`; returns the path written, if any. Errors are
    /// returned for the log: capturing never fails a request.
    public func offer(_ bytes: [UInt8], format: String, label: String, probability: Float, model: String, version: String)
        -> Result<String, any Error>?
    {
        let take = state.withLock { state -> Bool in
            guard state.saved < limit, Double.random(in: 0..<1, using: &state.generator) < rate else { return false }
            state.saved += 1
            return true
        }
        guard take else { return nil }
        let safeLabel = Self.folderName(label)
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let unique = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let relative = "\(safeLabel)/\(stamp)-\(unique).\(format == "jpeg" ? "jpg" : "png")"
        let path = (folder as NSString).appendingPathComponent(relative)
        do {
            try FileManager.default.createDirectory(
                atPath: (folder as NSString).appendingPathComponent(safeLabel), withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .withoutOverwriting)
            let row = [relative, label, String(format: "%.6f", probability), model, version, ISO8601DateFormatter().string(from: Date())]
                .map(Self.csvField).joined(separator: ",") + "\n"
            try state.withLock { _ in
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("captured.csv")))
                defer { try? handle.close() }
                try handle.seekToEnd()
                try handle.write(contentsOf: Data(row.utf8))
            }
            return .success(path)
        } catch {
            return .failure(error)
        }
    }

    /// A class name as one safe folder name (model files come from anywhere).
    static func folderName(_ label: String) -> String {
        var name = String(label.map { $0 == "/" || $0 == "\\" || $0.isNewline || $0 == "\0" ? "_" : $0 }.prefix(100))
        while name.hasPrefix(".") { name = "_" + name.dropFirst() }
        return name.isEmpty ? "_" : name
    }

    static func csvField(_ value: String) -> String {
        value.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
    }
}
