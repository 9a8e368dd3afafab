import Foundation
import VisionData
import VisionImage
import VisionModelAPI

/// Heat maps for the report's most confident mistakes: why the model said what it said.
public enum MistakeHeatMaps {
    /// Overlays (at most `side` pixels on the longer side) for each readable path, of the class
    /// the model predicted; empty when the model has no convolutional feature maps.
    public static func render(
        _ model: ClassifierModel, preprocessing p: Preprocessing, paths: [String], limits: DecodeLimits = .standard, side: Int = 128
    ) -> [String: Image] {
        guard let transform = try? PreprocessingTransforms.evaluation(p) else { return [:] }
        let options = DecodeOptions(layout: p.channels == 1 ? .gray : .rgb, sizeHint: transform.decodeSizeHint, limits: limits)
        var out: [String: Image] = [:]
        for path in paths {
            var generator = RandomGenerator(seed: 0)
            guard let decoded = try? ImageDecoder.decode(contentsOf: path, options: options),
                case .tensor(let tensor)? = try? transform.apply(.image(decoded.image), using: &generator)
            else { continue }
            let heat: GradCAM.HeatMap
            do {
                guard let first = try GradCAM.heatMaps(model, inputs: tensor.values, shape: [1, p.channels, p.inputSize.height, p.inputSize.width]).first else { continue }
                heat = first
            } catch {
                return [:]  // no feature maps: the same for every image
            }
            guard let image = try? HeatMapImage.render(input: tensor.values, preprocessing: p, heat: heat, minimumSide: 1) else { continue }
            out[path] = (try? RunReport.shrunk(image, toSide: side)) ?? image
        }
        return out
    }
}
