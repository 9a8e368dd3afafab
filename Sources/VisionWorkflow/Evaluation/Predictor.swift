import Foundation
import VisionData
import VisionImage
import VisionModelAPI
import VisionNN
import VisionTensor

/// One input's outcome: class probabilities, or why the file could not be used.
public struct Prediction: Sendable {
    public var path: String
    /// Softmax probabilities in the model's class order; nil when the file failed.
    public var probabilities: [Float]?
    public var error: String?

    /// Class indices from the most to the least probable (the first is the argmax).
    public var ranking: [Int] {
        guard let probabilities else { return [] }
        return probabilities.indices.sorted { probabilities[$0] > probabilities[$1] || (probabilities[$0] == probabilities[$1] && $0 < $1) }
    }
}

/// Runs a saved model on image files, in batches, with the preprocessing stored in the model
/// file. An unreadable file gives an error for that file and the rest go on.
public final class Predictor {
    public let classes: [String]
    public let preprocessing: Preprocessing
    private let model: Module
    private let transform: Compose
    /// What one image's decode may cost; an image over them is that file's error.
    public let limits: DecodeLimits
    /// Images per forward pass at most, from the activation budget.
    private let largestBatch: Int

    public init(_ loaded: LoadedModel, limits: DecodeLimits = .standard, memoryBudget: Int = InferenceMemory.defaultBudget) throws {
        self.limits = limits
        let perImage = try InferenceMemory.check(
            loaded.model, preprocessing: loaded.metadata.preprocessing, name: loaded.metadata.model.plugin, path: loaded.path,
            budget: memoryBudget)
        largestBatch = InferenceMemory.batchSize(requested: .max, bytesPerImage: perImage, budget: memoryBudget)
        model = loaded.model
        classes = loaded.metadata.classes
        preprocessing = loaded.metadata.preprocessing
        transform = try PreprocessingTransforms.evaluation(preprocessing)
    }

    /// Predictions for `paths`, in order; `batchSize` images per forward pass.
    public func predict(_ paths: [String], batchSize: Int = 64) throws -> [Prediction] {
        var results: [Prediction] = []
        let layout: ChannelLayout = preprocessing.channels == 1 ? .gray : .rgb
        let options = DecodeOptions(layout: layout, sizeHint: transform.decodeSizeHint, limits: limits)
        var start = 0
        while start < paths.count {
            let chunk = Array(paths[start..<min(start + max(min(batchSize, largestBatch), 1), paths.count)])
            start += chunk.count
            var inputs: [Float] = []
            var ready: [Int] = []
            var chunkResults = chunk.map { Prediction(path: $0, probabilities: nil, error: nil) }
            for (index, path) in chunk.enumerated() {
                do {
                    let image = try ImageDecoder.decode(contentsOf: path, options: options).image
                    var generator = RandomGenerator(seed: 0)
                    guard case .tensor(let tensor) = try transform.apply(.image(image), using: &generator) else { continue }
                    inputs += tensor.values
                    ready.append(index)
                } catch {
                    chunkResults[index].error = "\(error)"
                }
            }
            if !ready.isEmpty {
                let shape = [ready.count, preprocessing.channels, preprocessing.inputSize.height, preprocessing.inputSize.width]
                let probabilities = try GradientMode.withoutGradients {
                    try softmax(model(try Tensor(inputs, shape: shape)), dimension: 1).scalars
                }
                let k = classes.count
                for (row, index) in ready.enumerated() {
                    chunkResults[index].probabilities = Array(probabilities[(row * k)..<((row + 1) * k)])
                }
            }
            results += chunkResults
        }
        return results
    }
}
