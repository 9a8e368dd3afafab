import Foundation
import Testing
import VisionModelAPI
import VisionModels
import VisionNN
import VisionTensor
import VisionTestSupport
import VisionYAMLModels

extension ModelPluginTests {
    /// Models defined in YAML or JSON files: loading, building, training, errors, folder scans.
    @Suite struct YAMLModelTests {
        @Test func theIssueExampleBuildsAndTrains() throws {
            let registry = try ModelTesting.registry()
            let path = ModelTesting.fixture("plugins/tinynet.yaml")
            let plugin = try registry.resolve(nameOrPath: path)
            #expect(plugin.name == "tinynet" && plugin.source == path)
            #expect(try plugin.minimumInputSize(configuration: [:]) == InputSize(2))
            let model = try registry.make(path, classes: 3, inputChannels: 1, inputSize: InputSize(12), seed: 1)
            #expect(model.namedParameters().map(\.name) == ["0.weight", "0.bias", "1.weight", "1.bias", "6.weight", "6.bias"])
            #expect(model.namedParameters().first?.tensor.shape == [8, 1, 3, 3])
            #expect(model.featureCount == 8 && model.classes == 3)
            let (images, labels) = ModelTesting.batch(2, channels: 1, inputSize: InputSize(12), classes: 3)
            let (before, after) = try ModelTesting.trainingLosses(model, images: images, labels: labels)
            #expect(after < before, "loss \(before) → \(after)")
        }

        @Test func residualBlocksGetIdentityOrProjectionShortcuts() throws {
            let registry = try ModelTesting.registry()
            let path = ModelTesting.fixture("plugins/tinyresnet.yaml")
            let plugin = try registry.resolve(nameOrPath: path)
            #expect(plugin.defaultPreprocessing.inputSize == InputSize(32) && plugin.defaultPreprocessing.channels == 3)
            let model = try registry.make(path, classes: 10, seed: 2)
            let names = model.namedParameters().map(\.name)
            #expect(names.contains("3.body.0.weight") && !names.contains { $0.hasPrefix("3.shortcut") })
            #expect(names.contains("4.shortcut.0.weight") && names.contains("4.shortcut.1.weight"))
            let shortcut = try #require(model.namedParameters().first { $0.name == "4.shortcut.0.weight" })
            #expect(shortcut.tensor.shape == [16, 8, 1, 1])
            let depthwise = try #require(model.namedParameters().first { $0.name == "4.body.3.weight" })
            #expect(depthwise.tensor.shape == [16, 1, 3, 3])
            // The last layer is the head: 16 features (after dropout) to 10 classes.
            #expect(model.headName == "8" && model.featureCount == 16)
            let (images, labels) = ModelTesting.batch(2, channels: 3, inputSize: InputSize(32), classes: 10)
            let (before, after) = try ModelTesting.trainingLosses(model, images: images, labels: labels)
            #expect(after < before, "loss \(before) → \(after)")
            try model.replaceHead(classes: 2, seed: 0)
            #expect(try GradientMode.withoutGradients { try model(images) }.shape == [2, 2])
            let macs = try ModelComplexity.multiplyAccumulates(model, inputChannels: 3, inputSize: InputSize(32))
            // stem 8·3·9·32², block 1: 2 × 8·8·9·32², block 2: 16·8·9·16² + 16·1·9·16² + shortcut 16·8·16², head 16·2.
            #expect(macs == 8 * 27 * 1024 + 2 * 576 * 1024 + 1152 * 256 + 144 * 256 + 128 * 256 + 32)
        }

        @Test func jsonFilesWork() throws {
            let plugin = try YAMLModelPlugin(contentsOf: ModelTesting.fixture("plugins/tinymlp.json"))
            #expect(plugin.name == "tinymlp" && plugin.defaultPreprocessing.inputSize == InputSize(8))
            let model = try ModelTesting.registry().make(plugin, classes: 4, inputChannels: 1, inputSize: InputSize(8))
            #expect(model.parameterCount == (64 * 32 + 32) + (32 * 16 + 16) + (16 * 4 + 4))
        }

        @Test func pluginFoldersRegisterUnderTheirNames() throws {
            let registry = try ModelTesting.registry()
            let names = try loadPluginFolders([ModelTesting.fixture("plugins")], into: registry)
            #expect(names == ["tinymlp", "tinynet", "tinyresnet"])
            #expect(registry.names(matching: "tiny*") == ["tinymlp", "tinynet", "tinyresnet"])
            let model = try registry.make("tinynet", classes: 2)
            #expect(model.classes == 2)
            // Scanning again would register the same names twice: an error naming the file.
            #expect(throws: ModelError.duplicateName(name: "tinymlp", source: ModelTesting.fixture("plugins/tinymlp.json"))) {
                try loadPluginFolders([ModelTesting.fixture("plugins")], into: registry)
            }
            #expect(throws: ModelError.pluginFolder(path: "/nonexistent/models", detail: "no such folder")) {
                try loadPluginFolders(["/nonexistent/models"], into: ModelRegistry())
            }
            // A broken file in a folder fails the scan, naming the file.
            #expect(throws: ModelFileError.self) { try loadPluginFolders([ModelTesting.fixture("broken")], into: ModelRegistry()) }
        }

        @Test func searchPathsComeFromOptionsThenTheEnvironment() {
            let paths = pluginSearchPaths(directories: ["a"], environment: ["VISION_PLUGIN_PATH": "b::/c/d:"])
            #expect(paths == ["a", "b", "/c/d"])
            #expect(pluginSearchPaths(directories: [], environment: [:]).isEmpty)
        }

        @Test func unknownLayerType() throws {
            let path = ModelTesting.fixture("broken/unknown-layer.yaml")
            let expected = ModelFileError(
                file: path, line: 4, key: "layers[1]",
                message: "unknown layer type 'batchnorm' (did you mean 'batchnorm2d'?); known types: avgpool2d, batchnorm2d, conv2d, dropout, flatten, gelu, global_avgpool, hardswish, leaky_relu, linear, maxpool2d, relu, relu6, residual, sigmoid, silu, tanh")
            #expect(throws: expected) { try YAMLModelPlugin(contentsOf: path) }
            #expect(expected.description.hasPrefix("\(path):4: layers[1]: unknown layer type 'batchnorm'"))
        }

        @Test func unknownKey() throws {
            let path = ModelTesting.fixture("broken/unknown-key.yaml")
            #expect(throws: ModelFileError(
                file: path, line: 7, key: "layers[2].maxpool2d.strid",
                message: "unknown key 'strid' (did you mean 'stride'?); valid keys: kernel_size, padding, stride")
            ) { try YAMLModelPlugin(contentsOf: path) }
            #expect(throws: ModelFileError(
                file: ModelTesting.fixture("broken/top-level-key.yaml"), line: 2, key: "input",
                message: "unknown key 'input' (did you mean 'input_size'?); valid keys: channels, input_size, layers, mean, name, resize, std, summary")
            ) { try YAMLModelPlugin(contentsOf: ModelTesting.fixture("broken/top-level-key.yaml")) }
        }

        @Test func impossibleShapes() throws {
            let path = ModelTesting.fixture("broken/impossible-shape.yaml")
            #expect(throws: ModelFileError(
                file: path, line: 5, key: "layers[2].batchnorm2d",
                message: "impossible shape: expected an image ([N, C, H, W]), got 8192 features (after a flatten or linear layer)")
            ) { try YAMLModelPlugin(contentsOf: path) }
            let residual = ModelTesting.fixture("broken/impossible-residual.yaml")
            do {
                _ = try YAMLModelPlugin(contentsOf: residual)
                Issue.record("expected an error")
            } catch let error as ModelFileError {
                #expect(error.file == residual && error.line == 4 && error.key == "layers[1].residual")
                #expect(error.message.hasPrefix("impossible shape: the body maps 8 channels of 32×32 to 8 channels of 30×30"), "\(error)")
            }
            let head = ModelTesting.fixture("broken/no-head.yaml")
            #expect(throws: ModelFileError(
                file: head, line: 5, key: "layers[2].linear",
                message: "the last layer must be `linear: {out_features: num_classes}` (the head that fine-tuning replaces)")
            ) { try YAMLModelPlugin(contentsOf: head) }
        }

        @Test func inputTooSmallForAFileModel() throws {
            let yaml = """
                name: pools
                layers:
                  - conv2d: {out_channels: 4, kernel_size: 3}
                  - maxpool2d: {kernel_size: 2}
                  - maxpool2d: {kernel_size: 2}
                  - flatten
                  - linear: {out_features: num_classes}
                """
            let plugin = try YAMLModelPlugin(yaml: yaml, file: "pools.yaml")
            // 3×3 valid conv then two 2×2 pools: 6 → 4 → 2 → 1.
            #expect(try plugin.minimumInputSize(configuration: [:]) == InputSize(6))
            #expect(throws: ModelError.inputTooSmall(model: "pools", minimum: InputSize(6), got: InputSize(5))) {
                try ModelRegistry().make(plugin, classes: 2, inputChannels: 1, inputSize: InputSize(5))
            }
            #expect(throws: ConfigurationError.unknownKey(owner: "model 'pools'", key: "width", validKeys: [], suggestion: nil)) {
                try ModelRegistry().make(plugin, classes: 2, inputChannels: 1, inputSize: InputSize(8), configuration: ["width": 2])
            }
        }

        @Test func valueErrorsNameTheLine() throws {
            func error(_ yaml: String) -> ModelFileError? {
                do {
                    _ = try YAMLModelPlugin(yaml: yaml, file: "net.yaml")
                    return nil
                } catch let error as ModelFileError {
                    return error
                } catch {
                    return nil
                }
            }
            let badValue = error("name: n\nlayers:\n  - conv2d: {out_channels: many, kernel_size: 3}\n  - flatten\n  - linear: {out_features: num_classes}\n")
            #expect(badValue?.description == "net.yaml:3: layers[0].conv2d.out_channels: expected a positive integer, num_classes or in_channels, got \"many\"")
            let missing = error("name: n\nlayers:\n  - flatten\n  - linear: {}\n")
            #expect(missing?.description == "net.yaml:4: layers[1].linear: the key 'out_features' is required")
            let syntax = error("name: n\nlayers:\n  - conv2d: {out_channels: 8\n")
            #expect(syntax?.line == 4 && syntax?.message.hasPrefix("not valid YAML") == true, "\(String(describing: syntax))")
            let noName = error("layers:\n  - flatten\n  - linear: {out_features: num_classes}\n")
            #expect(noName?.key == "name")
            let groups = error("name: n\nlayers:\n  - conv2d: {out_channels: 6, kernel_size: 1, groups: 4}\n  - flatten\n  - linear: {out_features: num_classes}\n")
            #expect(groups?.line == 3 && groups?.key == "layers[0].conv2d.groups", "\(String(describing: groups))")
        }

        @Test func resolveTakesNamesOrPaths() throws {
            let registry = try ModelTesting.registry()
            #expect(try registry.resolve(nameOrPath: "lenet").name == "lenet")
            #expect(throws: ModelFileError.self) { try registry.resolve(nameOrPath: "missing/net.yaml") }
            #expect(throws: ModelError.self) { try registry.resolve(nameOrPath: "tinynet") }
        }
    }
}
