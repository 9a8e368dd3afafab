import Foundation
import Testing
import VisionModelAPI
import VisionModels
import VisionNN
import VisionTensor
import VisionYAMLModels

extension ModelPluginTests {
    /// Every registered model, driven by the registry: builds, runs, trains, replaces its head.
    @Suite struct BuiltinModelTests {
        static let names = (try? ModelTesting.registry().names()) ?? []

        /// (classes, channels, size): each class count meets each channel count, and each size is used.
        /// Every combination of 2 and 10 classes, 1 and 3 channels and two input sizes.
        static let variants: [(classes: Int, channels: Int, size: InputSize)] = [2, 10].flatMap { classes in
            [1, 3].flatMap { channels in
                [InputSize(32), InputSize(height: 40, width: 36)].map { (classes, channels, $0) }
            }
        }

        @Test func theBuiltinsAreRegistered() throws {
            #expect(Self.names == [
                "defectnet", "lenet", "linear", "mlp", "mobilenetv2", "resnet18", "resnet20", "resnet32", "resnet34", "resnet44",
                "resnet56", "vgg",
            ])
            #expect(try ModelTesting.registry().names(matching: "resnet*") == ["resnet18", "resnet20", "resnet32", "resnet34", "resnet44", "resnet56"])
        }

        @Test(arguments: names)
        func buildsAndRunsForEveryShape(name: String) throws {
            let registry = try ModelTesting.registry()
            for variant in Self.variants {
                let model = try registry.make(name, classes: variant.classes, inputChannels: variant.channels, inputSize: variant.size, seed: 1)
                #expect(model.classes == variant.classes && model.pluginName == name)
                let (images, _) = ModelTesting.batch(2, channels: variant.channels, inputSize: variant.size, classes: variant.classes)
                let logits = try GradientMode.withoutGradients { try model(images) }
                #expect(logits.shape == [2, variant.classes], "\(name) \(variant)")
                #expect(logits.scalars.allSatisfy { $0.isFinite }, "\(name) \(variant): non-finite logits")
                // The counting pass behind the MAC count gives the forward pass's shape.
                let inferred = try ModelComplexity.outputShape(model, input: [1, variant.channels, variant.size.height, variant.size.width])
                #expect(inferred == [1, variant.classes], "\(name) \(variant): inferred \(inferred)")
                let features = try GradientMode.withoutGradients { try model.features(images) }
                #expect(features.shape == [2, model.featureCount], "\(name) \(variant)")
                // The feature hook: the last convolutional maps, which the feature vector pools.
                if name == "linear" || name == "mlp" {
                    #expect(throws: ModelError.noFeatureMaps(model: name)) { try model.featureMaps(images) }
                } else {
                    let maps = try GradientMode.withoutGradients { try model.featureMaps(images) }
                    #expect(maps.rank == 4 && maps.shape[0] == 2, "\(name) \(variant): maps \(maps.shape)")
                    if name != "lenet" {
                        // Global-average-pooled maps are the feature vector (what class activation maps rely on).
                        let pooled = try GradientMode.withoutGradients { try flatten(globalAvgPool2d(maps)) }
                        #expect(zip(pooled.scalars, features.scalars).allSatisfy { abs($0 - $1) <= 1e-4 + 1e-4 * abs($1) }, "\(name) \(variant)")
                    }
                }
            }
        }

        @Test(arguments: names)
        func trainingLowersTheLoss(name: String) throws {
            let registry = try ModelTesting.registry()
            let size = InputSize(32)
            let model = try registry.make(name, classes: 3, inputChannels: 3, inputSize: size, seed: 3)
            // Batch 8: ImageNet-style ResNets end in 1×1 maps at this size, where batch norm over
            // 2 images is so ill-conditioned (gradients ~1e12) that rounding decides the outcome.
            let (images, labels) = ModelTesting.batch(8, channels: 3, inputSize: size, classes: 3)
            let (before, after) = try ModelTesting.trainingLosses(model, images: images, labels: labels)
            #expect(before.isFinite && after.isFinite)
            #expect(after < before, "\(name): loss \(before) → \(after)")
        }

        @Test(arguments: names)
        func headReplacementKeepsTheFeatures(name: String) throws {
            let registry = try ModelTesting.registry()
            let size = InputSize(32)
            let model = try registry.make(name, classes: 10, inputChannels: 1, inputSize: size, seed: 5)
            let before = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.tensor.scalars) })
            let featureNames = model.featureParameterNames
            try model.replaceHead(classes: 4, seed: 9)
            #expect(model.classes == 4)
            let after = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.tensor.scalars) })
            #expect(Set(after.keys) == Set(before.keys), "\(name): parameter names changed")
            for feature in featureNames { #expect(after[feature] == before[feature], "\(name): \(feature) changed") }
            let headNames = Set(after.keys).subtracting(featureNames)
            #expect(!headNames.isEmpty && headNames.allSatisfy { $0.hasPrefix(model.headName + ".") })
            let (images, _) = ModelTesting.batch(2, channels: 1, inputSize: size, classes: 4)
            #expect(try GradientMode.withoutGradients { try model(images) }.shape == [2, 4])
            // Freezing the features leaves only the new head to train.
            model.freeze(matching: "")
            model.unfreeze()
            for feature in featureNames { model.freeze(matching: feature) }
            #expect(model.trainableParameters.count == headNames.count)
        }

        @Test(arguments: names)
        func defaultsAreConsistent(name: String) throws {
            let plugin = try ModelTesting.registry().plugin(named: name)
            let preprocessing = plugin.defaultPreprocessing
            #expect(preprocessing.mean.count == preprocessing.channels && preprocessing.std.count == preprocessing.channels)
            #expect(preprocessing.inputSize.covers(try plugin.minimumInputSize(configuration: [:])))
            #expect(!plugin.summary.isEmpty && !plugin.summary.contains("\n"))
            // The resolved configuration is complete and accepted back unchanged.
            let resolved = try plugin.resolveConfiguration([:])
            #expect(Set(resolved.keys) == Set(plugin.configurationKeys))
            #expect(try plugin.resolveConfiguration(resolved) == resolved)
            // Preprocessing travels in the model file as JSON.
            let data = try JSONEncoder().encode(preprocessing)
            #expect(try JSONDecoder().decode(Preprocessing.self, from: data) == preprocessing)
        }

        @Test func sameSeedSameWeights() throws {
            let registry = try ModelTesting.registry()
            let a = try registry.make("resnet20", classes: 10, inputChannels: 3, inputSize: InputSize(32), seed: 42)
            let b = try registry.make("resnet20", classes: 10, inputChannels: 3, inputSize: InputSize(32), seed: 42)
            #expect(a.namedParameters().map(\.tensor.scalars) == b.namedParameters().map(\.tensor.scalars))
            let c = try registry.make("resnet20", classes: 10, inputChannels: 3, inputSize: InputSize(32), seed: 43)
            #expect(a.namedParameters().map(\.tensor.scalars) != c.namedParameters().map(\.tensor.scalars))
            #expect(a.parameterCount == 269_722)
        }
    }
}
