import Foundation

/// Activation functions with PyTorch's conventions (relu'(0) = 0, leaky_relu'(0) = slope).
public enum Activation: Hashable, Sendable {
    case relu
    case leakyRelu(slope: Float)
    case silu
    case sigmoid
    case tanh
    case gelu
    case geluTanh
    case hardswish
    /// min(max(x, 0), 6), MobileNet's activation (PyTorch's gradient: 1 strictly inside (0, 6)).
    case relu6

    public var name: String {
        switch self {
        case .relu: return "relu"
        case .leakyRelu: return "leaky_relu"
        case .silu: return "silu"
        case .sigmoid: return "sigmoid"
        case .tanh: return "tanh"
        case .gelu: return "gelu"
        case .geluTanh: return "gelu_tanh"
        case .hardswish: return "hardswish"
        case .relu6: return "relu6"
        }
    }

    @inline(__always)
    func value(_ x: Float) -> Float {
        switch self {
        case .relu: return x > 0 ? x : 0
        case .leakyRelu(let slope): return x > 0 ? x : slope * x
        case .silu: return x / (1 + Foundation.exp(-x))
        case .sigmoid: return 1 / (1 + Foundation.exp(-x))
        case .tanh: return Foundation.tanh(x)
        case .gelu: return 0.5 * x * (1 + Foundation.erf(x / 2.0.squareRoot().float))
        case .geluTanh:
            let inner = Float(0.7978845608028654) * (x + 0.044715 * x * x * x)
            return 0.5 * x * (1 + Foundation.tanh(inner))
        case .hardswish: return x * min(max(x + 3, 0), 6) / 6
        case .relu6: return min(max(x, 0), 6)
        }
    }

    @inline(__always)
    func derivative(_ x: Float) -> Float {
        switch self {
        case .relu: return x > 0 ? 1 : 0
        case .leakyRelu(let slope): return x > 0 ? 1 : slope
        case .silu:
            let s = 1 / (1 + Foundation.exp(-x))
            return s * (1 + x * (1 - s))
        case .sigmoid:
            let s = 1 / (1 + Foundation.exp(-x))
            return s * (1 - s)
        case .tanh:
            let t = Foundation.tanh(x)
            return 1 - t * t
        case .gelu:
            let cdf = 0.5 * (1 + Foundation.erf(x / 2.0.squareRoot().float))
            let pdf = Foundation.exp(-0.5 * x * x) / (2 * Float.pi).squareRoot()
            return cdf + x * pdf
        case .geluTanh:
            let k = Float(0.7978845608028654)
            let inner = k * (x + 0.044715 * x * x * x)
            let t = Foundation.tanh(inner)
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x)
        case .hardswish:
            if x < -3 { return 0 }
            if x > 3 { return 1 }
            return x / 3 + 0.5
        case .relu6: return x > 0 && x < 6 ? 1 : 0
        }
    }
}

extension Double {
    var float: Float { Float(self) }
}

/// Applies an activation elementwise.
public func activation(_ x: Tensor, _ kind: Activation) -> Tensor {
    var attributes: [String: GraphTrace.Attribute] = [:]
    if case .leakyRelu(let slope) = kind { attributes["slope"] = .float(slope) }
    // The body cannot throw: the result is always a success.
    return (try? traced(kind.name, inputs: [x], attributes) { () throws(TensorError) -> Tensor in untracedActivation(x, kind) }) ?? untracedActivation(x, kind)
}

private func untracedActivation(_ x: Tensor, _ kind: Activation) -> Tensor {
    if ComputeBackend.current == .dnnl, let out = try? DNNLEltwise.forward(kind, x) {
        let x0 = x.detached()
        return record(out, op: kind.name, inputs: [x]) { gradient, _ throws(TensorError) in
            [try DNNLEltwise.backward(kind, x0, gradOutput: gradient)]
        }
    }
    let out = Tensor(zeros: x.shape)
    let source = x.pointer, target = out.pointer
    for i in 0..<x.count { target[i] = kind.value(source[i]) }
    return record(out, op: kind.name, inputs: [x]) { gradient, _ in
        let gradInput = Tensor(zeros: x.shape)
        let source = x.pointer, g = gradient.pointer, target = gradInput.pointer
        for i in 0..<x.count { target[i] = g[i] * kind.derivative(source[i]) }
        return [gradInput]
    }
}

public func relu(_ x: Tensor) -> Tensor { activation(x, .relu) }
public func leakyRelu(_ x: Tensor, slope: Float = 0.01) -> Tensor { activation(x, .leakyRelu(slope: slope)) }
public func silu(_ x: Tensor) -> Tensor { activation(x, .silu) }
public func sigmoid(_ x: Tensor) -> Tensor { activation(x, .sigmoid) }
public func tanh(_ x: Tensor) -> Tensor { activation(x, .tanh) }
public func gelu(_ x: Tensor, approximateTanh: Bool = false) -> Tensor { activation(x, approximateTanh ? .geluTanh : .gelu) }
public func hardswish(_ x: Tensor) -> Tensor { activation(x, .hardswish) }
public func relu6(_ x: Tensor) -> Tensor { activation(x, .relu6) }
