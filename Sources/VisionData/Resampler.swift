import VisionImage

/// Separable bilinear resampling with precomputed weights.
///
/// Antialiased (default when shrinking) it is Pillow's `ImagingResample` (Resample.c): the
/// triangle filter widened by the scale factor, weights normalised per output pixel, 8-bit
/// passes in 22-bit fixed point, horizontal pass first, an 8-bit intermediate, then the vertical
/// pass. That is what torchvision's `Resize` does on PIL images, and torchvision's uint8 tensor
/// antialias path is a port of it. Without antialias it is two-tap bilinear with half-pixel
/// centres (`align_corners=False`), PyTorch's `interpolate(mode="bilinear")`.
struct ResampleWeights {
    /// First source index and tap count per output index.
    var start: [Int]
    var count: [Int]
    /// `taps` weights per output index (zero-padded).
    var taps: Int
    var weights: [Double]
    var fixed: [Int32]

    static let precisionBits = 22

    /// Weights mapping `inSize` source samples onto `outSize` outputs.
    init(inSize: Int, outSize: Int, antialias: Bool) {
        let scale = Double(inSize) / Double(outSize)
        start = [Int](repeating: 0, count: outSize)
        count = [Int](repeating: 0, count: outSize)
        if antialias {
            let filterScale = max(scale, 1.0)
            let support = 1.0 * filterScale  // the triangle filter's support is 1
            taps = Int(_ceil(support)) * 2 + 1
            weights = [Double](repeating: 0, count: outSize * taps)
            let inverse = 1.0 / filterScale
            for x in 0..<outSize {
                let center = (Double(x) + 0.5) * scale
                let low = max(Int(center - support + 0.5), 0)
                let high = min(Int(center + support + 0.5), inSize)
                let n = max(high - low, 0)
                var total = 0.0
                for i in 0..<n {
                    let t = abs((Double(i + low) - center + 0.5) * inverse)
                    let w = t < 1 ? 1 - t : 0
                    weights[x * taps + i] = w
                    total += w
                }
                if total != 0 { for i in 0..<n { weights[x * taps + i] /= total } }
                start[x] = low
                count[x] = n
            }
        } else {
            taps = 2
            weights = [Double](repeating: 0, count: outSize * 2)
            for x in 0..<outSize {
                let source = max((Double(x) + 0.5) * scale - 0.5, 0)
                let i0 = min(Int(source), inSize - 1)
                let i1 = min(i0 + 1, inSize - 1)
                let l1 = i1 == i0 ? 0 : source - Double(i0)
                start[x] = i0
                count[x] = i1 - i0 + 1
                weights[x * 2] = 1 - l1
                if i1 != i0 { weights[x * 2 + 1] = l1 }
            }
        }
        let one = Double(1 << ResampleWeights.precisionBits)
        fixed = weights.map { w in Int32(w < 0 ? -0.5 + w * one : 0.5 + w * one) }
    }
}

enum Resampler {
    /// `image` (or its `box` = x, y, width, height) resized to `width`×`height`. A box is a crop
    /// first: samples outside it are never read, as torchvision's crop-then-resize.
    static func resize(
        _ image: Image, width: Int, height: Int, box: (x: Int, y: Int, width: Int, height: Int)? = nil, antialias: Bool = true
    ) throws(TransformError) -> Image {
        let region = box ?? (0, 0, image.width, image.height)
        guard width > 0, height > 0, region.width > 0, region.height > 0 else {
            throw .invalidParameter(
                transform: "Resize", detail: "expected positive sizes, got \(region.width)×\(region.height) → \(width)×\(height)")
        }
        let channels = image.channels
        if region.width == width && region.height == height {
            if region.x == 0 && region.y == 0 && width == image.width && height == image.height { return image }
            return try Geometry.crop(image, x: region.x, y: region.y, width: width, height: height)
        }
        let needHorizontal = region.width != width
        let needVertical = region.height != height
        let horizontal = ResampleWeights(inSize: region.width, outSize: width, antialias: antialias)
        let vertical = ResampleWeights(inSize: region.height, outSize: height, antialias: antialias)

        // Horizontal pass over only the rows the vertical pass will read.
        var rows = image.pixels
        var rowWidth = image.width
        var rowX = region.x
        var firstRow = region.y
        var rowCount = image.height
        if needHorizontal {
            let first = needVertical ? vertical.start[0] : 0
            let last = needVertical ? vertical.start[height - 1] + vertical.count[height - 1] : region.height
            firstRow = region.y + first
            rowCount = last - first
            var out = [UInt8](repeating: 0, count: width * rowCount * channels)
            image.pixels.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    horizontal.fixed.withUnsafeBufferPointer { k in
                        horizontalPass(
                            src: src, srcWidth: image.width, srcX: region.x, srcY: firstRow, rows: rowCount,
                            channels: channels, dst: dst, outWidth: width, weights: horizontal, k: k)
                    }
                }
            }
            rows = out
            rowWidth = width
            rowX = 0
        } else {
            firstRow = 0
            rowCount = image.height
        }
        guard needVertical else {
            if rowCount == height && rowWidth == width { return try makeImage(width, height, channels, rows) }
            return try Geometry.crop(
                try makeImage(rowWidth, rowCount, channels, rows), x: rowX, y: region.y - firstRow, width: width, height: height)
        }
        // Vertical pass; `offset` maps the box's row 0 onto the intermediate rows.
        let offset = (region.y - firstRow)
        var out = [UInt8](repeating: 0, count: width * height * channels)
        let rowSamples = width * channels
        var accumulator = [Int32](repeating: 0, count: rowSamples)
        rows.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                accumulator.withUnsafeMutableBufferPointer { acc in
                    vertical.fixed.withUnsafeBufferPointer { k in
                        guard let source = src.baseAddress, let target = dst.baseAddress, let sum = acc.baseAddress,
                            let kernel = k.baseAddress
                        else { return }
                        let half = Int32(1 << (ResampleWeights.precisionBits - 1))
                        let stride = rowWidth &* channels
                        // Wrapping arithmetic throughout: no overflow traps, so the row loops vectorise.
                        for y in 0..<height {
                            for i in 0..<rowSamples { sum[i] = half }
                            let n = vertical.count[y]
                            let first = source + ((vertical.start[y] &+ offset) &* stride &+ rowX &* channels)
                            for t in 0..<n {
                                let w = kernel[y &* vertical.taps &+ t]
                                let row = first + t &* stride
                                for i in 0..<rowSamples { sum[i] = sum[i] &+ Int32(row[i]) &* w }
                            }
                            let line = target + y &* rowSamples
                            for i in 0..<rowSamples { line[i] = clip8(sum[i]) }
                        }
                    }
                }
            }
        }
        return try makeImage(width, height, channels, out)
    }

    @inline(__always)
    static func clip8(_ value: Int32) -> UInt8 {
        let shifted = value >> Int32(ResampleWeights.precisionBits)
        return shifted <= 0 ? 0 : (shifted >= 255 ? 255 : UInt8(truncatingIfNeeded: shifted))
    }

    private static func horizontalPass(
        src: UnsafeBufferPointer<UInt8>, srcWidth: Int, srcX: Int, srcY: Int, rows: Int, channels: Int,
        dst: UnsafeMutableBufferPointer<UInt8>, outWidth: Int, weights: ResampleWeights, k: UnsafeBufferPointer<Int32>
    ) {
        let half = Int32(1 << (ResampleWeights.precisionBits - 1))
        let taps = weights.taps
        guard let source = src.baseAddress, let target = dst.baseAddress, let kernel = k.baseAddress else { return }
        weights.start.withUnsafeBufferPointer { starts in
            weights.count.withUnsafeBufferPointer { counts in
                for y in 0..<rows {
                    let srcRow = source + ((srcY &+ y) &* srcWidth &+ srcX) &* channels
                    let dstRow = target + y &* outWidth &* channels
                    for x in 0..<outWidth {
                        let first = srcRow + starts[x] &* channels
                        let n = counts[x]
                        let kx = kernel + x &* taps
                        if channels == 3 {
                            var r = half, g = half, b = half
                            var p = first
                            for t in 0..<n {
                                let w = kx[t]
                                r = r &+ Int32(p[0]) &* w
                                g = g &+ Int32(p[1]) &* w
                                b = b &+ Int32(p[2]) &* w
                                p += 3
                            }
                            let d = dstRow + x &* 3
                            d[0] = clip8(r)
                            d[1] = clip8(g)
                            d[2] = clip8(b)
                        } else {
                            for c in 0..<channels {
                                var sum = half
                                for t in 0..<n { sum = sum &+ Int32(first[t &* channels &+ c]) &* kx[t] }
                                dstRow[x &* channels &+ c] = clip8(sum)
                            }
                        }
                    }
                }
            }
        }
    }

    /// A float C×H×W image resized with the same weights, in float arithmetic (no rounding).
    static func resize(_ tensor: FloatImage, width: Int, height: Int, antialias: Bool = true) throws(TransformError) -> FloatImage {
        guard width > 0, height > 0, tensor.width > 0, tensor.height > 0 else {
            throw .invalidParameter(
                transform: "Resize", detail: "expected positive sizes, got \(tensor.width)×\(tensor.height) → \(width)×\(height)")
        }
        let h = ResampleWeights(inSize: tensor.width, outSize: width, antialias: antialias)
        let v = ResampleWeights(inSize: tensor.height, outSize: height, antialias: antialias)
        let hw = h.weights.map { Float($0) }, vw = v.weights.map { Float($0) }
        var temp = [Float](repeating: 0, count: tensor.channels * tensor.height * width)
        var out = [Float](repeating: 0, count: tensor.channels * height * width)
        tensor.values.withUnsafeBufferPointer { src in
            temp.withUnsafeMutableBufferPointer { mid in
                for c in 0..<tensor.channels {
                    for y in 0..<tensor.height {
                        let row = (c * tensor.height + y) * tensor.width
                        for x in 0..<width {
                            var sum: Float = 0
                            for t in 0..<h.count[x] { sum += src[row + h.start[x] + t] * hw[x * h.taps + t] }
                            mid[(c * tensor.height + y) * width + x] = sum
                        }
                    }
                }
            }
        }
        temp.withUnsafeBufferPointer { mid in
            out.withUnsafeMutableBufferPointer { dst in
                for c in 0..<tensor.channels {
                    for y in 0..<height {
                        for x in 0..<width {
                            var sum: Float = 0
                            for t in 0..<v.count[y] { sum += mid[(c * tensor.height + v.start[y] + t) * width + x] * vw[y * v.taps + t] }
                            dst[(c * height + y) * width + x] = sum
                        }
                    }
                }
            }
        }
        return FloatImage(unchecked: tensor.channels, height: height, width: width, values: out)
    }
}
