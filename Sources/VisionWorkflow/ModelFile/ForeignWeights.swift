import Foundation
import SafeTensors
import VisionModelAPI
import VisionNN
import VisionTensor

/// Weights trained elsewhere: a PyTorch, torchvision or timm `state_dict` saved as safetensors
/// (`safetensors.torch.save_file(model.state_dict(), "weights.safetensors")`), loaded by name
/// into a vision model. torchvision's names are vision's for resnet18/34 and mobilenetv2 (timm's
/// ResNets share them; timm's mobilenetv2_100 names are mapped);
/// `module.` (DataParallel) and `model.` prefixes are dropped; batch-norm running statistics
/// load with the parameters; `num_batches_tracked` is ignored.
public enum ForeignWeights {
    public struct Report: Sendable, Equatable {
        /// Tensors loaded from the file.
        public var loaded = 0
        /// The model's tensors the file does not hold (left at initialisation).
        public var missing: [String] = []
        /// The file's tensors the model does not have (not used).
        public var unexpected: [String] = []
        /// The class count of the file's head, when it has one.
        public var fileClasses: Int?
    }

    public enum LoadError: Error, CustomStringConvertible, Equatable {
        case doesNotFit(path: String, model: String, missing: [String], unexpected: [String])
        case tensor(path: String, detail: String)

        public var description: String {
            switch self {
            case .doesNotFit(let path, let model, let missing, let unexpected):
                func list(_ names: [String]) -> String { names.prefix(5).joined(separator: ", ") + (names.count > 5 ? ", …" : "") }
                var parts: [String] = []
                if !missing.isEmpty { parts.append("missing \(missing.count) (\(list(missing)))") }
                if !unexpected.isEmpty { parts.append("unexpected \(unexpected.count) (\(list(unexpected)))") }
                return "\(path) does not fit \(model): \(parts.joined(separator: "; ")); --strict false loads what fits and leaves the rest at initialisation"
            case .tensor(let path, let detail):
                return "\(path): \(detail)"
            }
        }
    }

    /// Whether `file` is a plain state_dict rather than a vision model file.
    public static func isForeign(_ file: SafeTensors) -> Bool { file.metadata[SavedModel.metadataKey] == nil }

    /// The file's name for each of the model's tensors, where it has one: the same name, with
    /// a `module.` or `model.` prefix, or timm's name for it.
    static func fileName(for name: String, in file: SafeTensors) -> String? {
        let names = [name] + (timmName(for: name).map { [$0] } ?? [])
        for base in names {
            for candidate in [base, "module." + base, "model." + base] where file[candidate] != nil { return candidate }
        }
        return nil
    }

    /// timm's `mobilenetv2_100` names for torchvision's (vision's) `mobilenet_v2` ones:
    /// `features.0.0` ↔ `conv_stem`, `features.K.conv.…` ↔ `blocks.S.I.…` (stages of 1, 2, 3, 4,
    /// 3, 3, 1 blocks), `features.18` ↔ `conv_head`/`bn2`, `classifier.1` ↔ `classifier`. timm's
    /// ResNets already use torchvision's names.
    static func timmName(for name: String) -> String? {
        let parts = name.split(separator: ".").map(String.init)
        guard parts.count >= 2 else { return nil }
        let tail = parts.last ?? ""
        if parts[0] == "classifier", parts.count == 3, parts[1] == "1" { return "classifier." + tail }
        guard parts[0] == "features", let block = Int(parts[1]) else { return nil }
        switch (block, Array(parts.dropFirst(2).dropLast())) {
        case (0, ["0"]): return "conv_stem." + tail
        case (0, ["1"]): return "bn1." + tail
        case (18, ["0"]): return "conv_head." + tail
        case (18, ["1"]): return "bn2." + tail
        default: break
        }
        let stages = [1, 2, 3, 4, 3, 3, 1]
        guard (1...17).contains(block), parts.count >= 4, parts[2] == "conv" else { return nil }
        var (stage, index, remaining) = (0, block - 1, block - 1)
        while stage < stages.count && remaining >= stages[stage] {
            remaining -= stages[stage]
            stage += 1
        }
        index = remaining
        let inner = Array(parts[3..<(parts.count - 1)])
        let layer: String?
        if block == 1 {
            // Depthwise-separable: dw conv, bn, pw conv, bn.
            layer = ["0.0": "conv_dw", "0.1": "bn1", "1": "conv_pw", "2": "bn2"][inner.joined(separator: ".")]
        } else {
            // Inverted residual: pw conv, bn, dw conv, bn, linear pw conv, bn.
            layer = ["0.0": "conv_pw", "0.1": "bn1", "1.0": "conv_dw", "1.1": "bn2", "2": "conv_pwl", "3": "bn3"][inner.joined(separator: ".")]
        }
        return layer.map { "blocks.\(stage).\(index).\($0).\(tail)" }
    }

    /// The class count the file's head was trained for: the first dimension of the tensor it
    /// holds for the model's head weight (nil when it holds none).
    public static func headClasses(in file: SafeTensors, model: ClassifierModel) -> Int? {
        let headWeights = model.head.namedParameters(prefix: model.headName + ".").filter { $0.tensor.rank == 2 }
        for (name, _) in headWeights.reversed() {
            if let key = fileName(for: name, in: file), let shape = file[key]?.shape, shape.count == 2 { return shape[0] }
        }
        return nil
    }

    /// Loads `file` into `model` by name. Strict: every tensor of the model present with its
    /// shape and nothing left over, else one line listing what is missing and unexpected.
    /// Not strict: what fits loads, the rest stays at initialisation and is reported.
    public static func load(_ file: SafeTensors, path: String, into model: ClassifierModel, strict: Bool) throws -> Report {
        var report = Report()
        report.fileClasses = headClasses(in: file, model: model)
        var used = Set<String>()
        var pending: [(Tensor, [Float])] = []
        for (name, tensor) in model.namedParameters() + model.namedBuffers() {
            guard let key = fileName(for: name, in: file), let entry = file[key] else {
                report.missing.append(name)
                continue
            }
            used.insert(key)
            guard entry.shape == tensor.shape else {
                report.missing.append(name)
                report.unexpected.append("\(key) \(entry.shape) (the model's is \(tensor.shape))")
                continue
            }
            let values: [Float]
            do {
                values = try file.floats(key)
            } catch {
                throw LoadError.tensor(path: path, detail: "tensor '\(key)': \(error) (vision loads float32 weights; convert with tensor.float())")
            }
            pending.append((tensor, values))
        }
        report.unexpected += file.names.filter { !used.contains($0) && !$0.hasSuffix("num_batches_tracked") }.sorted()
        if strict && (!report.missing.isEmpty || !report.unexpected.isEmpty) {
            throw LoadError.doesNotFit(
                path: path, model: model.pluginName.isEmpty ? "the model" : model.pluginName, missing: report.missing, unexpected: report.unexpected)
        }
        for (tensor, values) in pending {
            values.withUnsafeBufferPointer { tensor.pointer.update(from: $0.baseAddress!, count: tensor.count) }
            tensor.markModified()
        }
        report.loaded = pending.count
        return report
    }

    /// A vision model built from `specification` with the file's weights, for `classes` (a new
    /// head when their count differs from the file's), as the (weights, metadata) of a model
    /// file: what `vision import` writes and `vision train --init-from weights.safetensors`
    /// fine-tunes. The preprocessing is the plugin's default (ImageNet's for ImageNet models).
    public static func savedModel(
        _ file: SafeTensors, path: String, specification: ModelSpecification, classes: [String]?, preprocessing: Preprocessing? = nil,
        training: TrainingConfiguration, strict: Bool, models: ModelRegistry, log: (String) -> Void
    ) throws -> (model: ClassifierModel, weights: SafeTensors, metadata: SavedModelMetadata) {
        let plugin = try models.plugin(for: specification)
        let p = preprocessing ?? plugin.defaultPreprocessing
        let probe = try models.make(plugin, classes: 1, inputChannels: p.channels, inputSize: p.inputSize, configuration: specification.configuration)
        let fileClasses = headClasses(in: file, model: probe)
        let model = try models.make(
            plugin, classes: fileClasses ?? classes?.count ?? 1, inputChannels: p.channels, inputSize: p.inputSize,
            configuration: specification.configuration, seed: training.seed)
        let report = try load(file, path: path, into: model, strict: strict)
        var line = "imported \(report.loaded) tensors from \(path) into \(plugin.name)"
        if !report.missing.isEmpty { line += "; left at initialisation: \(report.missing.prefix(8).joined(separator: ", "))\(report.missing.count > 8 ? ", …" : "")" }
        if !report.unexpected.isEmpty { line += "; not used: \(report.unexpected.prefix(8).joined(separator: ", "))\(report.unexpected.count > 8 ? ", …" : "")" }
        log(line)
        var names = classes ?? (0..<(fileClasses ?? 1)).map(String.init)
        if let classes, classes.count != model.classes {
            try model.replaceHead(classes: classes.count, seed: training.seed)
            log("new head: \(fileClasses.map(String.init) ?? "no") classes in the file, \(classes.count) here")
            names = classes
        }
        let metadata = SavedModelMetadata(
            model: specification, classes: names, preprocessing: p, training: training, epoch: 0, metrics: [:], split: [], datasetRoot: "",
            datasetFingerprint: "")
        return (model, model.stateDict(), metadata)
    }
}
