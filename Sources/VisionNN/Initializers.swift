import Foundation
import VisionTensor

/// Weight initialisers, named as in `torch.nn.init`. Fan-in and fan-out follow PyTorch:
/// for a conv weight [O, I, kH, kW], fan_in = I·kH·kW and fan_out = O·kH·kW.
public enum Initializer: Sendable, Equatable {
    /// kaiming_normal_(mode="fan_in", nonlinearity="relu"): N(0, 2/fan_in).
    case kaimingNormal
    /// kaiming_uniform_(mode="fan_in", nonlinearity="relu"): U(±√(6/fan_in)).
    case kaimingUniform
    /// xavier_uniform_: U(±√(6/(fan_in+fan_out))).
    case xavierUniform
    /// xavier_normal_: N(0, 2/(fan_in+fan_out)).
    case xavierNormal
    /// PyTorch's default for conv and linear weights: kaiming_uniform_(a=√5) = U(±1/√fan_in).
    case pytorchDefault
    case zeros
    case ones

    public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        guard shape.count >= 2 else { return (max(shape.first ?? 1, 1), max(shape.first ?? 1, 1)) }
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// Fills `tensor` in place from `generator`.
    public func fill(_ tensor: Tensor, generator: inout SeededGenerator) {
        let (fanIn, fanOut) = Initializer.fans(tensor.shape)
        let p = tensor.pointer
        func uniform(_ bound: Float) { for i in 0..<tensor.count { p[i] = (generator.nextUniform() * 2 - 1) * bound } }
        func normal(_ std: Float) { for i in 0..<tensor.count { p[i] = generator.nextNormal() * std } }
        switch self {
        case .kaimingNormal: normal((2 / Float(fanIn)).squareRoot())
        case .kaimingUniform: uniform((6 / Float(fanIn)).squareRoot())
        case .xavierUniform: uniform((6 / Float(fanIn + fanOut)).squareRoot())
        case .xavierNormal: normal((2 / Float(fanIn + fanOut)).squareRoot())
        case .pytorchDefault: uniform(1 / Float(fanIn).squareRoot())
        case .zeros: p.update(repeating: 0, count: tensor.count)
        case .ones: p.update(repeating: 1, count: tensor.count)
        }
        tensor.markModified()
    }
}
