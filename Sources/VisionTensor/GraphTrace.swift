import Synchronization

/// The export pass: while `GraphTrace.recording(_:)` runs its body, each op adds one node
/// (its name, input and output tensors, and the attributes that define it) to the trace, so
/// that a model's forward pass becomes a graph (ONNX export) without per-model graph code.
/// The nodes keep their tensors alive, so tensor identities stay unique for the whole trace.
public final class GraphTrace: @unchecked Sendable {
    public enum Attribute: Sendable, Equatable {
        case int(Int)
        case ints([Int])
        case float(Float)
        case string(String)
    }

    public struct Node {
        init(op: String, inputs: [Tensor], output: Tensor, attributes: [String: Attribute], layer: AnyObject?) {
            self.layer = layer
            self.op = op
            self.inputs = inputs
            self.output = output
            self.attributes = attributes
        }

        /// `conv2d`, `batchnorm2d`, `relu`, `add`, `linear`, `maxpool2d`, `reshape`, … (the op's name).
        public let op: String
        public let inputs: [Tensor]
        public let output: Tensor
        public let attributes: [String: Attribute]
        /// The innermost layer (module) that was running, for names and messages.
        public let layer: AnyObject?
    }

    public internal(set) var nodes: [Node] = []
    /// The layers running now, outermost first.
    var layers: [AnyObject] = []

    @TaskLocal static var task: GraphTrace?

    /// Traces in progress anywhere in the process: when none, ops skip the task-local lookup.
    static let inProgress = Atomic<Int>(0)

    /// This task's trace, if one is being recorded.
    @inline(__always) static var active: GraphTrace? {
        inProgress.load(ordering: .relaxed) == 0 ? nil : task
    }

    /// Runs `body` (a forward pass) and returns what it did, op by op.
    public static func recording(_ body: () throws -> Void) rethrows -> GraphTrace {
        let trace = GraphTrace()
        inProgress.add(1, ordering: .relaxed)
        defer { inProgress.subtract(1, ordering: .relaxed) }
        try $task.withValue(trace) { try body() }
        return trace
    }

    /// Whether a trace is being recorded.
    public static var isRecording: Bool { active != nil }

    /// Runs `body` as `layer` (a module's forward pass): the nodes it adds name that layer.
    public static func inside<T>(_ layer: AnyObject, _ body: () throws -> T) rethrows -> T {
        guard let trace = active else { return try body() }
        trace.layers.append(layer)
        defer { trace.layers.removeLast() }
        return try body()
    }
}

/// Runs one op's `body` and, inside a trace, adds it as one node: the ops it calls itself are
/// not recorded (a fused or composite op is one node).
/// Inputs and attributes are built only while tracing (ops run millions of times otherwise).
func traced(
    _ op: String, inputs: @autoclosure () -> [Tensor], _ attributes: @autoclosure () -> [String: GraphTrace.Attribute] = [:],
    _ body: () throws(TensorError) -> Tensor
) throws(TensorError) -> Tensor {
    guard let trace = GraphTrace.active else { return try body() }
    let result: Result<Tensor, TensorError> = GraphTrace.$task.withValue(nil) {
        do throws(TensorError) { return .success(try body()) } catch { return .failure(error) }
    }
    let out = try result.get()
    trace.nodes.append(GraphTrace.Node(op: op, inputs: inputs(), output: out, attributes: attributes(), layer: trace.layers.last))
    return out
}
