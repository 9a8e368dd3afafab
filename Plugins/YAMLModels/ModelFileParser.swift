import Foundation
import VisionModelAPI
import VisionPluginAPI
import VisionTensor
import Yams

/// What a model file holds: its name, input defaults and layers.
public struct ModelDefinition: Sendable {
    public let name: String
    public let summary: String?
    public let inputSize: InputSize?
    public let channels: Int?
    public let mean: [Float]?
    public let std: [Float]?
    public let resize: ResizePolicy?
    public let layers: [LayerSpec]
    /// Where the `layers` key is (for errors about the list as a whole).
    public let layersLocation: SpecLocation
}

/// Reads a model file (YAML, or JSON, which is YAML too) into a `ModelDefinition`, with every
/// error naming the file, the line and the key. Works on Yams' composed nodes because they
/// keep line marks, which `Decodable` would drop.
struct ModelFileParser {
    let file: String

    static let topLevelKeys = ["channels", "input_size", "layers", "mean", "name", "resize", "std", "summary"]

    /// Each layer type and its option keys.
    static let layerKeys: [String: [String]] = [
        "conv2d": ["out_channels", "kernel_size", "stride", "padding", "groups", "dilation", "bias"],
        "batchnorm2d": ["momentum", "eps"],
        "relu": [], "relu6": [], "silu": [], "sigmoid": [], "tanh": [], "hardswish": [],
        "leaky_relu": ["negative_slope"],
        "gelu": ["approximate"],
        "maxpool2d": ["kernel_size", "stride", "padding"],
        "avgpool2d": ["kernel_size", "stride", "padding", "count_include_pad"],
        "global_avgpool": [],
        "dropout": ["p"],
        "flatten": [],
        "linear": ["out_features", "bias"],
        "residual": ["layers", "activation"],
    ]

    static let activationNames = ["gelu", "hardswish", "leaky_relu", "relu", "relu6", "sigmoid", "silu", "tanh"]

    func parse(_ text: String) throws -> ModelDefinition {
        if let violation = YAMLAliasLimit.violation(in: text) { throw fail(nil, nil, violation) }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw syntaxError(error)
        }
        guard let root, let mapping = root.mapping else {
            throw fail(root?.mark?.line ?? 1, nil, "expected a mapping with 'name' and 'layers'")
        }
        var fields: [String: (key: Node, value: Node)] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { throw fail(key.mark?.line, nil, "expected a string key, got \(describe(key))") }
            guard Self.topLevelKeys.contains(name) else { throw unknownKey(name, at: key, in: nil, valid: Self.topLevelKeys) }
            fields[name] = (key, value)
        }
        guard let nameField = fields["name"] else { throw fail(root.mark?.line ?? 1, "name", "the key 'name' is required") }
        guard let name = nameField.value.string, !name.isEmpty, nameField.value.scalar != nil else {
            throw fail(nameField.value.mark?.line, "name", "expected a model name, got \(describe(nameField.value))")
        }
        guard let layersField = fields["layers"] else { throw fail(root.mark?.line ?? 1, "layers", "the key 'layers' is required") }
        let layersLocation = SpecLocation(line: layersField.key.mark?.line, key: "layers")
        let layers = try parseLayers(layersField.value, path: "layers")
        guard !layers.isEmpty else { throw fail(layersLocation.line, "layers", "expected at least one layer") }
        return ModelDefinition(
            name: name,
            summary: try fields["summary"].map { try string($0.value, key: "summary") },
            inputSize: try fields["input_size"].map { field in
                let (height, width) = try pair(field.value, key: "input_size", minimum: 1)
                return InputSize(height: height, width: width)
            },
            channels: try fields["channels"].map { try integer($0.value, key: "channels", minimum: 1) },
            mean: try fields["mean"].map { try numbers($0.value, key: "mean") },
            std: try fields["std"].map { try numbers($0.value, key: "std", positive: true) },
            resize: try fields["resize"].map { field in
                let raw = try string(field.value, key: "resize")
                guard let policy = ResizePolicy(rawValue: raw) else {
                    throw fail(field.value.mark?.line, "resize", "expected one of \(ResizePolicy.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")), got \"\(raw)\"")
                }
                return policy
            },
            layers: layers, layersLocation: layersLocation)
    }

    // MARK: Layers

    private func parseLayers(_ node: Node, path: String) throws -> [LayerSpec] {
        guard let sequence = node.sequence else {
            throw fail(node.mark?.line, path, "expected a list of layers, got \(describe(node))")
        }
        return try sequence.enumerated().map { index, item in try parseLayer(item, path: "\(path)[\(index)]") }
    }

    private func parseLayer(_ node: Node, path: String) throws -> LayerSpec {
        // `- relu` or `- relu: {}` or `- conv2d: {out_channels: 8, …}`.
        let typeNode: Node
        let optionsNode: Node?
        if node.scalar != nil {
            typeNode = node
            optionsNode = nil
        } else if let mapping = node.mapping, mapping.count == 1, let pair = mapping.first {
            typeNode = pair.key
            optionsNode = pair.value
        } else {
            throw fail(node.mark?.line, path, "expected one layer written as `type: {options}`, got \(describe(node))")
        }
        guard let type = typeNode.string else { throw fail(typeNode.mark?.line, path, "expected a layer type, got \(describe(typeNode))") }
        let location = SpecLocation(line: typeNode.mark?.line, key: "\(path).\(type)")
        guard let allowed = Self.layerKeys[type] else {
            let known = Self.layerKeys.keys.sorted()
            let hint = PluginNames.closest(to: type, in: known).map { " (did you mean '\($0)'?)" } ?? ""
            throw fail(typeNode.mark?.line, path, "unknown layer type '\(type)'\(hint); known types: \(known.joined(separator: ", "))")
        }
        var options: [String: Node] = [:]
        var keyLines: [String: Int] = [:]
        if let optionsNode, optionsNode.null == nil {
            guard let mapping = optionsNode.mapping else {
                throw fail(optionsNode.mark?.line, location.key, "expected options as a mapping ({key: value}), got \(describe(optionsNode))")
            }
            for (key, value) in mapping {
                guard let name = key.string else { throw fail(key.mark?.line, location.key, "expected a string key, got \(describe(key))") }
                guard allowed.contains(name) else { throw unknownKey(name, at: key, in: location.key, valid: allowed) }
                options[name] = value
                if let line = key.mark?.line { keyLines[name] = line }
            }
        }
        let reader = OptionReader(parser: self, options: options, owner: location.key, line: location.line)
        let kind: LayerSpec.Kind
        switch type {
        case "conv2d":
            let kernel = try reader.pair("kernel_size", required: true, minimum: 1) ?? (1, 1)
            let padding: LayerSpec.Padding
            if let node = options["padding"], node.string == "same", node.int == nil {
                guard kernel.0 % 2 == 1, kernel.1 % 2 == 1 else {
                    throw fail(node.mark?.line, location.key + ".padding", "'same' padding needs an odd kernel_size, got \(kernel.0)×\(kernel.1)")
                }
                padding = .same
            } else {
                let explicit = try reader.pair("padding", minimum: 0) ?? (0, 0)
                padding = .explicit(explicit.0, explicit.1)
            }
            kind = .conv2d(
                outChannels: try reader.dimension("out_channels", required: true) ?? .literal(1), kernel: kernel,
                stride: try reader.pair("stride", minimum: 1) ?? (1, 1), padding: padding,
                groups: try reader.dimension("groups") ?? .literal(1), dilation: try reader.integer("dilation", minimum: 1) ?? 1,
                bias: try reader.bool("bias") ?? true)
        case "batchnorm2d":
            kind = .batchNorm2d(
                momentum: try reader.number("momentum", in: 0...1) ?? 0.1, epsilon: try reader.number("eps", in: 1e-12...1) ?? 1e-5)
        case "maxpool2d", "avgpool2d":
            let kernel = try reader.pair("kernel_size", required: true, minimum: 1) ?? (1, 1)
            let stride = try reader.pair("stride", minimum: 1) ?? kernel
            let padding = try reader.pair("padding", minimum: 0) ?? (0, 0)
            guard 2 * padding.0 <= kernel.0, 2 * padding.1 <= kernel.1 else {
                throw fail(keyLines["padding"] ?? location.line, location.key + ".padding", "expected at most half the kernel_size (\(kernel.0)×\(kernel.1)), got \(padding.0)×\(padding.1)")
            }
            kind = type == "maxpool2d"
                ? .maxPool2d(kernel: kernel, stride: stride, padding: padding)
                : .avgPool2d(kernel: kernel, stride: stride, padding: padding, countIncludePad: try reader.bool("count_include_pad") ?? true)
        case "global_avgpool":
            kind = .globalAvgPool
        case "dropout":
            let p = try reader.number("p", in: 0...0.999) ?? 0.5
            kind = .dropout(p)
        case "flatten":
            kind = .flatten
        case "linear":
            kind = .linear(outFeatures: try reader.dimension("out_features", required: true) ?? .literal(1), bias: try reader.bool("bias") ?? true)
        case "residual":
            guard let body = options["layers"] else {
                throw fail(location.line, location.key, "the key 'layers' (the block's body) is required")
            }
            let layers = try parseLayers(body, path: location.key + ".layers")
            guard !layers.isEmpty else { throw fail(body.mark?.line, location.key + ".layers", "expected at least one layer") }
            var activation: Activation?
            if let node = options["activation"] {
                let name = try string(node, key: location.key + ".activation")
                guard let parsed = Self.activation(named: name) else {
                    throw fail(node.mark?.line, location.key + ".activation", "expected one of \(Self.activationNames.joined(separator: ", ")), got \"\(name)\"")
                }
                activation = parsed
            }
            kind = .residual(body: layers, activation: activation)
        case "leaky_relu":
            kind = .activation(.leakyRelu(slope: try reader.number("negative_slope", in: 0...1) ?? 0.01))
        case "gelu":
            var approximate = "none"
            if let node = options["approximate"] { approximate = try string(node, key: location.key + ".approximate") }
            guard approximate == "none" || approximate == "tanh" else {
                throw fail(keyLines["approximate"], location.key + ".approximate", "expected \"none\" or \"tanh\", got \"\(approximate)\"")
            }
            kind = .activation(approximate == "tanh" ? .geluTanh : .gelu)
        default:
            guard let parsed = Self.activation(named: type) else {
                throw fail(typeNode.mark?.line, path, "unknown layer type '\(type)'")
            }
            kind = .activation(parsed)
        }
        return LayerSpec(kind: kind, location: location, keyLines: keyLines)
    }

    static func activation(named name: String) -> Activation? {
        switch name {
        case "relu": return .relu
        case "relu6": return .relu6
        case "silu": return .silu
        case "sigmoid": return .sigmoid
        case "tanh": return .tanh
        case "hardswish": return .hardswish
        case "gelu": return .gelu
        case "leaky_relu": return .leakyRelu(slope: 0.01)
        default: return nil
        }
    }

    // MARK: Values

    func fail(_ line: Int?, _ key: String?, _ message: String) -> ModelFileError {
        ModelFileError(file: file, line: line, key: key, message: message)
    }

    private func unknownKey(_ name: String, at node: Node, in owner: String?, valid: [String]) -> ModelFileError {
        let hint = PluginNames.closest(to: name, in: valid).map { " (did you mean '\($0)'?)" } ?? ""
        let list = valid.isEmpty ? "it takes no keys" : "valid keys: \(valid.sorted().joined(separator: ", "))"
        return fail(node.mark?.line, owner.map { "\($0).\(name)" } ?? name, "unknown key '\(name)'\(hint); \(list)")
    }

    private func syntaxError(_ error: YamlError) -> ModelFileError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return fail(mark.line, nil, "not valid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let names = duplicates
            return fail(context.mark.line, names.first, "duplicated key\(names.count > 1 ? "s" : "") \(names.map { "'\($0)'" }.joined(separator: ", "))")
        default:
            return fail(nil, nil, "not valid YAML: \(error)")
        }
    }

    func describe(_ node: Node) -> String {
        if node.null != nil { return "nothing" }
        if let scalar = node.scalar { return "\"\(scalar.string)\"" }
        if let sequence = node.sequence { return "a list of \(sequence.count)" }
        if let mapping = node.mapping { return "a mapping with \(mapping.count) keys" }
        return "an unsupported value"
    }

    func string(_ node: Node, key: String) throws -> String {
        guard let scalar = node.scalar, node.null == nil else { throw fail(node.mark?.line, key, "expected a string, got \(describe(node))") }
        return scalar.string
    }

    /// The largest size any option may take (channels, kernels, strides, padding, input sides):
    /// larger values are typos or attacks, and would overflow shape arithmetic.
    static let largestValue = 65_536

    func integer(_ node: Node, key: String, minimum: Int) throws -> Int {
        guard node.scalar != nil, let value = node.int else { throw fail(node.mark?.line, key, "expected an integer, got \(describe(node))") }
        guard value >= minimum, value <= Self.largestValue else {
            throw fail(node.mark?.line, key, "expected an integer in \(minimum)...\(Self.largestValue), got \(value)")
        }
        return value
    }

    /// One integer for both sides, or `[height, width]`.
    func pair(_ node: Node, key: String, minimum: Int) throws -> (Int, Int) {
        if let sequence = node.sequence {
            guard sequence.count == 2 else { throw fail(node.mark?.line, key, "expected an integer or [height, width], got \(describe(node))") }
            return (try integer(sequence[0], key: key, minimum: minimum), try integer(sequence[1], key: key, minimum: minimum))
        }
        let value = try integer(node, key: key, minimum: minimum)
        return (value, value)
    }

    func numbers(_ node: Node, key: String, positive: Bool = false) throws -> [Float] {
        guard let sequence = node.sequence, !sequence.isEmpty else { throw fail(node.mark?.line, key, "expected a list of numbers, got \(describe(node))") }
        return try sequence.map { item in
            guard item.scalar != nil, let value = item.float, value.isFinite, !positive || value > 0 else {
                throw fail(item.mark?.line, key, "expected \(positive ? "a positive" : "a") number, got \(describe(item))")
            }
            return Float(value)
        }
    }
}

/// Typed access to one layer's options, with errors naming the option's line and key.
private struct OptionReader {
    let parser: ModelFileParser
    let options: [String: Node]
    let owner: String
    /// The layer's line, for a missing key.
    let line: Int?

    private func node(_ key: String, required: Bool) throws -> Node? {
        if let node = options[key] { return node }
        if required { throw parser.fail(line, owner, "the key '\(key)' is required") }
        return nil
    }

    func integer(_ key: String, minimum: Int) throws -> Int? {
        try node(key, required: false).map { try parser.integer($0, key: owner + "." + key, minimum: minimum) }
    }

    func pair(_ key: String, required: Bool = false, minimum: Int) throws -> (Int, Int)? {
        try node(key, required: required).map { try parser.pair($0, key: owner + "." + key, minimum: minimum) }
    }

    func bool(_ key: String) throws -> Bool? {
        guard let node = try node(key, required: false) else { return nil }
        guard node.scalar != nil, let value = node.bool else {
            throw parser.fail(node.mark?.line, owner + "." + key, "expected true or false, got \(parser.describe(node))")
        }
        return value
    }

    func number(_ key: String, in range: ClosedRange<Float>) throws -> Float? {
        guard let node = try node(key, required: false) else { return nil }
        guard node.scalar != nil, let value = node.float.map(Float.init), range.contains(value) else {
            throw parser.fail(node.mark?.line, owner + "." + key, "expected a number in \(range.lowerBound)...\(range.upperBound), got \(parser.describe(node))")
        }
        return value
    }

    /// A positive integer, `num_classes` or `in_channels`.
    func dimension(_ key: String, required: Bool = false) throws -> DimensionValue? {
        guard let node = try node(key, required: required) else { return nil }
        if node.scalar != nil, let value = node.int {
            guard value >= 1, value <= ModelFileParser.largestValue else {
                throw parser.fail(node.mark?.line, owner + "." + key, "expected an integer in 1...\(ModelFileParser.largestValue), got \(value)")
            }
            return .literal(value)
        }
        switch node.string {
        case "num_classes": return .numClasses
        case "in_channels": return .inChannels
        default:
            throw parser.fail(
                node.mark?.line, owner + "." + key,
                "expected a positive integer, num_classes or in_channels, got \(parser.describe(node))")
        }
    }
}
