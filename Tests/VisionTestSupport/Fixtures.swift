import Crypto
import Foundation

/// Paths to test data. `fixtures/` is committed; `../shared` (the larger datasets) may be absent.
public enum Fixtures {
    /// The package root, found from this file's location.
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static let root = packageRoot.appendingPathComponent("fixtures")

    /// A path under fixtures/.
    public static func path(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }

    /// A path under ../shared when it exists (suites needing larger datasets skip without it).
    public static func shared(_ relative: String) -> String? {
        let url = packageRoot.deletingLastPathComponent().appendingPathComponent("shared").appendingPathComponent(relative)
        return FileManager.default.fileExists(atPath: url.path) ? url.path : nil
    }

    /// Files directly in a fixtures folder with the given extension, sorted.
    public static func files(in relative: String, extension ext: String) -> [String] {
        let folder = path(relative)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.lowercased().hasSuffix("." + ext) }.sorted().map { folder + "/" + $0 }
    }

    /// Every regular file under a fixtures folder, recursively, sorted.
    public static func allFiles(under relative: String) -> [String] {
        let folder = path(relative)
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return [] }
        var out: [String] = []
        while let name = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let full = folder + "/" + name
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
                out.append(full)
            }
        }
        return out.sorted()
    }

    /// A fresh temporary folder.
    public static func temporaryDirectory() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vision-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }
}

/// Hex SHA-256 of bytes, for compact pixel references.
public func sha256Hex(_ bytes: [UInt8]) -> String {
    SHA256.hash(data: bytes).map { byte in
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }.joined()
}
