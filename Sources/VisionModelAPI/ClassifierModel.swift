import VisionNN
import VisionPluginAPI
import VisionTensor

/// A classifier built by a model plugin: a feature extractor giving [N, featureCount] and a
/// replaceable head giving [N, classes] logits (timm's `forward_features` / `forward_head`).
///
/// Subclasses list the feature extractor's children in `featureChildren` (their names become the
/// parameter names) and override `features(_:)` when it is not those children in order followed
/// by a flatten. The head is a child named `headName` (`fc`, `classifier`, …).
open class ClassifierModel: Module {
    /// Makes a head for a class count: [N, featureCount] → [N, classes].
    public typealias HeadFactory = (_ featureCount: Int, _ classes: Int, _ generator: inout SeededGenerator) -> Module

    /// Input channels the model was built for.
    public let inputChannels: Int
    /// Input size the model was built for.
    public let inputSize: InputSize
    /// Width of the features the head reads.
    public let featureCount: Int
    /// The number of classes the head predicts.
    public private(set) var classes: Int
    /// The classifier head.
    public private(set) var head: Module
    /// The head's name in parameter names.
    public let headName: String
    /// The plugin that built it (set by `ModelRegistry.make`), for messages and the model file.
    public internal(set) var pluginName = ""
    private let makeHead: HeadFactory

    /// Makes the head with `makeHead` (a `Linear` by default), drawing from `generator` after
    /// the subclass has built its features, as PyTorch's constructors do; `initialHead`, when
    /// given, is used instead (a wrapped network's own head), and `makeHead` only for replacements.
    public init(
        inputChannels: Int, inputSize: InputSize, featureCount: Int, classes: Int, headName: String = "fc",
        initialHead: Module? = nil, generator: inout SeededGenerator,
        makeHead: @escaping HeadFactory = ClassifierModel.linearHead
    ) {
        self.inputChannels = inputChannels
        self.inputSize = inputSize
        self.featureCount = featureCount
        self.classes = classes
        self.headName = headName
        self.makeHead = makeHead
        head = initialHead ?? makeHead(featureCount, classes, &generator)
        super.init()
    }

    /// A `Linear(featureCount, classes)` head with PyTorch's default initialisation.
    public static func linearHead(_ featureCount: Int, _ classes: Int, _ generator: inout SeededGenerator) -> Module {
        Linear(featureCount, classes, generator: &generator)
    }

    /// The feature extractor's children, in order, with their names.
    open var featureChildren: [(name: String, module: Module)] { [] }

    override public final var children: [(name: String, module: Module)] { featureChildren + [(headName, head)] }

    /// [N, C, H, W] → [N, featureCount]. By default: `featureChildren` in order, then flatten.
    open func features(_ x: Tensor) throws -> Tensor {
        var y = x
        for child in featureChildren { y = try child.module(y) }
        return y.rank == 2 ? y : try flatten(y)
    }

    /// The last convolutional feature maps, [N, C, H, W]: what heat maps (class activation
    /// maps), embeddings and feature extraction read. By default: the feature children in order
    /// (a `Sequential` layer by layer), stopping before the global pooling or flatten that turns
    /// maps into the feature vector. Override together with `features(_:)` when that is not how
    /// the network reads.
    open func featureMaps(_ x: Tensor) throws -> Tensor {
        var y = x
        var maps: Tensor?
        for step in Self.steps(featureChildren.map(\.module)) {
            if step is AdaptiveAvgPool2d || step is Flatten { break }
            y = try step(y)
            if y.rank == 4 { maps = y }
        }
        guard let maps else { throw ModelError.noFeatureMaps(model: pluginName.isEmpty ? "\(type(of: self))" : pluginName) }
        return maps
    }

    /// The feature vector from `featureMaps(_:)`' output: what `features(_:)` does after the
    /// maps, so that heat maps (Grad-CAM) can differentiate the logits with respect to them. By
    /// default the feature children's steps from the global pool or flatten on, as the default
    /// `featureMaps` reads them; a model that overrides `featureMaps` overrides this too (for
    /// most CNNs: global average pool, then flatten). Grad-CAM checks the two paths agree.
    open func features(fromMaps maps: Tensor) throws -> Tensor {
        var y = maps
        var reached = false
        for step in Self.steps(featureChildren.map(\.module)) {
            if step is AdaptiveAvgPool2d || step is Flatten { reached = true }
            if reached { y = try step(y) }
        }
        return y.rank == 2 ? y : try flatten(y)
    }

    /// Modules in the order they run, `Sequential`s opened up.
    private static func steps(_ modules: [Module]) -> [Module] {
        modules.flatMap { module -> [Module] in
            if let sequential = module as? Sequential { return steps(sequential.layers) }
            return [module]
        }
    }

    override public func forward(_ x: Tensor) throws -> Tensor { try head(features(x)) }

    /// Replaces the head with a fresh one for `classes` classes (fine-tuning); the features keep
    /// their weights. The new head starts in the model's current train/eval mode.
    public func replaceHead(classes: Int, seed: UInt64) throws {
        guard classes >= 1 else { throw ModelError.invalidClassCount(model: pluginName.isEmpty ? "\(type(of: self))" : pluginName, classes: classes) }
        var generator = SeededGenerator(seed: seed)
        let newHead = makeHead(featureCount, classes, &generator)
        newHead.setTraining(isTraining)
        head = newHead
        self.classes = classes
    }

    /// Parameter names of the feature extractor (everything but the head), for freezing.
    public var featureParameterNames: [String] {
        featureChildren.flatMap { $0.module.namedParameters(prefix: $0.name + ".").map(\.name) }
    }
}
