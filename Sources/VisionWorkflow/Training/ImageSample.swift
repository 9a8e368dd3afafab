import VisionData
import VisionImage
import VisionModelAPI

/// What a sample of the training images says about the input the model should take: how many
/// store gray, gray as RGB (R = G = B) or colour, and their sizes.
struct ImageSample {
    var gray = 0, grayAsColour = 0, colour = 0
    /// Decoded sizes (EXIF orientation applied), one per image read.
    var sizes: [InputSize] = []

    /// Up to `count` images spread evenly over `items`; unreadable ones are left out (the
    /// loader reports them later under the run's bad-image policy).
    static func of(_ items: [DatasetItem], count: Int = 64, limits: DecodeLimits = .standard) -> ImageSample {
        var sample = ImageSample()
        let step = max(1, items.count / count)
        for index in stride(from: 0, to: items.count, by: step).prefix(count) {
            guard let decoded = try? ImageDecoder.decode(contentsOf: items[index].path, options: DecodeOptions(limits: limits)) else { continue }
            if decoded.storedChannels <= 2 {
                sample.gray += 1
            } else if decoded.image.storesGrayAsColour() {
                sample.grayAsColour += 1
            } else {
                sample.colour += 1
            }
            sample.sizes.append(InputSize(height: decoded.image.height, width: decoded.image.width))
        }
        return sample
    }

    var count: Int { sizes.count }

    /// The median width and the median height; nil when nothing could be read.
    var medianSize: InputSize? {
        guard !sizes.isEmpty else { return nil }
        func median(_ values: [Int]) -> Int {
            let sorted = values.sorted()
            return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
        return InputSize(height: median(sizes.map(\.height)), width: median(sizes.map(\.width)))
    }

    /// 1 when most of the sample stores gray, or colour whose R, G and B are equal (gray saved
    /// as RGB: three identical channels only triple the first layer's work); else 3. With why.
    var channels: (channels: Int, reason: String) {
        if gray + grayAsColour > colour {
            let how = grayAsColour == 0 ? "store gray" : gray == 0 ? "store gray as RGB (R = G = B)" : "store gray, or gray as RGB (R = G = B)"
            return (1, "\(gray + grayAsColour) of \(count) sampled training images \(how)")
        }
        return (3, "\(colour) of \(count) sampled training images are in colour")
    }
}
