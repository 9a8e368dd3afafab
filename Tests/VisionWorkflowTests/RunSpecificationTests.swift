import Foundation
import SafeTensors
import Testing
import VisionData
import VisionImage
import VisionModelAPI
import VisionTestSupport
import VisionWorkflow

/// The run specification: one Codable configuration, strict keys, file:line errors, and the
/// YAML the run writes reading back to the same configuration.
@Suite struct RunSpecificationTests {
    func write(_ text: String) throws -> String {
        let path = try Fixtures.temporaryDirectory() + "/train.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aConfigFileIsAppliedOverTheDefaultsAndReadsBackWhatTheRunWrote() throws {
        let path = try write("model: defectnet\nmodel_config: {width: 32, stages: 3}\nepochs: 4\nimage_size: 96x64\nlr: 0.01\nflip: true\nmonitor: f1_macro\nresize: letterbox\n")
        let c = try ConfigurationFile.load(path)
        #expect(c.model == "defectnet" && c.epochs == 4 && c.lr == 0.01 && c.flip && c.monitor == "f1_macro")
        #expect(c.modelConfig == ["width": 32, "stages": 3])
        #expect(c.imageSize == ImageSize(width: 96, height: 64) && c.resize == .letterbox)
        #expect(c.batchSize == TrainingConfiguration().batchSize)
        let again = try ConfigurationFile.load(try write(try ConfigurationFile.yaml(c)))
        #expect(again == c)
    }

    @Test func badKeysAndValuesNameTheFileLineAndKey() throws {
        let typo = try write("epochs: 1\nbatch_sise: 32\n")
        #expect { _ = try ConfigurationFile.load(typo) } throws: {
            "\($0)".hasPrefix("\(typo):2: batch_sise: unknown key (did you mean 'batch_size'?); valid keys: model, model_config")
        }
        // A negative seed is an error, not 0.
        let negative = try write("epochs: 1\nseed: -3\n")
        #expect { _ = try ConfigurationFile.load(negative) } throws: { "\($0)".hasPrefix("\(negative):2: seed: expected") }
        let zero = try write("epochs: 0\n")
        #expect { _ = try ConfigurationFile.load(zero) } throws: { "\($0)" == "\(zero):1: epochs: expected a positive integer (at most 1000000), got 0" }
        let size = try write("image_size: 12x\n")
        #expect { _ = try ConfigurationFile.load(size) } throws: { "\($0)".hasPrefix("\(size):1: image_size: expected") }
        let optimizer = try write("optimizer: adamx\n")
        #expect { _ = try ConfigurationFile.load(optimizer) } throws: { "\($0)".hasPrefix("\(optimizer):1: optimizer: expected") }
        let list = try write("- epochs\n")
        #expect { _ = try ConfigurationFile.load(list) } throws: { "\($0)".contains("expected a mapping of option: value") }
        #expect { _ = try ConfigurationFile.load("/nonexistent/train.yaml") } throws: { "\($0)".contains("cannot read") }
    }

    @Test func imageSizesParseAsSideOrWidthByHeight() throws {
        #expect(try ImageSize(parsing: "64") == ImageSize(width: 64, height: 64))
        #expect(try ImageSize(parsing: "96x64").inputSize == InputSize(height: 64, width: 96))
        #expect(try ImageSize(parsing: "96×64").description == "96x64")
        for bad in ["", "x", "0", "-3", "96x", "1x2x3", "100000"] {
            #expect(throws: RunSpecificationError.self) { try ImageSize(parsing: bad) }
        }
    }
}

/// The one `Preprocessing`, applied the same way everywhere.
@Suite struct PreprocessingTransformTests {
    /// timm's evaluation transform for a 56-pixel input at crop fraction 0.875: shorter side to
    /// 64, centre crop 56, normalise; torchvision's `Resize(64)` + `CenterCrop(56)` golden values.
    @Test(arguments: ["image_hopper", "image_cifar_cat_0024", "image_cifar_ship_0034"])
    func centerCropMatchesTorchvision(_ name: String) throws {
        let file = try SafeTensors.read(contentsOf: Fixtures.path("golden/\(name).safetensors"))
        let decoded = try file.entry("decoded")
        let image = try Image(width: decoded.shape[1], height: decoded.shape[0], channels: 3, pixels: try file.uint8s("decoded"))
        let preprocessing = Preprocessing(
            inputSize: InputSize(56), channels: 3, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], resize: .centerCrop,
            cropFraction: 0.875)
        var generator = RandomGenerator(seed: 0)
        let output = try PreprocessingTransforms.evaluation(preprocessing).apply(.image(image), using: &generator)
        guard case .tensor(let tensor) = output else {
            Issue.record("expected a tensor")
            return
        }
        #expect(tensor.shape == [3, 56, 56])
        let reference = try file.floats("pipeline_resize64_centercrop56_normalize_f32")
        let difference = zip(tensor.values, reference).map { abs($0 - $1) }.max() ?? .infinity
        #expect(difference <= 1e-4, "max |Δ| = \(difference)")
    }

    @Test func everyPolicyGivesTheInputSize() throws {
        let image = try Image(width: 50, height: 20, channels: 1, pixels: [UInt8](repeating: 200, count: 1000))
        for policy in ResizePolicy.allCases {
            let p = Preprocessing(inputSize: InputSize(height: 12, width: 16), channels: 1, mean: [0.5], std: [0.5], resize: policy, cropFraction: 0.8)
            var generator = RandomGenerator(seed: 0)
            guard case .tensor(let tensor) = try PreprocessingTransforms.evaluation(p).apply(.image(image), using: &generator) else {
                Issue.record("expected a tensor")
                continue
            }
            #expect(tensor.shape == [1, 12, 16], "\(policy)")
            if policy == .letterbox {
                // The 50×20 image fits 16×6 inside 16×12: the top and bottom rows are padding (0 → -1).
                #expect(tensor.values[0] == -1 && tensor.values[6 * 16 + 8] > 0)
            }
        }
    }
}
