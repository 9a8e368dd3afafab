import VisionMetricAPI
import VisionModelAPI
import VisionPluginAPI
/// Everything a training run needs besides the data; saved with the run and in the model file.
public struct TrainingConfiguration: Codable, Sendable, Equatable {
    public enum OptimizerKind: String, Codable, Sendable, CaseIterable { case sgd, adam, adamw }
    public enum ScheduleKind: String, Codable, Sendable, CaseIterable { case constant, cosine, step, onecycle, warmupCosine = "warmup-cosine" }

    public var model = "lenet"
    public var epochs = 10
    public var batchSize = 64
    public var learningRate = 0.05
    public var optimizer = OptimizerKind.sgd
    public var momentum = 0.9
    public var weightDecay = 5e-4
    public var schedule = ScheduleKind.cosine
    public var seed: UInt64 = 0
    /// Input side in pixels; nil takes the model's default.
    public var imageSize: Int?
    /// 1 or 3; nil takes what most training images store.
    public var channels: Int?
    public var horizontalFlip = false
    /// Random crops of the input size from the image padded by this many pixels (0: none).
    public var cropPadding = 0
    /// Weight the loss by inverse class frequency (n / (k · n_c)), for imbalanced data.
    public var classWeights = false
    /// Draw training batches class-balanced instead of in proportion to the data.
    public var balancedSampling = false
    /// Start from a saved model's weights (fine-tuning); a different class count replaces its head.
    public var initFrom: String?
    /// Stop when the monitored validation figure has not improved for this many epochs (nil: never).
    public var patience: Int?
    /// What decides the best model and early stopping: "val_accuracy" (higher is better) or
    /// "val_loss" (lower is better).
    public var monitor = "val_accuracy"
    public var workers = 2
    public var trainFraction = 0.8
    public var valFraction = 0.1
    public var testFraction = 0.1

    public init() {}
}
