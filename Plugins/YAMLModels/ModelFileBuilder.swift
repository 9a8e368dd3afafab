import VisionModelAPI
import VisionNN
import VisionPluginAPI
import VisionTensor

/// Infers shapes through a model file's layers and, when `materialize` is on, builds them.
/// Shape errors name the file, the layer's line and key, and the shape that reached it.
struct ModelFileBuilder {
    let file: String
    let classes: Int
    /// Build modules (drawing weights from `generator`), or only check shapes.
    let materialize: Bool
    var generator: SeededGenerator
    /// Parameters counted so far, checked against `maximumParameters` before any is allocated.
    private(set) var parameters = 0

    /// 2²⁷ parameters (512 MiB of weights; ResNet-50 has 25M) and 2²⁶ activation values per image
    /// (256 MiB): beyond these a model file is refused instead of exhausting memory.
    static let maximumParameters = 1 << 27
    static let maximumActivations = 1 << 26

    /// Builds the classifier for an [N, channels, H, W] input.
    mutating func classifier(_ definition: ModelDefinition, inputChannels: Int, inputSize: InputSize) throws -> YAMLClassifier? {
        let input = [1, inputChannels, inputSize.height, inputSize.width]
        guard let last = definition.layers.last, case .linear(let outFeatures, let bias) = last.kind, outFeatures == .numClasses else {
            let location = definition.layers.last?.location ?? definition.layersLocation
            throw fail(location, "the last layer must be `linear: {out_features: num_classes}` (the head that fine-tuning replaces)")
        }
        let (modules, featureShape) = try layers(Array(definition.layers.dropLast()), input: input)
        guard materialize else { return nil }
        return YAMLClassifier(
            layers: modules, inputChannels: inputChannels, inputSize: inputSize,
            featureCount: featureShape.dropFirst().reduce(1, *), classes: classes, headBias: bias, generator: &generator)
    }

    private mutating func layers(_ specs: [LayerSpec], input: [Int]) throws -> ([Module], [Int]) {
        var shape = input
        var modules: [Module] = []
        for spec in specs {
            try budget(spec, shape: shape)
            let (module, next) = try layer(spec, input: shape)
            if let module { modules.append(module) }
            shape = next
        }
        return (modules, shape)
    }

    /// The layer's weights and output, in checked arithmetic, against the budgets.
    private mutating func budget(_ spec: LayerSpec, shape input: [Int]) throws {
        func product(_ values: [Int]) -> Int? {
            var result = 1
            for value in values {
                let (next, overflow) = result.multipliedReportingOverflow(by: max(value, 0))
                if overflow { return nil }
                result = next
            }
            return result
        }
        guard let activations = product(Array(input.dropFirst())), activations <= Self.maximumActivations else {
            throw fail(spec.location, "the layer's input (\(describe(input))) is over \(Self.maximumActivations) values per image")
        }
        var weights = 0
        switch spec.kind {
        case .conv2d(let outValue, let kernel, _, _, let groupsValue, _, _) where input.count == 4:
            let out = outValue.resolve(classes: classes, inChannels: input[1])
            let groups = max(groupsValue.resolve(classes: classes, inChannels: input[1]), 1)
            weights = product([out, input[1] / groups, kernel.0, kernel.1]) ?? Int.max
        case .linear(let outValue, _):
            weights = product([activations, outValue.resolve(classes: classes, inChannels: activations)]) ?? Int.max
        default:
            return
        }
        let (total, overflow) = parameters.addingReportingOverflow(weights)
        guard !overflow, total <= Self.maximumParameters else {
            throw fail(spec.location, "the model would have over \(Self.maximumParameters) parameters (this layer alone: \(weights == Int.max ? "too many" : String(weights)))")
        }
        parameters = total
    }

    private func fail(_ location: SpecLocation, _ message: String) -> ModelFileError {
        ModelFileError(file: file, line: location.line, key: location.key, message: message)
    }

    private func describe(_ shape: [Int]) -> String {
        shape.count == 4 ? "\(shape[1]) channels of \(shape[2])×\(shape[3])" : "\(shape.dropFirst().reduce(1, *)) features"
    }

    private func expectImage(_ spec: LayerSpec, _ shape: [Int]) throws {
        guard shape.count == 4 else {
            throw fail(spec.location, "impossible shape: expected an image ([N, C, H, W]), got \(describe(shape)) (after a flatten or linear layer)")
        }
    }

    // swiftlint:disable:next function_body_length
    private mutating func layer(_ spec: LayerSpec, input: [Int]) throws -> (Module?, [Int]) {
        switch spec.kind {
        case .conv2d(let outValue, let kernel, let stride, let paddingSpec, let groupsValue, let dilation, let bias):
            try expectImage(spec, input)
            let inChannels = input[1]
            let out = outValue.resolve(classes: classes, inChannels: inChannels)
            let groups = groupsValue.resolve(classes: classes, inChannels: inChannels)
            guard inChannels % groups == 0, out % groups == 0 else {
                throw fail(spec.location(of: "groups"), "impossible shape: groups \(groups) must divide the \(inChannels) input and \(out) output channels")
            }
            let padding: (Int, Int)
            switch paddingSpec {
            case .explicit(let h, let w): padding = (h, w)
            case .same: padding = (dilation * (kernel.0 - 1) / 2, dilation * (kernel.1 - 1) / 2)
            }
            let reach = (dilation * (kernel.0 - 1) + 1, dilation * (kernel.1 - 1) + 1)
            guard input[2] + 2 * padding.0 >= reach.0, input[3] + 2 * padding.1 >= reach.1 else {
                throw fail(spec.location(of: "kernel_size"), "impossible shape: a \(kernel.0)×\(kernel.1) kernel does not fit \(describe(input)) with padding \(padding.0)×\(padding.1)")
            }
            let shape = [
                input[0], out, (input[2] + 2 * padding.0 - reach.0) / stride.0 + 1, (input[3] + 2 * padding.1 - reach.1) / stride.1 + 1,
            ]
            guard materialize else { return (nil, shape) }
            let conv = Conv2d(
                inputChannels: inChannels, outputChannels: out, kernelSize: kernel, stride: stride, padding: padding,
                dilation: (dilation, dilation), groups: groups, bias: bias, initializer: .kaimingNormal, generator: &generator)
            return (conv, shape)
        case .batchNorm2d(let momentum, let epsilon):
            try expectImage(spec, input)
            return (materialize ? BatchNorm2d(input[1], momentum: momentum, epsilon: epsilon) : nil, input)
        case .activation(let kind):
            return (materialize ? ActivationLayer(kind) : nil, input)
        case .maxPool2d(let kernel, let stride, let padding), .avgPool2d(let kernel, let stride, let padding, _):
            try expectImage(spec, input)
            guard input[2] + 2 * padding.0 >= kernel.0, input[3] + 2 * padding.1 >= kernel.1 else {
                throw fail(spec.location(of: "kernel_size"), "impossible shape: a \(kernel.0)×\(kernel.1) window does not fit \(describe(input))")
            }
            // The pooling layers take one stride and padding for both sides.
            guard kernel.0 == kernel.1, stride.0 == stride.1, padding.0 == padding.1 else {
                throw fail(spec.location, "non-square pooling windows are not supported; use one number for kernel_size, stride and padding")
            }
            let shape = [input[0], input[1], (input[2] + 2 * padding.0 - kernel.0) / stride.0 + 1, (input[3] + 2 * padding.1 - kernel.1) / stride.1 + 1]
            guard materialize else { return (nil, shape) }
            if case .avgPool2d(_, _, _, let countIncludePad) = spec.kind {
                return (AvgPool2d(kernel: kernel.0, stride: stride.0, padding: padding.0, countIncludePad: countIncludePad), shape)
            }
            return (MaxPool2d(kernel: kernel.0, stride: stride.0, padding: padding.0), shape)
        case .globalAvgPool:
            try expectImage(spec, input)
            return (materialize ? AdaptiveAvgPool2d((1, 1)) : nil, [input[0], input[1], 1, 1])
        case .dropout(let p):
            // Each dropout layer draws its own seed, so masks differ between layers.
            return (materialize ? Dropout(p, seed: generator.next()) : nil, input)
        case .flatten:
            return (materialize ? Flatten() : nil, [input[0], input.dropFirst().reduce(1, *)])
        case .linear(let outValue, let bias):
            let features = input.dropFirst().reduce(1, *)
            let out = outValue.resolve(classes: classes, inChannels: features)
            guard materialize else { return (nil, [input[0], out]) }
            return (Linear(features, out, bias: bias, generator: &generator), [input[0], out])
        case .residual(let body, let activationKind):
            try expectImage(spec, input)
            let (modules, out) = try layers(body, input: input)
            guard out.count == 4 else {
                throw fail(spec.location, "impossible shape: the block's body must keep an image shape, got \(describe(out))")
            }
            if out == input {
                return (materialize ? ResidualBlock(body: Sequential(modules), shortcut: nil, activation: activationKind) : nil, out)
            }
            // A 1×1 projection with the stride that maps the input size onto the body's.
            func stride(_ from: Int, _ to: Int) -> Int? { (1...max(from, 1)).first { (from - 1) / $0 + 1 == to } }
            guard let sh = stride(input[2], out[2]), let sw = stride(input[3], out[3]) else {
                throw fail(spec.location, "impossible shape: the body maps \(describe(input)) to \(describe(out)), which no strided 1×1 projection shortcut can match")
            }
            guard materialize else { return (nil, out) }
            let projection = Sequential([
                Conv2d(
                    inputChannels: input[1], outputChannels: out[1], kernelSize: (1, 1), stride: (sh, sw), bias: false,
                    initializer: .kaimingNormal, generator: &generator),
                BatchNorm2d(out[1]),
            ])
            return (ResidualBlock(body: Sequential(modules), shortcut: projection, activation: activationKind), out)
        }
    }
}
