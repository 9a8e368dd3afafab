import Foundation
import VisionData
import VisionImage
import VisionModelAPI

/// Figures taken from the training images before training: normalisation and class weights.
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

    /// Inverse-frequency weights from the train split: n / (k · n_c).
    static func inverseFrequencyWeights(_ items: [DatasetItem], classes: Int) -> [Float] {
        var counts = [Int](repeating: 0, count: classes)
        for item in items { counts[item.label] += 1 }
        let n = Float(items.count), k = Float(classes)
        return counts.map { $0 > 0 ? n / (k * Float($0)) : 0 }
    }
}
