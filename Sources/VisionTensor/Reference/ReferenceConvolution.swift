/// Plain-loop convolution: the readable definition the oneDNN path is tested against.
enum ReferenceConvolution {
    static func forward(_ g: ConvolutionGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                        bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        let oh = g.outputHeight, ow = g.outputWidth
        let cinG = g.inputChannels / g.groups, coutG = g.outputChannels / g.groups
        for n in 0..<g.batch {
            for oc in 0..<g.outputChannels {
                let group = oc / coutG
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var sum: Float = bias?[oc] ?? 0
                        for icg in 0..<cinG {
                            let ic = group * cinG + icg
                            for ky in 0..<g.kernelHeight {
                                let iy = oy * g.strideHeight - g.paddingHeight + ky * g.dilationHeight
                                if iy < 0 || iy >= g.inputHeight { continue }
                                for kx in 0..<g.kernelWidth {
                                    let ix = ox * g.strideWidth - g.paddingWidth + kx * g.dilationWidth
                                    if ix < 0 || ix >= g.inputWidth { continue }
                                    let x = input[((n * g.inputChannels + ic) * g.inputHeight + iy) * g.inputWidth + ix]
                                    let w = weight[((oc * cinG + icg) * g.kernelHeight + ky) * g.kernelWidth + kx]
                                    sum += x * w
                                }
                            }
                        }
                        output[((n * g.outputChannels + oc) * oh + oy) * ow + ox] = sum
                    }
                }
            }
        }
    }

    /// Accumulates dL/dinput (if given) and dL/dweight, dL/dbias (if given); all start at zero.
    static func backward(_ g: ConvolutionGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                         gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                         gradWeight: UnsafeMutablePointer<Float>?, gradBias: UnsafeMutablePointer<Float>?) {
        let oh = g.outputHeight, ow = g.outputWidth
        let cinG = g.inputChannels / g.groups, coutG = g.outputChannels / g.groups
        for n in 0..<g.batch {
            for oc in 0..<g.outputChannels {
                let group = oc / coutG
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        let go = gradOutput[((n * g.outputChannels + oc) * oh + oy) * ow + ox]
                        gradBias?[oc] += go
                        for icg in 0..<cinG {
                            let ic = group * cinG + icg
                            for ky in 0..<g.kernelHeight {
                                let iy = oy * g.strideHeight - g.paddingHeight + ky * g.dilationHeight
                                if iy < 0 || iy >= g.inputHeight { continue }
                                for kx in 0..<g.kernelWidth {
                                    let ix = ox * g.strideWidth - g.paddingWidth + kx * g.dilationWidth
                                    if ix < 0 || ix >= g.inputWidth { continue }
                                    let xi = ((n * g.inputChannels + ic) * g.inputHeight + iy) * g.inputWidth + ix
                                    let wi = ((oc * cinG + icg) * g.kernelHeight + ky) * g.kernelWidth + kx
                                    gradInput?[xi] += go * weight[wi]
                                    gradWeight?[wi] += go * input[xi]
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
