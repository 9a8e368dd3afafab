import Foundation
import Testing
import VisionModelAPI
import VisionModels
import VisionTensor
import VisionYAMLModels

extension ModelPluginTests {
    /// Bad input is an error before any training starts, naming the plugin and the limit.
    @Suite struct RegistryErrorTests {
        @Test func unknownNameSuggestsTheClosest() throws {
            let registry = try ModelTesting.registry()
            #expect(throws: ModelError.unknownModel(name: "resnet19", available: registry.names(), suggestion: "resnet18")) {
                try registry.make("resnet19", classes: 2)
            }
            do {
                _ = try registry.plugin(named: "mobilenet_v2")
                Issue.record("expected an error")
            } catch let error as ModelError {
                #expect(error.description.hasPrefix("unknown model 'mobilenet_v2'; did you mean 'mobilenetv2'? available: defectnet, lenet, linear"))
            }
            #expect(throws: ModelError.self) { try registry.plugin(named: "transformer") }
        }

        @Test func unknownConfigurationKeyNamesPluginKeyAndValidKeys() throws {
            let registry = try ModelTesting.registry()
            let expected = ConfigurationError.unknownKey(
                owner: "model 'mobilenetv2'", key: "width_multiplyer", validKeys: ["dropout", "width_multiplier"],
                suggestion: "width_multiplier")
            #expect(throws: expected) {
                try registry.make("mobilenetv2", classes: 2, inputSize: InputSize(32), configuration: ["width_multiplyer": 0.5])
            }
            #expect("\(expected)" == "model 'mobilenetv2': unknown configuration key 'width_multiplyer' (did you mean 'width_multiplier'?); valid keys: dropout, width_multiplier")
            // Plugins with no keys refuse any.
            #expect(throws: ConfigurationError.unknownKey(owner: "model 'resnet20'", key: "depth", validKeys: [], suggestion: nil)) {
                try registry.make("resnet20", classes: 2, configuration: ["depth": 32])
            }
        }

        @Test func badConfigurationValues() throws {
            let registry = try ModelTesting.registry()
            #expect(throws: ConfigurationError.invalidValue(owner: "model 'defectnet'", key: "stages", expected: "an integer", found: "\"four\"")) {
                try registry.make("defectnet", classes: 2, configuration: ["stages": "four"])
            }
            #expect(throws: ConfigurationError.invalidValue(owner: "model 'defectnet'", key: "stages", expected: "a value in 1...8", found: "12")) {
                try registry.make("defectnet", classes: 2, configuration: ["stages": 12])
            }
            #expect(throws: ConfigurationError.invalidValue(
                owner: "model 'mlp'", key: "activation", expected: "one of 'relu', 'gelu', 'silu', 'tanh'", found: "\"swish\"")) {
                try registry.make("mlp", classes: 2, configuration: ["activation": "swish"])
            }
            do {
                _ = try registry.make("vgg", classes: 2, configuration: ["layers": [16, "P", 32]])
                Issue.record("expected an error")
            } catch let error as ConfigurationError {
                #expect(error.description.contains("model 'vgg'") && error.description.contains("\"M\""), "\(error)")
            }
        }

        @Test func configurationChangesTheModel() throws {
            let registry = try ModelTesting.registry()
            let small = try registry.make("defectnet", classes: 2, inputSize: InputSize(16), configuration: ["stages": 2, "width": 4])
            #expect(small.featureCount == 8)
            #expect(try registry.plugin(named: "defectnet").resolveConfiguration(["width": 4]) == ["stages": 4, "width": 4])
            let vgg = try registry.make("vgg", classes: 2, inputSize: InputSize(8), configuration: ["layers": [8, "M", 16, "M"], "batch_norm": false])
            #expect(vgg.featureCount == 16)
            #expect(vgg.namedParameters().map(\.name) == ["features.0.weight", "features.0.bias", "features.3.weight", "features.3.bias", "classifier.1.weight", "classifier.1.bias"])
            let mlp = try registry.make("mlp", classes: 3, inputSize: InputSize(4), configuration: ["hidden": [5]])
            #expect(mlp.parameterCount == 16 * 5 + 5 + 5 * 3 + 3)
        }

        @Test func inputTooSmallNamesTheSmallestSize() throws {
            let registry = try ModelTesting.registry()
            #expect(throws: ModelError.inputTooSmall(model: "resnet18", minimum: InputSize(32), got: InputSize(height: 24, width: 64))) {
                try registry.make("resnet18", classes: 2, inputChannels: 3, inputSize: InputSize(height: 24, width: 64))
            }
            let error = ModelError.inputTooSmall(model: "defectnet", minimum: InputSize(64), got: InputSize(32))
            #expect(throws: error) {
                try registry.make("defectnet", classes: 2, inputSize: InputSize(32), configuration: ["stages": 6])
            }
            #expect(error.description == "model 'defectnet': input 32×32 is too small; it takes at least 64×64 (height×width)")
            #expect(throws: ModelError.inputTooSmall(model: "vgg", minimum: InputSize(16), got: InputSize(8))) {
                try registry.make("vgg", classes: 2, inputSize: InputSize(8))
            }
            // Checked without building anything.
            #expect(throws: ModelError.inputTooSmall(model: "mobilenetv2", minimum: InputSize(32), got: InputSize(16))) {
                try registry.validate(try registry.plugin(named: "mobilenetv2"), classes: 2, inputChannels: 3, inputSize: InputSize(16))
            }
        }

        @Test func classAndChannelCounts() throws {
            let registry = try ModelTesting.registry()
            #expect(throws: ModelError.invalidClassCount(model: "lenet", classes: 0)) { try registry.make("lenet", classes: 0) }
            #expect(throws: ModelError.invalidChannelCount(model: "lenet", channels: 0)) { try registry.make("lenet", classes: 2, inputChannels: 0) }
            let model = try registry.make("lenet", classes: 2)
            #expect(throws: ModelError.invalidClassCount(model: "lenet", classes: 0)) { try model.replaceHead(classes: 0, seed: 0) }
        }

        @Test func registrationRefusesDuplicatesAndOddNames() throws {
            let registry = try ModelTesting.registry()
            #expect(throws: ModelError.duplicateName(name: "lenet", source: nil)) { try registry.register(LeNetModel()) }
            #expect(throws: ModelError.invalidName(name: "ResNet")) { try registry.register(RenamedPlugin(name: "ResNet")) }
            #expect(throws: ModelError.invalidName(name: "")) { try registry.register(RenamedPlugin(name: "")) }
        }
    }
}

/// LeNet under another name, for registration tests.
private struct RenamedPlugin: ModelPlugin {
    let name: String
    let summary = "LeNet under another name."
    let configurationKeys: [String] = []
    let defaultPreprocessing = Preprocessing.gray(size: 28)
    func resolveConfiguration(_ configuration: PluginConfiguration) throws -> PluginConfiguration {
        try LeNetModel().resolveConfiguration(configuration)
    }
    func minimumInputSize(configuration: PluginConfiguration) throws -> InputSize { InputSize(4) }
    func makeModel(
        classes: Int, inputChannels: Int, inputSize: InputSize, configuration: PluginConfiguration, seed: UInt64
    ) throws -> ClassifierModel {
        try LeNetModel().makeModel(
            classes: classes, inputChannels: inputChannels, inputSize: inputSize, configuration: configuration, seed: seed)
    }
}
