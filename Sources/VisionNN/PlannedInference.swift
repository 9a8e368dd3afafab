import Foundation
import VisionTensor

/// Eval-mode forward passes of a model, replayed from an `InferencePlan` per input shape once
/// the shape has come twice: the first pass runs eagerly and is remembered, the second is
/// captured, and the plan is used only if its replay of the first input gives the first
/// output (a model computing part of its forward pass outside oneDNN fails that check and
/// stays eager). Plans are dropped when any parameter or buffer changes in place.
///
/// For models whose weights stay put (a predictor's, a server's); one caller at a time is
/// served (calls are serialised), since a plan computes in its own buffers.
/// `VISION_INFERENCE_PLAN=0` turns plans off.
public final class PlannedInference: @unchecked Sendable {
    public let model: Module
    /// Shapes whose plans are kept at most (each holds its own activations).
    public let capacity: Int
    /// The most memory one plan may keep. Plans keep every activation of the pass, and they
    /// matter at small batches, where per-op costs are a large share of the time; a larger
    /// pass runs eagerly.
    public let byteLimit: Int

    public static let enabled = ProcessInfo.processInfo.environment["VISION_INFERENCE_PLAN"] != "0"

    private var plans: [(shape: [Int], plan: InferencePlan)] = []
    private var firstPass: [[Int]: (input: [Float], output: [Float])] = [:]
    private var unplannable: Set<[Int]> = []
    private var weights: [Tensor] = []
    private var versions: [Int] = []
    private let lock = NSLock()

    public init(_ model: Module, capacity: Int = 4, byteLimit: Int = 64 << 20) {
        self.model = model
        self.capacity = max(capacity, 1)
        self.byteLimit = byteLimit
    }

    /// Whether a plan serves inputs of `shape` now.
    public func hasPlan(for shape: [Int]) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return plans.contains { $0.shape == shape }
    }

    /// The model's output for `input`; the same values an eager pass gives.
    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        guard Self.enabled, !model.isTraining, !GradientMode.isEnabled, ComputeBackend.current == .dnnl else {
            return try model(input)
        }
        lock.lock()
        defer { lock.unlock() }
        if weightsChanged() { forgetPlans() }
        let shape = input.shape
        _ = input.values  // row-major (an eager pass may have reordered it in place)
        if let index = plans.firstIndex(where: { $0.shape == shape }) {
            let plan = plans[index].plan
            if index != plans.count - 1 { plans.append(plans.remove(at: index)) }  // most recent last
            return try plan.run(UnsafeBufferPointer(start: input.values, count: input.count))
        }
        if unplannable.contains(shape) { return try model(input) }
        guard let first = firstPass[shape] else {
            let output = try model(input)
            firstPass[shape] = (input.scalars, output.scalars)
            return output
        }
        let values = input.scalars
        let (output, plan) = try InferencePlan.capture(input: input, byteLimit: byteLimit) { try self.model($0) }
        guard let plan, plan.retainedBytes <= byteLimit else {
            unplannable.insert(shape)
            firstPass[shape] = nil
            return output
        }
        // The same input twice proves nothing about values computed outside oneDNN: wait
        // for a different one.
        let result = output.copy()  // the plan's own buffer, which the replay below overwrites
        guard values != first.input else { return result }
        firstPass[shape] = nil
        let replay = try first.input.withUnsafeBufferPointer { try plan.run($0) }
        if Self.agree(replay.scalars, first.output) {
            plans.append((shape, plan))
            if plans.count > capacity { plans.removeFirst() }
        } else {
            unplannable.insert(shape)
        }
        return result
    }

    /// Equal up to rounding: the same primitives on the same values, in other buffers.
    static func agree(_ a: [Float], _ b: [Float]) -> Bool {
        guard a.count == b.count else { return false }
        let scale = b.reduce(Float(0)) { max($0, abs($1)) }
        let tolerance = max(scale, 1) * 1e-5
        for (x, y) in zip(a, b) where !(abs(x - y) <= tolerance) { return false }
        return true
    }

    /// Whether a parameter or buffer changed since the last snapshot (the first call takes one).
    private func weightsChanged() -> Bool {
        if weights.isEmpty {
            snapshotWeights()
            return false
        }
        return zip(weights, versions).contains { $0.version != $1 }
    }

    private func snapshotWeights() {
        weights = (model.namedParameters() + model.namedBuffers()).map(\.tensor)
        versions = weights.map(\.version)
    }

    private func forgetPlans() {
        plans.removeAll()
        firstPass.removeAll()
        unplannable.removeAll()
        snapshotWeights()
    }
}
