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
    public var ranking: [Int] { probabilities.map(Self.ranking) ?? [] }

    /// Class indices from the most to the least probable; ties keep the lower index first.
    public static func ranking(_ probabilities: [Float]) -> [Int] {
        probabilities.indices.sorted { probabilities[$0] > probabilities[$1] || (probabilities[$0] == probabilities[$1] && $0 < $1) }
    }
}

/// Runs a saved model on image files, in batches, with the preprocessing stored in the model
/// file. An unreadable file gives an error for that file and the rest go on.
/// Sendable by contract: its properties never change and `input(fromEncoded:)` may run on any
/// thread; `probabilities` (the network) must have one caller at a time, which the server's
/// micro-batcher guarantees by running it on one queue.
public final class Predictor: @unchecked Sendable {
    public let classes: [String]
    public let preprocessing: Preprocessing
    /// The model file's defect threshold, when it has one.
    public let operatingPoint: OperatingPoint?
    private let model: Module
    /// The model's forward passes, replayed from recorded plans for the batch sizes that recur
    /// (a server's single images, a folder's full batches).
    private let planned: PlannedInference
    private let transform: Compose
    /// What one image's decode may cost; an image over them is that file's error.
    public let limits: DecodeLimits
    /// Images per forward pass at most, from the activation budget.
    private let largestBatch: Int

    /// The views each image's softmax is averaged over (`--tta`); nil for one plain pass.
    public let tta: TestTimeAugmentation?

    /// `testTimeAugmentation` averages over the views the model was trained with (none when it
    /// was trained without flips or turns: `tta` then stays nil).
    public init(
        _ loaded: LoadedModel, limits: DecodeLimits = .standard, memoryBudget: Int = InferenceMemory.defaultBudget,
        testTimeAugmentation: Bool = false
    ) throws {
        self.limits = limits
        tta = testTimeAugmentation ? TestTimeAugmentation(for: loaded.metadata) : nil
        operatingPoint = loaded.metadata.operatingPoint
        let perImage = try InferenceMemory.check(
            loaded.model, preprocessing: loaded.metadata.preprocessing, name: loaded.metadata.model.plugin, path: loaded.path,
            budget: memoryBudget)
        largestBatch = InferenceMemory.batchSize(requested: .max, bytesPerImage: perImage, budget: memoryBudget)
        model = loaded.model
        planned = PlannedInference(loaded.model)
        classes = loaded.metadata.classes
        preprocessing = loaded.metadata.preprocessing
        transform = try PreprocessingTransforms.evaluation(preprocessing)
    }

    /// The largest number of images one forward pass may take (the activation budget's).
    public var maximumBatch: Int { largestBatch }

    /// How files are decoded for this model: its channels, its size hint, the limits.
    public var decodeOptions: DecodeOptions {
        DecodeOptions(layout: preprocessing.channels == 1 ? .gray : .rgb, sizeHint: transform.decodeSizeHint, limits: limits)
    }

    /// One image's network input (C × H × W floats) from encoded bytes: decoded within the
    /// limits and preprocessed as the model file says. Safe to call from several threads.
    public func input(fromEncoded bytes: [UInt8], source: String) throws -> [Float] {
        try input(from: ImageDecoder.decode(bytes, source: source, options: decodeOptions).image)
    }

    /// Encoded bytes decoded as this model decodes them (within the limits).
    public func decode(_ bytes: [UInt8], source: String) throws -> DecodedImage {
        try ImageDecoder.decode(bytes, source: source, options: decodeOptions)
    }

    /// A decoded image's network input (C × H × W floats), preprocessed as the model file says.
    public func input(from image: Image) throws -> [Float] {
        var generator = RandomGenerator(seed: 0)
        guard case .tensor(let tensor) = try transform.apply(.image(image), using: &generator) else {
            throw TransformError.invalidParameter(transform: "preprocessing", detail: "it did not end in a tensor")
        }
        return tensor.values
    }

    /// Class probabilities for each input, in one forward pass. Not reentrant: one caller at a
    /// time (the network keeps per-call state).
    public func probabilities(_ inputs: [[Float]]) throws -> [[Float]] {
        guard !inputs.isEmpty else { return [] }
        let shape = [inputs.count, preprocessing.channels, preprocessing.inputSize.height, preprocessing.inputSize.width]
        let flat = try tta?.probabilities(model, images: Array(inputs.joined()), shape: shape) ?? GradientMode.withoutGradients {
            try softmax(planned(try Tensor(Array(inputs.joined()), shape: shape)), dimension: 1).scalars
        }
        let k = classes.count
        return (0..<inputs.count).map { Array(flat[($0 * k)..<(($0 + 1) * k)]) }
    }

    /// Predictions for `paths`, in order; `batchSize` images per forward pass.
    public func predict(_ paths: [String], batchSize: Int = 64) throws -> [Prediction] {
        var results: [Prediction] = []
        let options = decodeOptions
        var start = 0
        while start < paths.count {
            let chunk = Array(paths[start..<min(start + max(min(batchSize, largestBatch), 1), paths.count)])
            start += chunk.count
            var inputs: [[Float]] = []
            var ready: [Int] = []
            var chunkResults = chunk.map { Prediction(path: $0, probabilities: nil, error: nil) }
            for (index, path) in chunk.enumerated() {
                do {
                    inputs.append(try input(from: ImageDecoder.decode(contentsOf: path, options: options).image))
                    ready.append(index)
                } catch {
                    chunkResults[index].error = "\(error)"
                }
            }
            for (row, probabilities) in try probabilities(inputs).enumerated() {
                chunkResults[ready[row]].probabilities = probabilities
            }
            results += chunkResults
        }
        return results
    }
}
