/// One recorded op: its inputs and how to turn the output's gradient into theirs.
final class Node {
    let op: String
    let inputs: [Tensor]
    /// Given dL/d(output) and which inputs need a gradient, returns dL/d(input) for those
    /// (nil for the others: nothing is computed for what needs no gradient).
    let backward: (_ gradient: Tensor, _ needs: [Bool]) throws(TensorError) -> [Tensor?]

    init(op: String, inputs: [Tensor], backward: @escaping (Tensor, [Bool]) throws(TensorError) -> [Tensor?]) {
        self.op = op
        self.inputs = inputs
        self.backward = backward
    }
}

/// Whether ops record a gradient tape; task-local, so concurrent tasks (tests, a server's
/// requests) each keep their own setting.
public enum GradientMode {
    @TaskLocal public static var isEnabled = true

    /// Runs `body` with recording off: inference keeps no tape and no activations.
    public static func withoutGradients<T>(_ body: () throws -> T) rethrows -> T {
        try $isEnabled.withValue(false) { try body() }
    }
}

/// Records `output` as the result of `op` on `inputs` when any input wants a gradient.
@discardableResult
func record(
    _ output: Tensor, op: String, inputs: [Tensor],
    backward: @escaping (Tensor, [Bool]) throws(TensorError) -> [Tensor?]
) -> Tensor {
    // Ops without a traced form still show up in an export trace, so that the exporter can
    // name them (traced ops record with the trace switched off).
    if let trace = GraphTrace.active { trace.nodes.append(GraphTrace.Node(op: op, inputs: inputs, output: output, attributes: [:], layer: trace.layers.last)) }
    if GradientMode.isEnabled && inputs.contains(where: \.requiresGrad) {
        output.requiresGrad = true
        output.node = Node(op: op, inputs: inputs, backward: backward)
    }
    return output
}

/// Reverse-mode differentiation from a scalar (or with an explicit seed gradient): adds
/// dL/d(leaf) into `grad` of every leaf that requires one, then frees the tape.
public func backward(_ root: Tensor, seed: Tensor? = nil) throws(TensorError) {
    do {
        try backward(root, seed: seed, leafReady: nil)
    } catch let error as TensorError {
        throw error
    } catch {
        throw .invalidArgument(op: "backward", detail: "\(error)")  // unreachable: nothing else throws without a hook
    }
}

/// `backward`, telling `leafReady` each leaf as soon as its gradient is complete (every op that
/// used it is done), so that distributed training can send gradients while the rest of the pass
/// runs. Errors of the hook end the pass.
public func backward(_ root: Tensor, seed: Tensor? = nil, leafReady: ((Tensor) throws -> Void)?) throws {
    guard root.requiresGrad else {
        throw TensorError.invalidArgument(op: "backward", detail: "the value does not depend on anything that requires a gradient")
    }
    if seed == nil && root.count != 1 {
        throw TensorError.shapeMismatch(op: "backward", expected: "a scalar (or an explicit seed gradient)", got: root.shape)
    }
    // Topological order by iterative depth-first search (deep nets would overflow recursion).
    var order: [Tensor] = []
    var visited = Set<ObjectIdentifier>()
    var stack: [(Tensor, Bool)] = [(root, false)]
    while let (tensor, expanded) = stack.popLast() {
        if expanded {
            order.append(tensor)
            continue
        }
        guard visited.insert(ObjectIdentifier(tensor)).inserted else { continue }
        stack.append((tensor, true))
        for input in tensor.node?.inputs ?? [] where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
            stack.append((input, false))
        }
    }
    var gradients: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): seed ?? Tensor.full(root.shape, 1)]
    for tensor in order.reversed() {
        guard let gradient = gradients.removeValue(forKey: ObjectIdentifier(tensor)) else { continue }
        guard let node = tensor.node else {
            tensor.grad = try tensor.grad.map { existing throws(TensorError) in try Kernels.added(existing, gradient) } ?? gradient
            try leafReady?(tensor)
            continue
        }
        let needs = node.inputs.map(\.requiresGrad)
        let inputGradients = try node.backward(gradient, needs)
        for (index, input) in node.inputs.enumerated() where needs[index] {
            guard let inputGradient = inputGradients[index] else { continue }
            guard inputGradient.shape == input.shape else {
                throw TensorError.shapeMismatch(op: "\(node.op) backward", expected: "gradient of shape \(input.shape)", got: inputGradient.shape)
            }
            let key = ObjectIdentifier(input)
            if let existing = gradients[key] {
                gradients[key] = try Kernels.added(existing, inputGradient)
            } else {
                gradients[key] = inputGradient
            }
        }
    }
    // The tape is consumed, as in PyTorch without retain_graph: activations can be freed.
    for tensor in order where tensor.node != nil {
        tensor.node = nil
        tensor.requiresGrad = false
    }
}

/// The value of `body` and the gradients of it with respect to `parameters` (in order; zeros
/// for parameters it does not depend on). Existing `grad`s are left untouched.
public func valueAndGradient(of parameters: [Tensor], _ body: () throws -> Tensor) throws -> (value: Tensor, gradients: [Tensor]) {
    let saved = parameters.map { ($0.grad, $0.requiresGrad) }
    defer {
        for (parameter, state) in zip(parameters, saved) {
            parameter.grad = state.0
            parameter.requiresGrad = state.1
        }
    }
    for parameter in parameters {
        parameter.grad = nil
        parameter.requiresGrad = true
    }
    let value = try body()
    try backward(value)
    let gradients = parameters.map { $0.grad ?? Tensor(zeros: $0.shape) }
    return (value.detached(), gradients)
}
