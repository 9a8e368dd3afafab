import VisionImage
import VisionModelAPI

/// A heat map drawn over the image as the model saw it (after resizing, before
/// normalisation): cold places keep the image, hot ones turn yellow to red.
public enum HeatMapImage {
    /// The overlay for one network input (C × H × W, normalised with `preprocessing`), scaled by
    /// a whole factor so that its longer side is at least `minimumSide` pixels.
    public static func render(
        input: [Float], preprocessing p: Preprocessing, heat: GradCAM.HeatMap, minimumSide: Int = 256
    ) throws -> Image {
        let (height, width, channels) = (p.inputSize.height, p.inputSize.width, p.channels)
        let factor = max(1, min(8, (minimumSide + max(height, width) - 1) / max(height, width)))
        let (outHeight, outWidth) = (height * factor, width * factor)
        var pixels = [UInt8](repeating: 0, count: outHeight * outWidth * 3)
        let plane = height * width
        for y in 0..<outHeight {
            for x in 0..<outWidth {
                let (sx, sy) = (x / factor, y / factor)
                let h = Double(heat.value(x: (Double(x) + 0.5) / Double(factor) - 0.5, y: (Double(y) + 0.5) / Double(factor) - 0.5,
                                          inputWidth: width, inputHeight: height))
                let colour = palette(h)
                let alpha = 0.65 * h
                for c in 0..<3 {
                    let channel = channels == 1 ? 0 : min(c, channels - 1)
                    let mean = channel < p.mean.count ? p.mean[channel] : 0, std = channel < p.std.count ? p.std[channel] : 1
                    let base = Double(input[channel * plane + sy * width + sx]) * std + mean
                    let value = base * (1 - alpha) + colour[c] * alpha
                    pixels[(y * outWidth + x) * 3 + c] = UInt8(min(max(value * 255, 0), 255).rounded())
                }
            }
        }
        return try Image(width: outWidth, height: outHeight, channels: 3, pixels: pixels)
    }

    /// Dark red → red → yellow → white as heat goes 0 → 1 (a "hot" palette: reads on gray images).
    static func palette(_ t: Double) -> [Double] {
        let t = min(max(t, 0), 1)
        return [min(1, 0.35 + 1.3 * t), min(1, max(0, 2.2 * t - 0.8)), min(1, max(0, 3 * t - 2))]
    }
}
