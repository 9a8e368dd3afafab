/// The counting pass: while `multiplyAccumulates(_:)` runs its body, convolutions and linear
/// layers check their shapes, add their multiply-accumulates to the count and return zeros
/// instead of computing. Running a model once this way gives its MACs (and every shape)
/// without per-model shape code and without the cost of the real arithmetic.
public enum OperationCount {
    /// The running count of the pass in progress on this task, if any.
    public final class Counter: @unchecked Sendable {
        public fileprivate(set) var multiplyAccumulates = 0
        /// Elements of the largest output a convolution or linear layer gave.
        public fileprivate(set) var largestOutput = 0
    }

    @TaskLocal static var active: Counter?

    /// The MACs of the convolutions and linear layers `body` runs (other ops run normally, on zeros).
    public static func multiplyAccumulates(_ body: () throws -> Void) rethrows -> Int {
        try run(body).multiplyAccumulates
    }

    /// The whole count of `body`: MACs and the largest output.
    public static func run(_ body: () throws -> Void) rethrows -> Counter {
        let counter = Counter()
        try $active.withValue(counter) { try body() }
        return counter
    }

    /// Inside a counting pass: counts `macs` and returns zeros of `shape`; nil otherwise.
    static func counted(_ macs: Int, shape: [Int]) -> Tensor? {
        guard let counter = active else { return nil }
        counter.multiplyAccumulates += macs
        counter.largestOutput = max(counter.largestOutput, shape.reduce(1, *))
        return Tensor(zeros: shape)
    }
}

extension ConvolutionGeometry {
    /// Multiply-accumulates of the whole batch: every output value takes (C/groups)·kH·kW of them.
    var multiplyAccumulates: Int {
        outputShape.reduce(1, *) * (inputChannels / max(groups, 1)) * kernelHeight * kernelWidth
    }
}
