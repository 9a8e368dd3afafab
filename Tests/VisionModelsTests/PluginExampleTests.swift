import Foundation
import Testing
import VisionModelAPI
import VisionModels
import VisionTensor
import VisionTestSupport
import VisionYAMLModels

extension ModelPluginTests {
    /// The worked example of Plugins/README.md: `TinyCNNModel.swift` (in this folder) is the file
    /// the guide shows; it registers, builds, trains and lists like a built-in.
    @Suite struct PluginExampleTests {
        @Test func theExamplePluginRegistersBuildsAndTrains() throws {
            let registry = try ModelTesting.registry()
            try registry.register(TinyCNNModel())
            #expect(registry.names(matching: "tiny*") == ["tinycnn"])
            let model = try registry.make("tinycnn", classes: 3, inputChannels: 1, inputSize: InputSize(28), configuration: ["width": 4])
            #expect(model.namedParameters().map(\.name) == [
                "features.0.weight", "features.1.weight", "features.1.bias", "features.4.weight", "features.5.weight",
                "features.5.bias", "fc.weight", "fc.bias",
            ])
            let (images, labels) = ModelTesting.batch(2, channels: 1, inputSize: InputSize(28), classes: 3)
            let (before, after) = try ModelTesting.trainingLosses(model, images: images, labels: labels)
            #expect(after < before, "loss \(before) → \(after)")
            let profile = try registry.profile(registry.plugin(named: "tinycnn"))
            // Defaults: width 8, gray 28×28, 10 classes. Convs 8·1·9 and 16·8·9, BNs 2·8 and 2·16, fc 16·10 + 10.
            #expect(profile.parameters == 72 + 16 + 1152 + 32 + 170)
            #expect(profile.multiplyAccumulates == 72 * 28 * 28 + 1152 * 14 * 14 + 160)
            #expect(throws: ModelError.inputTooSmall(model: "tinycnn", minimum: InputSize(4), got: InputSize(3))) {
                try registry.make("tinycnn", classes: 2, inputSize: InputSize(3))
            }
            #expect(throws: ConfigurationError.self) { try registry.make("tinycnn", classes: 2, configuration: ["widht": 4]) }
        }

        /// The guide shows the example verbatim, so that what readers copy is what this suite runs.
        @Test func theGuideShowsTheExampleVerbatim() throws {
            let guide = try String(contentsOf: Fixtures.packageRoot.appendingPathComponent("Plugins/README.md"), encoding: .utf8)
            let example = try String(
                contentsOf: Fixtures.packageRoot.appendingPathComponent("Tests/VisionModelsTests/TinyCNNModel.swift"), encoding: .utf8)
            #expect(guide.contains("```swift\n" + example + "```"))
            let yaml = try String(contentsOfFile: ModelTesting.fixture("plugins/tinynet.yaml"), encoding: .utf8)
            #expect(guide.contains("```yaml\n" + yaml + "```"))
        }
    }
}
