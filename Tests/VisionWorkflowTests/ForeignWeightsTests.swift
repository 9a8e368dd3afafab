import Testing
import VisionModelAPI
@testable import VisionWorkflow

/// timm's MobileNetV2 names for vision's (torchvision's): checked against timm 1.x's
/// `mobilenetv2_100` state_dict (benchmarks/interop/check-import.py loads one end to end).
@Suite struct ForeignWeightsTests {
    @Test func timmMobileNetV2Names() throws {
        let pairs = [
            ("features.0.0.weight", "conv_stem.weight"), ("features.0.1.running_mean", "bn1.running_mean"),
            ("features.1.conv.0.0.weight", "blocks.0.0.conv_dw.weight"), ("features.1.conv.2.bias", "blocks.0.0.bn2.bias"),
            ("features.2.conv.1.1.running_var", "blocks.1.0.bn2.running_var"), ("features.3.conv.0.0.weight", "blocks.1.1.conv_pw.weight"),
            ("features.7.conv.3.weight", "blocks.3.0.bn3.weight"), ("features.17.conv.2.weight", "blocks.6.0.conv_pwl.weight"),
            ("features.18.0.weight", "conv_head.weight"), ("features.18.1.bias", "bn2.bias"), ("classifier.1.weight", "classifier.weight"),
        ]
        for (ours, timm) in pairs { #expect(ForeignWeights.timmName(for: ours) == timm, "\(ours)") }
        #expect(ForeignWeights.timmName(for: "layer1.0.conv1.weight") == nil && ForeignWeights.timmName(for: "fc.weight") == nil)
        // Every tensor of the model has its own timm name.
        let model = try TrainerTests.registry().make("mobilenetv2", classes: 3, inputChannels: 3, inputSize: InputSize(32))
        let names = (model.namedParameters() + model.namedBuffers()).map(\.name)
        let mapped = names.compactMap(ForeignWeights.timmName(for:))
        #expect(mapped.count == names.count && Set(mapped).count == names.count)
    }
}
