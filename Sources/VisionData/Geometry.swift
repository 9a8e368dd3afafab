import VisionImage

/// Pixel-exact geometric operations on 8-bit H×W×C images and float C×H×W tensors.
enum Geometry {
    /// The `width`×`height` window at (`x`, `y`); parts outside the image are `fill`.
    static func crop(_ image: Image, x: Int, y: Int, width: Int, height: Int, fill: UInt8 = 0) throws(TransformError) -> Image {
        let c = image.channels
        var out = [UInt8](repeating: fill, count: width * height * c)
        let x0 = max(x, 0), x1 = min(x + width, image.width)
        let y0 = max(y, 0), y1 = min(y + height, image.height)
        if x1 > x0 && y1 > y0 {
            image.pixels.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    let span = (x1 - x0) * c
                    for row in y0..<y1 {
                        let from = (row * image.width + x0) * c
                        let to = ((row - y) * width + (x0 - x)) * c
                        for i in 0..<span { dst[to + i] = src[from + i] }
                    }
                }
            }
        }
        return try makeImage(width, height, c, out)
    }

    static func flipHorizontal(_ image: Image) throws(TransformError) -> Image {
        let w = image.width, c = image.channels
        var out = [UInt8](repeating: 0, count: image.pixels.count)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<image.height {
                    let row = y * w * c
                    for x in 0..<w {
                        let from = row + (w - 1 - x) * c, to = row + x * c
                        for k in 0..<c { dst[to + k] = src[from + k] }
                    }
                }
            }
        }
        return try makeImage(w, image.height, c, out)
    }

    static func flipVertical(_ image: Image) throws(TransformError) -> Image {
        let rowBytes = image.width * image.channels
        var out = [UInt8](repeating: 0, count: image.pixels.count)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<image.height {
                    let from = (image.height - 1 - y) * rowBytes, to = y * rowBytes
                    for i in 0..<rowBytes { dst[to + i] = src[from + i] }
                }
            }
        }
        return try makeImage(image.width, image.height, image.channels, out)
    }

    static func flipHorizontal(_ tensor: FloatImage) -> FloatImage {
        var out = tensor
        let w = tensor.width
        tensor.values.withUnsafeBufferPointer { src in
            out.values.withUnsafeMutableBufferPointer { dst in
                for row in 0..<(tensor.channels * tensor.height) {
                    let base = row * w
                    for x in 0..<w { dst[base + x] = src[base + w - 1 - x] }
                }
            }
        }
        return out
    }

    static func flipVertical(_ tensor: FloatImage) -> FloatImage {
        var out = tensor
        let w = tensor.width, h = tensor.height
        tensor.values.withUnsafeBufferPointer { src in
            out.values.withUnsafeMutableBufferPointer { dst in
                for c in 0..<tensor.channels {
                    for y in 0..<h {
                        let from = (c * h + h - 1 - y) * w, to = (c * h + y) * w
                        for x in 0..<w { dst[to + x] = src[from + x] }
                    }
                }
            }
        }
        return out
    }

    /// Rotation by `quarterTurns` × 90° counter-clockwise (torch.rot90 on the H, W axes).
    static func rotate90(_ image: Image, quarterTurns: Int) throws(TransformError) -> Image {
        let k = ((quarterTurns % 4) + 4) % 4
        guard k != 0 else { return image }
        let w = image.width, h = image.height, c = image.channels
        let outW = k == 2 ? w : h, outH = k == 2 ? h : w
        var out = [UInt8](repeating: 0, count: image.pixels.count)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for oy in 0..<outH {
                    for ox in 0..<outW {
                        let (sx, sy): (Int, Int)
                        switch k {
                        case 1: (sx, sy) = (w - 1 - oy, ox)
                        case 2: (sx, sy) = (w - 1 - ox, h - 1 - oy)
                        default: (sx, sy) = (oy, h - 1 - ox)
                        }
                        let from = (sy * w + sx) * c, to = (oy * outW + ox) * c
                        for i in 0..<c { dst[to + i] = src[from + i] }
                    }
                }
            }
        }
        return try makeImage(outW, outH, c, out)
    }

    /// Rotation by `degrees` counter-clockwise about the image centre, same size, bilinear, as
    /// torchvision's tensor path (affine grid + grid_sample, align_corners=False); outside
    /// samples are blended with `fill` through a coverage mask, then rounded half to even.
    static func rotate(_ image: Image, degrees: Double, fill: [Double]) throws(TransformError) -> Image {
        let w = image.width, h = image.height, c = image.channels
        let angle = degrees * Double.pi / 180
        let cosA = Float(_cos(angle)), sinA = Float(_sin(angle))
        let cx = Float(w - 1) / 2, cy = Float(h - 1) / 2
        let fillValues = (0..<c).map { Float(fill.isEmpty ? 0 : fill[min($0, fill.count - 1)]) }
        let useMask = fillValues.contains { $0 != 0 }
        var out = [UInt8](repeating: 0, count: image.pixels.count)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var value = [Float](repeating: 0, count: c)
                for oy in 0..<h {
                    let dy = Float(oy) - cy
                    for ox in 0..<w {
                        let dx = Float(ox) - cx
                        let sx = cosA * dx - sinA * dy + cx
                        let sy = sinA * dx + cosA * dy + cy
                        let x0f = sx.rounded(.down), y0f = sy.rounded(.down)
                        let fx = sx - x0f, fy = sy - y0f
                        let x0 = Int(x0f), y0 = Int(y0f)
                        for k in 0..<c { value[k] = 0 }
                        var coverage: Float = 0
                        for corner in 0..<4 {
                            let yy = y0 + (corner >> 1), xx = x0 + (corner & 1)
                            guard yy >= 0 && yy < h && xx >= 0 && xx < w else { continue }
                            let weight = ((corner & 1) == 1 ? fx : 1 - fx) * ((corner >> 1) == 1 ? fy : 1 - fy)
                            coverage += weight
                            let base = (yy * w + xx) * c
                            for k in 0..<c { value[k] += Float(src[base + k]) * weight }
                        }
                        let to = (oy * w + ox) * c
                        for k in 0..<c {
                            var v = value[k]
                            if useMask { v = v * coverage + (1 - coverage) * fillValues[k] }
                            let r = v.rounded(.toNearestOrEven)
                            dst[to + k] = r <= 0 ? 0 : (r >= 255 ? 255 : UInt8(r))
                        }
                    }
                }
            }
        }
        return try makeImage(w, h, c, out)
    }

    /// `image` padded on each side (left, top, right, bottom) with `fill`.
    static func pad(_ image: Image, left: Int, top: Int, right: Int, bottom: Int, fill: UInt8) throws(TransformError) -> Image {
        try crop(image, x: -left, y: -top, width: image.width + left + right, height: image.height + top + bottom, fill: fill)
    }
}
