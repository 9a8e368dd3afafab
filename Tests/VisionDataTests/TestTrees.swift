import Foundation
import VisionData
import VisionImage
import VisionTestSupport

/// Small image trees built in temporary folders.
enum TestTrees {
    /// A deterministic pseudo-random RGB image.
    static func image(seed: UInt64, width: Int = 24, height: Int = 24, channels: Int = 3) throws -> Image {
        var generator = RandomGenerator(seed: seed)
        let pixels = (0..<(width * height * channels)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        return try Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// A smooth image (a gradient plus a shape), for perceptual hashing.
    static func smooth(seed: UInt64, side: Int = 32) throws -> Image {
        var generator = RandomGenerator(seed: seed)
        let a = generator.uniform(0.5, 4), b = generator.uniform(0.5, 4), phase = generator.uniform(0, 6)
        var pixels = [UInt8](repeating: 0, count: side * side * 3)
        for y in 0..<side {
            for x in 0..<side {
                let v = 127 + 120 * sin(a * Double(x) / Double(side) * 6 + b * Double(y) / Double(side) * 6 + phase)
                for c in 0..<3 { pixels[(y * side + x) * 3 + c] = UInt8(max(0, min(255, v + Double(c * 10)))) }
            }
        }
        return try Image(width: side, height: side, channels: 3, pixels: pixels)
    }

    static func write(_ image: Image, to path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try PNGEncoder.write(image, to: path)
    }

    static func touch(_ path: String, _ contents: String = "x") throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// ROOT/CLASS/NNNN.png with `perClass` small random images per class.
    static func imageFolder(classes: [String], perClass: Int, side: Int = 12) throws -> String {
        let root = try Fixtures.temporaryDirectory()
        var seed: UInt64 = 1
        for name in classes {
            for i in 0..<perClass {
                try write(try image(seed: seed, width: side, height: side), to: "\(root)/\(name)/\(String(format: "%04d", i)).png")
                seed += 1
            }
        }
        return root
    }
}
