import Foundation
import VisionImage

/// What the drift monitor measures of one image, cheaply (on a grid of at most 64 × 64 samples):
/// brightness and contrast, the mean of each colour, the balance of horizontal and vertical
/// edges and of the image's halves (a rotation or flip moves these), and the stored size. Values
/// are on the scale of [0, 1] pixels, sizes as log2.
public enum DriftFeatures {
    public static let names = [
        "brightness", "contrast", "red", "green", "blue", "edge_orientation", "top_bottom", "left_right", "log2_width", "log2_height",
    ]

    /// The features of a decoded image (sizes as stored in the file, pixels as decoded for the model).
    public static func measure(_ decoded: DecodedImage) -> [Double] {
        var row = measure(decoded.image)
        row[8] = log2(Double(max(decoded.storedWidth, 1)))
        row[9] = log2(Double(max(decoded.storedHeight, 1)))
        return row
    }

    public static func measure(_ image: Image) -> [Double] {
        let side = 64
        let rows = min(image.height, side), columns = min(image.width, side)
        guard rows > 0, columns > 0 else { return [Double](repeating: 0, count: names.count) }
        var gray = [Double](repeating: 0, count: rows * columns)
        var colour = [Double](repeating: 0, count: 3)
        let c = image.channels
        image.pixels.withUnsafeBufferPointer { px in
            for row in 0..<rows {
                let y = row * image.height / rows
                for column in 0..<columns {
                    let x = column * image.width / columns
                    let base = (y * image.width + x) * c
                    let (r, g, b): (Double, Double, Double) = c >= 3
                        ? (Double(px[base]), Double(px[base + 1]), Double(px[base + 2]))
                        : (Double(px[base]), Double(px[base]), Double(px[base]))
                    colour[0] += r
                    colour[1] += g
                    colour[2] += b
                    gray[row * columns + column] = (0.299 * r + 0.587 * g + 0.114 * b) / 255
                }
            }
        }
        let n = Double(rows * columns)
        let mean = gray.reduce(0, +) / n
        let contrast = (gray.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n).squareRoot()
        var dx = 0.0, dy = 0.0
        var top = 0.0, bottom = 0.0, left = 0.0, right = 0.0
        for row in 0..<rows {
            for column in 0..<columns {
                let v = gray[row * columns + column]
                if column + 1 < columns { dx += abs(gray[row * columns + column + 1] - v) }
                if row + 1 < rows { dy += abs(gray[(row + 1) * columns + column] - v) }
                if row * 2 < rows { top += v } else { bottom += v }
                if column * 2 < columns { left += v } else { right += v }
            }
        }
        let half = n / 2
        return [
            mean, contrast, colour[0] / n / 255, colour[1] / n / 255, colour[2] / n / 255,
            dx + dy > 0 ? dx / (dx + dy) : 0.5, (top - bottom) / half, (left - right) / half,
            log2(Double(max(image.width, 1))), log2(Double(max(image.height, 1))),
        ]
    }
}
