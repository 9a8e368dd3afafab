import Foundation
import VisionData
import VisionImage
import VisionModelAPI

/// Figures taken from the training images before training: normalisation and channel count.
enum TrainingStatistics {
    /// Per-channel mean and std of the training images after the model's geometry, in [0, 1].
    static func meanAndStd(
        _ items: [DatasetItem], preprocessing: Preprocessing, workers: Int, limits: DecodeLimits
    ) throws -> ([Double], [Double]) {
        let loader = try DataLoader(
            items: items, transform: try PreprocessingTransforms.unnormalised(preprocessing),
            options: LoaderOptions(batchSize: 256, shuffle: false, workers: workers, layout: preprocessing.channels == 1 ? .gray : .rgb, limits: limits))
        var sums: [Double] = [], squares: [Double] = [], count = 0.0
        let iterator = loader.epoch(0)
        while let batch = try iterator.next() {
            guard batch.count > 0 else { continue }
            let (n, c, plane) = (batch.shape[0], batch.shape[1], batch.shape[2] * batch.shape[3])
            if sums.isEmpty { sums = [Double](repeating: 0, count: c); squares = sums }
            for image in 0..<n {
                for channel in 0..<c {
                    let base = (image * c + channel) * plane
                    for i in 0..<plane {
                        let v = Double(batch.images[base + i])
                        sums[channel] += v
                        squares[channel] += v * v
                    }
                }
            }
            count += Double(n * plane)
        }
        guard count > 0 else { throw WorkflowError.noReadableImages(iterator.badImages) }
        let mean = sums.map { $0 / count }
        let std = zip(squares, mean).map { max(($0 / count) - $1 * $1, 1e-12).squareRoot() }
        return (mean, std)
    }

    /// 1 when most of the first training images are stored gray, else 3.
    /// The input channels the training images call for, and why: 1 when most of a sample of 64
    /// store gray, or colour whose R, G and B are equal (gray saved as RGB: three identical
    /// channels only triple the first layer's work); else 3.
    static func majorityChannels(_ items: [DatasetItem]) -> (channels: Int, reason: String) {
        var gray = 0, grayAsColour = 0, colour = 0
        let step = max(1, items.count / 64)
        for index in stride(from: 0, to: items.count, by: step).prefix(64) {
            guard let decoded = try? ImageDecoder.decode(contentsOf: items[index].path) else { continue }
            if decoded.storedChannels <= 2 {
                gray += 1
            } else if decoded.image.storesGrayAsColour() {
                grayAsColour += 1
            } else {
                colour += 1
            }
        }
        let sampled = gray + grayAsColour + colour
        if gray + grayAsColour > colour {
            let how = grayAsColour == 0 ? "store gray" : gray == 0 ? "store gray as RGB (R = G = B)" : "store gray, or gray as RGB (R = G = B)"
            return (1, "\(gray + grayAsColour) of \(sampled) sampled training images \(how)")
        }
        return (3, "\(colour) of \(sampled) sampled training images are in colour")
    }

    /// Inverse-frequency weights from the train split: n / (k · n_c).
    static func inverseFrequencyWeights(_ items: [DatasetItem], classes: Int) -> [Float] {
        var counts = [Int](repeating: 0, count: classes)
        for item in items { counts[item.label] += 1 }
        let n = Float(items.count), k = Float(classes)
        return counts.map { $0 > 0 ? n / (k * Float($0)) : 0 }
    }
}
