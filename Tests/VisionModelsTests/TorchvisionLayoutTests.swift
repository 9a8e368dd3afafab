import Testing
import VisionModelAPI
import VisionModels
import VisionNN
import VisionTensor
import VisionYAMLModels

extension ModelPluginTests {
    /// Names, parameter counts and MACs against torchvision's models (1000 classes, 224×224), so
    /// that weights move through safetensors and `vision models` reports the published costs.
    @Suite struct TorchvisionLayoutTests {
        @Test func resnet18() throws {
            let model = try ModelTesting.registry().make("resnet18", classes: 1000, inputChannels: 3, inputSize: InputSize(224))
            // torchvision.models.resnet18().parameters(): 11,689,512.
            #expect(model.parameterCount == 11_689_512)
            let names = model.namedParameters().map(\.name)
            #expect(names.prefix(3) == ["conv1.weight", "bn1.weight", "bn1.bias"])
            for name in ["layer1.0.conv1.weight", "layer1.1.bn2.bias", "layer2.0.downsample.0.weight", "layer2.0.downsample.1.weight",
                         "layer4.1.conv2.weight", "fc.weight", "fc.bias"] {
                #expect(names.contains(name), "missing \(name)")
            }
            #expect(!names.contains("layer1.0.downsample.0.weight"))
            #expect(model.namedBuffers().map(\.name).contains("layer3.0.downsample.1.running_var"))
            // 1.814 GMACs (torchvision's table: 1.81 GFLOPS, counted as multiply-accumulates).
            let macs = try ModelComplexity.multiplyAccumulates(model, inputChannels: 3, inputSize: InputSize(224))
            #expect(macs == 1_814_073_344)
        }

        @Test func resnet34() throws {
            let model = try ModelTesting.registry().make("resnet34", classes: 1000, inputChannels: 3, inputSize: InputSize(224))
            #expect(model.parameterCount == 21_797_672)
            let macs = try ModelComplexity.multiplyAccumulates(model, inputChannels: 3, inputSize: InputSize(224))
            #expect((3_660_000_000...3_680_000_000).contains(macs), "\(macs)")
        }

        @Test func mobilenetv2() throws {
            let model = try ModelTesting.registry().make("mobilenetv2", classes: 1000, inputChannels: 3, inputSize: InputSize(224))
            // torchvision.models.mobilenet_v2(): 3,504,872 parameters, 0.30 GFLOPS.
            #expect(model.parameterCount == 3_504_872)
            let names = model.namedParameters().map(\.name)
            for name in ["features.0.0.weight", "features.0.1.weight", "features.1.conv.0.0.weight", "features.1.conv.1.weight",
                         "features.2.conv.0.0.weight", "features.2.conv.1.0.weight", "features.2.conv.2.weight", "features.2.conv.3.bias",
                         "features.18.0.weight", "classifier.1.weight", "classifier.1.bias"] {
                #expect(names.contains(name), "missing \(name)")
            }
            // Depthwise: one input channel per group.
            let depthwise = try #require(model.namedParameters().first { $0.name == "features.2.conv.1.0.weight" })
            #expect(depthwise.tensor.shape == [96, 1, 3, 3])
            let macs = try ModelComplexity.multiplyAccumulates(model, inputChannels: 3, inputSize: InputSize(224))
            #expect((299_000_000...302_000_000).contains(macs), "\(macs)")
        }

        @Test func mobilenetv2WidthMultiplier() throws {
            let registry = try ModelTesting.registry()
            // torchvision.models.mobilenet_v2(width_mult=0.5): 1,968,680 parameters.
            let half = try registry.make(
                "mobilenetv2", classes: 1000, inputChannels: 3, inputSize: InputSize(32), configuration: ["width_multiplier": 0.5])
            #expect(half.parameterCount == 1_968_680)
        }

        @Test func cifarResNetsHaveThePaperSizes() throws {
            let registry = try ModelTesting.registry()
            // He et al. 2016, Table 6: 0.27M, 0.46M, 0.66M, 0.85M parameters.
            let expected = ["resnet20": 269_722, "resnet32": 464_154, "resnet44": 658_586, "resnet56": 853_018]
            for (name, count) in expected {
                let model = try registry.make(name, classes: 10, inputChannels: 3, inputSize: InputSize(32))
                #expect(model.parameterCount == count, "\(name)")
            }
        }
    }
}
