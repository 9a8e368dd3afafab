/// A pooling window over NCHW input.
public struct PoolingGeometry: Hashable, Sendable {
    public var batch: Int
    public var channels: Int
    public var inputHeight: Int
    public var inputWidth: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var strideHeight: Int
    public var strideWidth: Int
    public var paddingHeight: Int
    public var paddingWidth: Int

    public var outputHeight: Int { (inputHeight + 2 * paddingHeight - kernelHeight) / strideHeight + 1 }
    public var outputWidth: Int { (inputWidth + 2 * paddingWidth - kernelWidth) / strideWidth + 1 }
    public var inputShape: [Int] { [batch, channels, inputHeight, inputWidth] }
    public var outputShape: [Int] { [batch, channels, outputHeight, outputWidth] }

    func validate(_ op: String) throws(TensorError) {
        guard kernelHeight > 0, kernelWidth > 0, strideHeight > 0, strideWidth > 0 else {
            throw .invalidArgument(op: op, detail: "expected a positive kernel and stride")
        }
        // PyTorch: padding must be at most half the kernel, so every window touches the image.
        guard paddingHeight >= 0, paddingWidth >= 0, 2 * paddingHeight <= kernelHeight, 2 * paddingWidth <= kernelWidth else {
            throw .invalidArgument(
                op: op, detail: "expected padding at most half the kernel (\(kernelHeight)×\(kernelWidth)), got \(paddingHeight)×\(paddingWidth)")
        }
        guard inputHeight + 2 * paddingHeight >= kernelHeight, inputWidth + 2 * paddingWidth >= kernelWidth else {
            throw .shapeMismatch(
                op: op, expected: "an input of at least \(kernelHeight - 2 * paddingHeight)×\(kernelWidth - 2 * paddingWidth)",
                got: inputShape)
        }
    }
}

/// Plain-loop pooling.
enum ReferencePooling {
    /// Max pooling; `argmax` receives the flat input index of each output's maximum (the first
    /// in row-major window order on ties, as PyTorch does). Padding acts as -inf.
    static func maxForward(_ g: PoolingGeometry, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                           argmax: UnsafeMutablePointer<Int32>) {
        let oh = g.outputHeight, ow = g.outputWidth
        for plane in 0..<(g.batch * g.channels) {
            let base = plane * g.inputHeight * g.inputWidth
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var best = -Float.infinity
                    var bestIndex = -1
                    for ky in 0..<g.kernelHeight {
                        let iy = oy * g.strideHeight - g.paddingHeight + ky
                        if iy < 0 || iy >= g.inputHeight { continue }
                        for kx in 0..<g.kernelWidth {
                            let ix = ox * g.strideWidth - g.paddingWidth + kx
                            if ix < 0 || ix >= g.inputWidth { continue }
                            let value = input[base + iy * g.inputWidth + ix]
                            if value > best || bestIndex < 0 || value.isNaN {
                                best = value
                                bestIndex = base + iy * g.inputWidth + ix
                            }
                        }
                    }
                    let o = (plane * oh + oy) * ow + ox
                    output[o] = best
                    argmax[o] = Int32(bestIndex)
                }
            }
        }
    }

    /// Average pooling; `includePadding` divides by the full window, else by the cells inside.
    static func averageForward(_ g: PoolingGeometry, includePadding: Bool, input: UnsafePointer<Float>,
                               output: UnsafeMutablePointer<Float>) {
        forEachWindow(g, includePadding: includePadding) { o, cells, divisor in
            var sum: Float = 0
            for i in cells { sum += input[i] }
            output[o] = sum / divisor
        }
    }

    static func averageBackward(_ g: PoolingGeometry, includePadding: Bool, gradOutput: UnsafePointer<Float>,
                                gradInput: UnsafeMutablePointer<Float>) {
        forEachWindow(g, includePadding: includePadding) { o, cells, divisor in
            let share = gradOutput[o] / divisor
            for i in cells { gradInput[i] += share }
        }
    }

    private static func forEachWindow(_ g: PoolingGeometry, includePadding: Bool,
                                      _ body: (_ output: Int, _ cells: [Int], _ divisor: Float) -> Void) {
        let oh = g.outputHeight, ow = g.outputWidth
        var cells: [Int] = []
        for plane in 0..<(g.batch * g.channels) {
            let base = plane * g.inputHeight * g.inputWidth
            for oy in 0..<oh {
                for ox in 0..<ow {
                    cells.removeAll(keepingCapacity: true)
                    let y0 = oy * g.strideHeight - g.paddingHeight, x0 = ox * g.strideWidth - g.paddingWidth
                    for iy in max(y0, 0)..<min(y0 + g.kernelHeight, g.inputHeight) {
                        for ix in max(x0, 0)..<min(x0 + g.kernelWidth, g.inputWidth) {
                            cells.append(base + iy * g.inputWidth + ix)
                        }
                    }
                    // PyTorch counts padded cells only inside the padded image (not past it).
                    let padY = min(y0 + g.kernelHeight, g.inputHeight + g.paddingHeight) - y0
                    let padX = min(x0 + g.kernelWidth, g.inputWidth + g.paddingWidth) - x0
                    let divisor = includePadding ? Float(padY * padX) : Float(cells.count)
                    body((plane * oh + oy) * ow + ox, cells, divisor)
                }
            }
        }
    }
}
