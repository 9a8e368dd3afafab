import Foundation
import VisionModelAPI
import VisionNN
import VisionTensor

/// Grad-CAM (Selvaraju et al., 2017): where the model looked. The last feature maps A (the
/// model's `featureMaps`), the gradient of one class's logit with respect to them, each map
/// weighted by its gradient's spatial mean, summed, and negative evidence dropped:
/// heat = ReLU(Σₖ mean(∂yᶜ/∂Aₖ) · Aₖ), scaled so that each image's peak is 1.
public enum GradCAM {
    /// One image's heat: `height × width` values in [0, 1] at the feature maps' resolution,
    /// row-major, for class `explained`, with the class probabilities of the plain forward pass.
    public struct HeatMap: Sendable {
        public var height: Int
        public var width: Int
        public var values: [Float]
        public var explained: Int
        public var probabilities: [Float]

        /// The heat at input pixel (x, y) of an input `inputWidth × inputHeight`, bilinear.
        public func value(x: Double, y: Double, inputWidth: Int, inputHeight: Int) -> Float {
            let fx = (x + 0.5) * Double(width) / Double(inputWidth) - 0.5, fy = (y + 0.5) * Double(height) / Double(inputHeight) - 0.5
            let x0 = min(max(Int(fx.rounded(.down)), 0), width - 1), y0 = min(max(Int(fy.rounded(.down)), 0), height - 1)
            let x1 = min(x0 + 1, width - 1), y1 = min(y0 + 1, height - 1)
            let ax = Float(min(max(fx - Double(x0), 0), 1)), ay = Float(min(max(fy - Double(y0), 0), 1))
            let top = values[y0 * width + x0] * (1 - ax) + values[y0 * width + x1] * ax
            let bottom = values[y1 * width + x0] * (1 - ax) + values[y1 * width + x1] * ax
            return top * (1 - ay) + bottom * ay
        }
    }

    /// Heat maps for a batch of network inputs (N × C × H × W), each for `classes[n]` or, when
    /// nil, the class the model predicts. The model runs in eval mode; its parameters and their
    /// gradients are left as they were.
    public static func heatMaps(_ model: ClassifierModel, inputs: [Float], shape: [Int], classes: [Int]? = nil) throws -> [HeatMap] {
        let wasTraining = model.isTraining
        model.eval()
        defer { model.setTraining(wasTraining) }
        let parameters = model.namedParameters().map(\.tensor)
        let saved = parameters.map { ($0.requiresGrad, $0.grad) }
        for parameter in parameters { parameter.requiresGrad = false }
        defer {
            for (parameter, state) in zip(parameters, saved) {
                parameter.requiresGrad = state.0
                parameter.grad = state.1
            }
        }
        let input = try Tensor(inputs, shape: shape)
        let (maps, plain) = try GradientMode.withoutGradients { () throws -> (Tensor, Tensor) in
            let maps = try model.featureMaps(input)
            return (maps, try model.features(input))
        }
        let leaf = try Tensor(maps.scalars, shape: maps.shape, requiresGrad: true)
        let features = try model.features(fromMaps: leaf)
        // The path through `features(fromMaps:)` must be the model's own: else the heat would
        // explain another network.
        let (a, b) = (features.detached().scalars, plain.scalars)
        let scale = max(b.map(abs).max() ?? 1, 1e-6)
        guard a.count == b.count, zip(a, b).allSatisfy({ abs($0 - $1) <= 1e-3 * scale }) else {
            throw ModelError.featurePathMismatch(model: model.pluginName.isEmpty ? "\(type(of: model))" : model.pluginName)
        }
        let logits = try model.head(features)
        let (n, k) = (logits.shape[0], logits.shape[1])
        let probabilities = try GradientMode.withoutGradients { try softmax(logits.detached(), dimension: 1).scalars }
        let targets = classes ?? (0..<n).map { row in Prediction.ranking(Array(probabilities[(row * k)..<((row + 1) * k)]))[0] }
        var seed = [Float](repeating: 0, count: n * k)
        for (row, target) in targets.enumerated() where (0..<k).contains(target) { seed[row * k + target] = 1 }
        try backward(logits, seed: try Tensor(seed, shape: [n, k]))
        guard let gradient = leaf.grad?.scalars else { throw TensorError.invalidArgument(op: "gradcam", detail: "no gradient reached the feature maps") }
        let values = leaf.scalars
        let (channels, height, width) = (maps.shape[1], maps.shape[2], maps.shape[3])
        let plane = height * width
        return (0..<n).map { image in
            var heat = [Float](repeating: 0, count: plane)
            for channel in 0..<channels {
                let base = (image * channels + channel) * plane
                var weight: Float = 0
                for i in 0..<plane { weight += gradient[base + i] }
                weight /= Float(plane)
                for i in 0..<plane { heat[i] += weight * values[base + i] }
            }
            let peak = heat.max() ?? 0
            heat = heat.map { peak > 0 ? max($0, 0) / peak : 0 }
            return HeatMap(
                height: height, width: width, values: heat, explained: targets[image],
                probabilities: Array(probabilities[(image * k)..<((image + 1) * k)]))
        }
    }
}
