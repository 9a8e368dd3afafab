import Foundation
import VisionImage

/// A small defect set whose only difference between the classes is a bright square: `good/`
/// and `defect/` gray PNGs of textured background, each defect image with one square at a
/// place drawn from the seed. Heat maps must sit on the square; sizes exercise the input choice.
public enum SyntheticDefects {
    public struct Square: Sendable {
        public var x: Int, y: Int, side: Int
    }

    /// Writes `perClass` images per class of `width × height` into `folder`; returns each defect
    /// image's square by path.
    @discardableResult
    public static func write(to folder: String, perClass: Int = 40, width: Int = 96, height: Int = 64, side: Int = 10, seed: UInt64 = 7) throws
        -> [String: Square]
    {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        var squares: [String: Square] = [:]
        for label in ["good", "defect"] {
            let classFolder = (folder as NSString).appendingPathComponent(label)
            try FileManager.default.createDirectory(atPath: classFolder, withIntermediateDirectories: true)
            for index in 0..<perClass {
                var pixels = [UInt8](repeating: 0, count: width * height)
                // Soft horizontal bands plus noise: texture, but nothing square.
                for y in 0..<height {
                    for x in 0..<width {
                        let band = 20 * sin(Double(y) / 5 + Double(index))
                        pixels[y * width + x] = UInt8(max(0, min(255, 110 + band + Double(next() % 30))))
                    }
                }
                let path = (classFolder as NSString).appendingPathComponent(String(format: "%03d.png", index))
                if label == "defect" {
                    let square = Square(x: Int(next() % UInt64(width - side - 4)) + 2, y: Int(next() % UInt64(height - side - 4)) + 2, side: side)
                    for y in square.y..<(square.y + side) {
                        for x in square.x..<(square.x + side) { pixels[y * width + x] = 250 }
                    }
                    squares[path] = square
                }
                try Data(PNGEncoder.encode(Image(width: width, height: height, channels: 1, pixels: pixels))).write(to: URL(fileURLWithPath: path))
            }
        }
        return squares
    }
}
