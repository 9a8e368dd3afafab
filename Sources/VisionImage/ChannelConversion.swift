extension Image {
    /// The image in another channel layout. Gray from colour uses ITU-R 601-2 luma, as Pillow's
    /// `convert("L")` does; dropping alpha keeps the colour samples (no compositing), as Pillow's
    /// `convert("RGB")` does; added alpha is opaque.
    public func converted(to layout: ChannelLayout) -> Image {
        guard let target = layout.channelCount, target != channels else { return self }
        let count = width * height
        var out = [UInt8](repeating: 255, count: count * target)
        let c = channels
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<count {
                    let s = i * c
                    let gray: UInt8
                    let r: UInt8, g: UInt8, b: UInt8
                    if c <= 2 {
                        gray = src[s]
                        (r, g, b) = (gray, gray, gray)
                    } else {
                        (r, g, b) = (src[s], src[s + 1], src[s + 2])
                        gray = Image.luma(r, g, b)
                    }
                    let alpha: UInt8 = c == 2 ? src[s + 1] : (c == 4 ? src[s + 3] : 255)
                    let d = i * target
                    switch target {
                    case 1:
                        dst[d] = gray
                    case 3:
                        dst[d] = r
                        dst[d + 1] = g
                        dst[d + 2] = b
                    default:
                        dst[d] = r
                        dst[d + 1] = g
                        dst[d + 2] = b
                        dst[d + 3] = alpha
                    }
                }
            }
        }
        return Image(unchecked: width, height: height, channels: target, pixels: out)
    }

    /// Pillow's integer luma: (R·19595 + G·38470 + B·7471 + 0x8000) >> 16.
    @inline(__always)
    static func luma(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        UInt8(truncatingIfNeeded: (Int(r) * 19595 + Int(g) * 38470 + Int(b) * 7471 + 0x8000) >> 16)
    }
}
