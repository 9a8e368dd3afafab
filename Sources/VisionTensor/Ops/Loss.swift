import Foundation

/// Mean cross-entropy from logits [N, K] and class indices, with optional class weights [K] and
/// label smoothing, exactly as PyTorch's `F.cross_entropy(reduction="mean")`: with weights the
/// mean divides by the sum of the targets' weights.
public func crossEntropy(_ logits: Tensor, targets: [Int], classWeights: [Float]? = nil, labelSmoothing: Float = 0) throws(TensorError) -> Tensor {
    try logits.expectShape([-1, -1], "cross_entropy logits (N, classes)")
    let (n, k) = (logits.shape[0], logits.shape[1])
    guard targets.count == n else {
        throw .shapeMismatch(op: "cross_entropy", expected: "\(n) targets for \(n) rows of logits", got: [targets.count])
    }
    if let bad = targets.first(where: { $0 < 0 || $0 >= k }) {
        throw .invalidArgument(op: "cross_entropy", detail: "target \(bad) out of range for \(k) classes")
    }
    if let classWeights, classWeights.count != k {
        throw .shapeMismatch(op: "cross_entropy", expected: "\(k) class weights", got: [classWeights.count])
    }
    guard (0...1).contains(labelSmoothing) else {
        throw .invalidArgument(op: "cross_entropy", detail: "label smoothing must be in [0, 1], got \(labelSmoothing)")
    }
    let weights = classWeights ?? [Float](repeating: 1, count: k)
    let logProbabilities = [Float](unsafeUninitializedCapacity: n * k) { buffer, count in
        softmaxKernel(logits.pointer, buffer.baseAddress!, n, k, 1, log: true)
        count = n * k
    }
    let denominator = targets.reduce(0.0) { $0 + Double(weights[$1]) }
    guard denominator > 0 else {
        throw .invalidArgument(op: "cross_entropy", detail: "the targets' class weights sum to zero")
    }
    var nll: Double = 0, smooth: Double = 0
    for row in 0..<n {
        nll -= Double(weights[targets[row]] * logProbabilities[row * k + targets[row]])
        for c in 0..<k { smooth -= Double(weights[c] * logProbabilities[row * k + c]) }
    }
    let eps = Double(labelSmoothing)
    let loss = ((1 - eps) * nll + eps / Double(k) * smooth) / denominator
    let out = Tensor.full([1], Float(loss))
    let sumWeights = weights.reduce(0, +)
    return record(out, op: "cross_entropy", inputs: [logits]) { gradient, _ in
        // d/dz of −log p_c = p − e_c, weighted and smoothed as in the forward pass.
        let gi = Tensor(zeros: logits.shape)
        let t = gi.pointer
        let scale = gradient.item / Float(denominator)
        let smoothing = labelSmoothing / Float(k)
        for row in 0..<n {
            let wy = weights[targets[row]]
            for c in 0..<k {
                let p = Foundation.exp(logProbabilities[row * k + c])
                var value = (1 - labelSmoothing) * wy * (p - (c == targets[row] ? 1 : 0))
                value += smoothing * (sumWeights * p - weights[c])
                t[row * k + c] = value * scale
            }
        }
        return [gi]
    }
}
