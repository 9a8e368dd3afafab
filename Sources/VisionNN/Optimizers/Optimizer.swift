import Foundation
import VisionTensor

/// Updates parameters in place from their `grad`s.
public protocol Optimizer: AnyObject {
    var learningRate: Float { get set }
    /// One update of every parameter that has a gradient.
    func step(_ parameters: [Tensor]) throws(TensorError)
    /// The per-parameter state (momentum buffers, moment estimates, step counts) by name, so
    /// that an interrupted run can resume where it stopped.
    func state(of parameter: Tensor) -> [String: Tensor]
    /// Restores what `state(of:)` returned; entries of the wrong shape are ignored.
    func restore(_ state: [String: Tensor], of parameter: Tensor)
}

extension Optimizer {
    /// Clears the gradients before the next backward pass.
    public func zeroGradients(_ parameters: [Tensor]) {
        for parameter in parameters { parameter.grad = nil }
    }
}

/// Scales all gradients together so that their global L2 norm is at most `maxNorm`, as
/// `torch.nn.utils.clip_grad_norm_` does; returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    var total: Double = 0
    for parameter in parameters {
        guard let g = parameter.grad else { continue }
        for i in 0..<g.count { total += Double(g.pointer[i]) * Double(g.pointer[i]) }
    }
    let norm = Float(total.squareRoot())
    let scale = maxNorm / (norm + 1e-6)
    if scale < 1 {
        for parameter in parameters {
            guard let g = parameter.grad else { continue }
            for i in 0..<g.count { g.pointer[i] *= scale }
        }
    }
    return norm
}

/// Stochastic gradient descent with PyTorch's momentum, dampening, Nesterov and weight decay.
public final class SGD: Optimizer {
    public var learningRate: Float
    public var momentum: Float
    public let dampening: Float
    public let nesterov: Bool
    public let weightDecay: Float
    private var buffers: [ObjectIdentifier: Tensor] = [:]

    public init(learningRate: Float, momentum: Float = 0, dampening: Float = 0, nesterov: Bool = false, weightDecay: Float = 0) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }

    public func step(_ parameters: [Tensor]) throws(TensorError) {
        for parameter in parameters {
            guard let gradient = parameter.grad else { continue }
            let p = parameter.pointer, g = gradient.pointer, count = parameter.count
            let key = ObjectIdentifier(parameter)
            let buffer = momentum != 0 ? buffers[key] : nil
            let first = momentum != 0 && buffer == nil
            let b = buffer ?? (momentum != 0 ? Tensor(zeros: parameter.shape) : nil)
            if let b, buffer == nil { buffers[key] = b }
            let lr = learningRate, decay = weightDecay, mu = momentum, damp = dampening
            if let b {
                let m = b.pointer
                for i in 0..<count {
                    let d = g[i] + decay * p[i]
                    // The first step copies the gradient into the buffer (no dampening).
                    m[i] = first ? d : mu * m[i] + (1 - damp) * d
                    p[i] -= lr * (nesterov ? d + mu * m[i] : m[i])
                }
            } else {
                for i in 0..<count { p[i] -= lr * (g[i] + decay * p[i]) }
            }
            parameter.markModified()
        }
    }

    /// The momentum buffer of a parameter (for tests and checkpoints).
    public func momentumBuffer(for parameter: Tensor) -> Tensor? { buffers[ObjectIdentifier(parameter)] }

    public func state(of parameter: Tensor) -> [String: Tensor] {
        buffers[ObjectIdentifier(parameter)].map { ["momentum_buffer": $0] } ?? [:]
    }

    public func restore(_ state: [String: Tensor], of parameter: Tensor) {
        if let buffer = state["momentum_buffer"], buffer.shape == parameter.shape { buffers[ObjectIdentifier(parameter)] = buffer.copy() }
    }
}

/// Adam (with L2 weight decay added to the gradient) and AdamW (decoupled weight decay).
public final class Adam: Optimizer {
    public var learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public let weightDecay: Float
    public let decoupledWeightDecay: Bool
    public let amsgrad: Bool
    private struct State {
        var step = 0
        let average: Tensor
        let averageSquare: Tensor
        let maxAverageSquare: Tensor?
    }
    private var states: [ObjectIdentifier: State] = [:]

    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                weightDecay: Float = 0, decoupledWeightDecay: Bool = false, amsgrad: Bool = false) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
        self.amsgrad = amsgrad
    }

    /// AdamW as in `torch.optim.AdamW` (default weight decay 0.01).
    public static func adamW(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                             weightDecay: Float = 0.01, amsgrad: Bool = false) -> Adam {
        Adam(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay,
             decoupledWeightDecay: true, amsgrad: amsgrad)
    }

    public func state(of parameter: Tensor) -> [String: Tensor] {
        guard let state = states[ObjectIdentifier(parameter)] else { return [:] }
        var out = ["exp_avg": state.average, "exp_avg_sq": state.averageSquare, "step": Tensor.full([1], Float(state.step))]
        if let maximum = state.maxAverageSquare { out["max_exp_avg_sq"] = maximum }
        return out
    }

    public func restore(_ state: [String: Tensor], of parameter: Tensor) {
        guard let average = state["exp_avg"], let square = state["exp_avg_sq"], let step = state["step"],
            average.shape == parameter.shape, square.shape == parameter.shape
        else { return }
        let maximum = state["max_exp_avg_sq"].flatMap { $0.shape == parameter.shape ? $0.copy() : nil }
        states[ObjectIdentifier(parameter)] = State(
            step: Int(step.item), average: average.copy(), averageSquare: square.copy(),
            maxAverageSquare: amsgrad ? (maximum ?? Tensor(zeros: parameter.shape)) : nil)
    }

    public func step(_ parameters: [Tensor]) throws(TensorError) {
        for parameter in parameters {
            guard let gradient = parameter.grad else { continue }
            let key = ObjectIdentifier(parameter)
            var state = states[key] ?? State(
                average: Tensor(zeros: parameter.shape), averageSquare: Tensor(zeros: parameter.shape),
                maxAverageSquare: amsgrad ? Tensor(zeros: parameter.shape) : nil)
            state.step += 1
            let bias1 = 1 - Float(pow(Double(beta1), Double(state.step)))
            let bias2Root = Float((1 - pow(Double(beta2), Double(state.step))).squareRoot())
            let stepSize = learningRate / bias1
            let p = parameter.pointer, g = gradient.pointer
            let m = state.average.pointer, v = state.averageSquare.pointer, vMax = state.maxAverageSquare?.pointer
            for i in 0..<parameter.count {
                var d = g[i]
                if decoupledWeightDecay {
                    p[i] *= 1 - learningRate * weightDecay
                } else {
                    d += weightDecay * p[i]
                }
                m[i] = beta1 * m[i] + (1 - beta1) * d
                v[i] = beta2 * v[i] + (1 - beta2) * d * d
                var second = v[i]
                if let vMax {
                    vMax[i] = max(vMax[i], v[i])
                    second = vMax[i]
                }
                p[i] -= stepSize * m[i] / (second.squareRoot() / bias2Root + epsilon)
            }
            parameter.markModified()
            states[key] = state
        }
    }
}
