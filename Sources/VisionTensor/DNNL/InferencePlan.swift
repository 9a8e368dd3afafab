import CDNNL

/// One forward pass, recorded as the oneDNN executions it made, replayed without Swift in
/// between: no cache keys, descriptors, tensors or allocations per op, one loop of
/// `dnnl_primitive_execute` over memory objects made once.
///
/// At batch 1 those per-op costs were about a quarter of ResNet-20's inference time. A plan
/// is tied to one input shape and to the weights it was captured with (callers rebuild it when
/// they change, see `PlannedInference`), and is not reentrant: it computes in its own buffers.
///
/// A capture only sees what runs through oneDNN: a network that computes part of its forward
/// pass in Swift would replay with stale values there. `capture` cannot tell, so callers check
/// a replay against an eager pass on other data before they trust a plan.
public final class InferencePlan: @unchecked Sendable {
    public let inputShape: [Int]
    public let outputShape: [Int]
    /// Primitive executions, in order (for tests and diagnostics).
    public var stepCount: Int { steps.count }
    /// Bytes of the buffers the plan keeps: every activation of the pass (none is reused for
    /// another yet), its scratch and temporaries.
    public let retainedBytes: Int

    private enum Step {
        case primitive(dnnl_primitive_t, arguments: [dnnl_exec_arg_t])
        /// An op computed in Swift that took part in the capture (see `CaptureRecorder.recordHost`).
        case host(() -> Void)
    }

    private let steps: [Step]
    private let input: TensorStorage
    private let output: TensorStorage
    private let memories: [dnnl_memory_t]
    /// Primitives, every storage made while capturing, and temporaries the executions read.
    private let retained: [AnyObject]

    /// Runs `forward` on `input` eagerly (its result is returned as usual) while recording the
    /// executions; nil when nothing ran through oneDNN (another backend, or a counting pass) or
    /// the pass made more than `byteLimit` bytes of buffers (which a plan would all keep: the
    /// capture lets them go as soon as it passes the limit, so it never holds more).
    public static func capture(input: Tensor, byteLimit: Int = .max, _ forward: (Tensor) throws -> Tensor) throws
        -> (output: Tensor, plan: InferencePlan?)
    {
        guard ComputeBackend.current == .dnnl, !GradientMode.isEnabled, !input.isBlocked else {
            return (try forward(input), nil)
        }
        let recorder = CaptureRecorder(byteLimit: byteLimit)
        let inputStorage = input.storage
        let output = try CaptureRecorder.$current.withValue(recorder) { () throws -> Tensor in
            let result = try forward(input)
            _ = result.values  // row-major inside the capture, so that the conversion replays too
            return result
        }
        guard !recorder.steps.isEmpty, !recorder.overflowed, output.storage !== inputStorage else { return (output, nil) }
        let plan = try InferencePlan(recorder: recorder, input: inputStorage, inputShape: input.shape, output: output)
        return (output, plan)
    }

    private init(recorder: CaptureRecorder, input: TensorStorage, inputShape: [Int], output: Tensor) throws(TensorError) {
        let context = try DNNLContext.shared()
        // One scratch buffer for every step: they run one after another.
        var scratchBytes = 0
        for case .primitive(let primitive, _) in recorder.steps {
            if var scratchpad = primitive.scratchpad { scratchBytes = max(scratchBytes, dnnl_memory_desc_get_size(&scratchpad)) }
        }
        let scratch = TensorStorage(uninitializedCount: (scratchBytes + 3) / 4)
        var memories: [dnnl_memory_t] = []
        var steps: [Step] = []
        var retained: [AnyObject] = recorder.created + recorder.kept + [scratch]
        do throws(TensorError) {
            for recorded in recorder.steps {
                switch recorded {
                case .host(let body):
                    steps.append(.host(body))
                case .primitive(let primitive, var operands):
                    if let scratchpad = primitive.scratchpad {
                        operands.append(DNNLOperand(index: DNNL_ARG_SCRATCHPAD, descriptor: scratchpad, pointer: UnsafeMutableRawPointer(scratch.pointer)))
                    }
                    let arguments = try context.executionArguments(operands, op: "inference plan", memories: &memories)
                    steps.append(.primitive(primitive.primitive, arguments: arguments))
                    retained.append(primitive)
                }
            }
        } catch {
            for memory in memories { dnnl_memory_destroy(memory) }
            throw error
        }
        retained.append(input)
        retained.append(output.storage)
        var seen = Set<ObjectIdentifier>()
        var bytes = 0
        for case let storage as TensorStorage in retained where seen.insert(ObjectIdentifier(storage)).inserted { bytes += storage.count * 4 }
        self.retainedBytes = bytes
        self.steps = steps
        self.memories = memories
        self.retained = retained
        self.input = input
        self.output = output.storage
        self.inputShape = inputShape
        self.outputShape = output.shape
    }

    deinit {
        for memory in memories { dnnl_memory_destroy(memory) }
    }

    /// The forward pass on `values` (row-major, `inputShape`): a new tensor of `outputShape`.
    public func run(_ values: UnsafeBufferPointer<Float>) throws(TensorError) -> Tensor {
        let count = inputShape.reduce(1, *)
        guard values.count == count, let base = values.baseAddress else {
            throw .shapeMismatch(op: "inference plan", expected: "\(count) input values for shape \(inputShape)", got: [values.count])
        }
        input.pointer.update(from: base, count: count)
        let stream = try DNNLContext.shared().stream
        for step in steps {
            switch step {
            case .primitive(let primitive, let arguments):
                let status = arguments.withUnsafeBufferPointer {
                    dnnl_primitive_execute(primitive, stream, Int32($0.count), $0.baseAddress)
                }
                try check(status, "inference plan step")
            case .host(let body):
                body()
            }
        }
        try check(dnnl_stream_wait(stream), "inference plan")
        let result = Tensor(zeros: outputShape)
        result.storage.pointer.update(from: output.pointer, count: result.count)
        return withExtendedLifetime(retained) { result }
    }
}

/// What a capture collects: each execution, and every storage made meanwhile (kept alive, so
/// that no buffer a step uses is freed or reused while the plan lives).
final class CaptureRecorder: @unchecked Sendable {
    enum Execution {
        /// A primitive on its operands (the scratchpad, if any, is the plan's own).
        case primitive(DNNLPrimitive, operands: [DNNLOperand])
        /// An op computed in Swift (see `recordHost`).
        case host(() -> Void)
    }

    /// Task-local: only the capturing thread's ops are recorded.
    @TaskLocal static var current: CaptureRecorder?

    private(set) var steps: [Execution] = []
    private(set) var created: [TensorStorage] = []
    private(set) var kept: [TensorStorage] = []

    func record(_ primitive: DNNLPrimitive, _ operands: [DNNLOperand], keepAlive: [TensorStorage]) {
        steps.append(.primitive(primitive, operands: operands))
        kept += keepAlive
    }

    /// An op computed in Swift, as a closure that recomputes it from the same buffers (which
    /// `retaining` keeps alive): a plan replays it in its place among the primitives.
    func recordHost(_ body: @escaping () -> Void, retaining storages: [TensorStorage]) {
        steps.append(.host(body))
        kept += storages
    }

    let byteLimit: Int
    private var createdBytes = 0
    /// The pass made more than `byteLimit` bytes of buffers: no plan, nothing kept.
    private(set) var overflowed = false

    init(byteLimit: Int) { self.byteLimit = byteLimit }

    func created(_ storage: TensorStorage) {
        guard !overflowed else { return }
        createdBytes += storage.count * 4
        if createdBytes > byteLimit {
            overflowed = true
            created.removeAll()
        } else {
            created.append(storage)
        }
    }
}
