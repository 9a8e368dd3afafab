import SafeTensors
import VisionTensor

/// A network part with named parameters, buffers and children, in PyTorch's `state_dict`
/// naming (`layer1.0.conv1.weight`, `bn1.running_mean`).
///
/// Subclasses list their own tensors and children; names compose by the path from the root.
open class Module {
    /// Whether the module is in training mode (batch statistics, dropout) or eval mode.
    public private(set) var isTraining = true

    public init() {}

    /// Direct children with their names, in registration order.
    open var children: [(name: String, module: Module)] { [] }
    /// This module's own trainable tensors.
    open var localParameters: [(name: String, tensor: Tensor)] { [] }
    /// This module's own non-trainable state (BatchNorm's running statistics).
    open var localBuffers: [(name: String, tensor: Tensor)] { [] }

    /// The forward pass. Layers override it.
    open func forward(_ x: Tensor) throws -> Tensor { x }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        // While a model is traced for export, the ops it runs are attributed to this layer.
        guard GraphTrace.isRecording else { return try forward(x) }
        return try GraphTrace.inside(self) { try forward(x) }
    }

    /// Every parameter under its dotted name, depth-first in registration order.
    public func namedParameters(prefix: String = "") -> [(name: String, tensor: Tensor)] {
        localParameters.map { (prefix + $0.name, $0.tensor) }
            + children.flatMap { $0.module.namedParameters(prefix: prefix + $0.name + ".") }
    }

    public func namedBuffers(prefix: String = "") -> [(name: String, tensor: Tensor)] {
        localBuffers.map { (prefix + $0.name, $0.tensor) }
            + children.flatMap { $0.module.namedBuffers(prefix: prefix + $0.name + ".") }
    }

    /// Trainable parameters: those not frozen.
    public var trainableParameters: [Tensor] { namedParameters().map(\.tensor).filter { !frozen.contains(ObjectIdentifier($0)) } }

    public var parameterCount: Int { namedParameters().reduce(0) { $0 + $1.tensor.count } }

    private var frozen = Set<ObjectIdentifier>()

    /// Excludes parameters (all, or those whose names start with `prefix`) from training.
    public func freeze(matching prefix: String = "") {
        for (name, tensor) in namedParameters() where name.hasPrefix(prefix) { frozen.insert(ObjectIdentifier(tensor)) }
    }

    public func unfreeze() { frozen.removeAll() }

    /// Switches this module and all below it to training or eval mode.
    public func setTraining(_ training: Bool) {
        isTraining = training
        for child in children { child.module.setTraining(training) }
    }

    public func train() { setTraining(true) }
    public func eval() { setTraining(false) }

    // MARK: State dict

    /// Parameters and buffers by name, as a safetensors document (F32).
    public func stateDict() -> SafeTensors {
        var file = SafeTensors()
        for (name, tensor) in namedParameters() + namedBuffers() {
            file.set(name, SafeTensorsEntry(floats: tensor.scalars, shape: tensor.shape))
        }
        return file
    }

    /// Loads parameters and buffers by name. Every tensor must be present with the right shape,
    /// and the file may hold nothing else unless `strict` is false; PyTorch's integer
    /// `num_batches_tracked` entries are accepted and ignored.
    public func load(_ file: SafeTensors, strict: Bool = true) throws(StateDictError) {
        let targets = namedParameters() + namedBuffers()
        let known = Set(targets.map(\.name))
        if strict {
            let extra = file.names.filter { !known.contains($0) && !$0.hasSuffix("num_batches_tracked") }
            if !extra.isEmpty { throw .unexpectedTensors(extra) }
        }
        for (name, tensor) in targets {
            guard let entry = file[name] else { throw .missingTensor(name) }
            guard entry.dtype == .f32 else { throw .wrongDType(name: name, got: entry.dtype.rawValue) }
            guard entry.shape == tensor.shape else { throw .shapeMismatch(name: name, expected: tensor.shape, got: entry.shape) }
            entry.bytes.withUnsafeBytes { raw in
                tensor.pointer.update(from: raw.bindMemory(to: Float.self).baseAddress!, count: tensor.count)
            }
            tensor.markModified()
        }
    }
}

/// Why weights could not be loaded into a model.
public enum StateDictError: Error, Equatable, CustomStringConvertible {
    case missingTensor(String)
    case unexpectedTensors([String])
    case wrongDType(name: String, got: String)
    case shapeMismatch(name: String, expected: [Int], got: [Int])

    public var description: String {
        switch self {
        case .missingTensor(let name): return "tensor '\(name)' is missing from the weights"
        case .unexpectedTensors(let names):
            return "the weights hold tensors the model does not have: \(names.prefix(6).joined(separator: ", "))\(names.count > 6 ? ", …" : "")"
        case .wrongDType(let name, let got): return "tensor '\(name)': expected dtype F32, got \(got)"
        case .shapeMismatch(let name, let expected, let got): return "tensor '\(name)': expected shape \(expected), got \(got)"
        }
    }
}
