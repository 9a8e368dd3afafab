import VisionNN

/// The optimizer and learning-rate schedule a run specification names.
enum OptimizerFactory {
    static func optimizer(_ c: TrainingConfiguration) -> Optimizer {
        switch c.optimizer {
        case .sgd: return SGD(learningRate: Float(c.lr), momentum: Float(c.momentum), weightDecay: Float(c.weightDecay))
        case .adam: return Adam(learningRate: Float(c.lr), weightDecay: Float(c.weightDecay))
        case .adamw: return Adam.adamW(learningRate: Float(c.lr), weightDecay: Float(c.weightDecay))
        }
    }

    /// The schedule over the whole run: `stepsPerEpoch × epochs` steps.
    static func schedule(_ c: TrainingConfiguration, stepsPerEpoch: Int) -> LearningRateSchedule {
        let lr = Float(c.lr)
        let total = max(stepsPerEpoch * c.epochs, 1)
        switch c.schedule {
        case .constant: return ConstantSchedule(lr)
        case .cosine: return CosineSchedule(initial: lr, totalSteps: total)
        case .step: return StepSchedule(initial: lr, stepSize: max(total / 3, 1))
        case .onecycle: return OneCycleSchedule(maximum: lr, totalSteps: total)
        case .warmupCosine: return WarmupCosineSchedule(initial: lr, warmupSteps: stepsPerEpoch, totalSteps: total)
        }
    }
}
