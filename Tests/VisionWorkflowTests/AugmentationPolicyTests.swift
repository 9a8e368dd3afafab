import Testing
import VisionData
import VisionImage
import VisionModelAPI
@testable import VisionWorkflow

/// `--augment` and `--augment-preset`: parsing, presets, and a pipeline that is seeded and the
/// same whatever the worker count.
@Suite struct AugmentationPolicyTests {
    @Test func presetsAndItems() throws {
        let defects = try AugmentationPolicy(preset: .defects, items: "noise=0.02, erase=0.25")
        #expect(defects.horizontalFlip && defects.verticalFlip && defects.quarterTurns && defects.brightness == 0.1)
        #expect(defects.noise == 0.02 && defects.erase == 0.25)
        let natural = try AugmentationPolicy(preset: .natural, items: "scale=0.5-0.9,rotate=15")
        #expect(natural.scale == 0.5...0.9 && natural.horizontalFlip && natural.rotate == 15 && !natural.verticalFlip)
        #expect(try AugmentationPolicy(preset: nil, items: nil) == AugmentationPolicy())
        #expect(AugmentationPolicy().summary == "none")
        for (item, message) in [("twirl", "hflip, vflip, rot90"), ("scale=0.9-0.1", "scale=LO-HI"), ("noise=2", "noise=V with V in 0.0...1.0")] {
            #expect { _ = try AugmentationPolicy(preset: nil, items: item) } throws: { error in
                "\(error)".contains(message) && "\(error)".contains("augment")
            }
        }
    }

    @Test func theTrainingPipelineIsSeededAndKeepsTheInputShape() throws {
        var preprocessing = Preprocessing(inputSize: InputSize(height: 16, width: 24), channels: 3, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25])
        preprocessing.resize = .stretch
        let policy = try AugmentationPolicy(preset: .defects, items: "scale=0.7-1.0,rotate=10,noise=0.05,erase=0.5")
        let pipeline = try PreprocessingTransforms.training(preprocessing, cropPadding: 0, flip: false, augment: policy)
        var pixels = [UInt8](repeating: 0, count: 40 * 30 * 3)
        for i in pixels.indices { pixels[i] = UInt8(i % 251) }
        let image = try Image(width: 40, height: 30, channels: 3, pixels: pixels)
        func run(_ seed: UInt64) throws -> [Float] {
            var generator = RandomGenerator(seed: seed)
            guard case .tensor(let tensor) = try pipeline.apply(.image(image), using: &generator) else { return [] }
            #expect(tensor.channels == 3 && tensor.height == 16 && tensor.width == 24)
            return tensor.values
        }
        #expect(try run(7) == run(7))
        #expect(try run(7) != run(8))
    }
}
