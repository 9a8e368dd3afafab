import Foundation

/// The learning rate (and, for one-cycle, the momentum) at each step, counted from 0.
public protocol LearningRateSchedule: Sendable {
    func learningRate(at step: Int) -> Float
    /// The momentum (SGD) or β₁ (Adam) at `step`, for schedules that cycle it.
    func momentum(at step: Int) -> Float?
}

extension LearningRateSchedule {
    public func momentum(at step: Int) -> Float? { nil }
}

/// A fixed learning rate.
public struct ConstantSchedule: LearningRateSchedule {
    public let rate: Float
    public init(_ rate: Float) { self.rate = rate }
    public func learningRate(at step: Int) -> Float { rate }
}

/// StepLR: rate · γ^⌊t / stepSize⌋.
public struct StepSchedule: LearningRateSchedule {
    public let initial: Float, stepSize: Int, gamma: Float
    public init(initial: Float, stepSize: Int, gamma: Float = 0.1) {
        self.initial = initial
        self.stepSize = max(stepSize, 1)
        self.gamma = gamma
    }
    public func learningRate(at step: Int) -> Float {
        Float(Double(initial) * pow(Double(gamma), Double(step / stepSize)))
    }
}

/// CosineAnnealingLR: η_min + (η₀ − η_min)(1 + cos(πt/T))/2.
public struct CosineSchedule: LearningRateSchedule {
    public let initial: Float, totalSteps: Int, minimum: Float
    public init(initial: Float, totalSteps: Int, minimum: Float = 0) {
        self.initial = initial
        self.totalSteps = max(totalSteps, 1)
        self.minimum = minimum
    }
    public func learningRate(at step: Int) -> Float {
        let t = Double(min(step, totalSteps)) / Double(totalSteps)
        return Float(Double(minimum) + Double(initial - minimum) * (1 + cos(Double.pi * t)) / 2)
    }
}

/// Linear warm-up from `startFactor`·η₀ to η₀ over `warmupSteps`, then cosine annealing to
/// `minimum` over the remaining steps (PyTorch's SequentialLR of LinearLR and CosineAnnealingLR).
public struct WarmupCosineSchedule: LearningRateSchedule {
    public let initial: Float, warmupSteps: Int, totalSteps: Int, startFactor: Float, minimum: Float
    public init(initial: Float, warmupSteps: Int, totalSteps: Int, startFactor: Float = 0.1, minimum: Float = 0) {
        self.initial = initial
        self.warmupSteps = max(warmupSteps, 0)
        self.totalSteps = max(totalSteps, warmupSteps + 1)
        self.startFactor = startFactor
        self.minimum = minimum
    }
    public func learningRate(at step: Int) -> Float {
        if step < warmupSteps {
            let factor = Double(startFactor) + (1 - Double(startFactor)) * Double(step) / Double(warmupSteps)
            return Float(Double(initial) * factor)
        }
        return CosineSchedule(initial: initial, totalSteps: totalSteps - warmupSteps, minimum: minimum)
            .learningRate(at: step - warmupSteps)
    }
}

/// OneCycleLR (two phases, cosine annealing), with momentum cycled inversely.
public struct OneCycleSchedule: LearningRateSchedule {
    public let maximum: Float, totalSteps: Int, percentStart: Double, divFactor: Double, finalDivFactor: Double
    public let baseMomentum: Float, maxMomentum: Float

    public init(maximum: Float, totalSteps: Int, percentStart: Double = 0.3, divFactor: Double = 25,
                finalDivFactor: Double = 1e4, baseMomentum: Float = 0.85, maxMomentum: Float = 0.95) {
        self.maximum = maximum
        self.totalSteps = max(totalSteps, 2)
        self.percentStart = percentStart
        self.divFactor = divFactor
        self.finalDivFactor = finalDivFactor
        self.baseMomentum = baseMomentum
        self.maxMomentum = maxMomentum
    }

    private var phaseEnd: Double { percentStart * Double(totalSteps) - 1 }

    private func anneal(_ start: Double, _ end: Double, _ pct: Double) -> Double {
        end + (start - end) / 2 * (cos(Double.pi * pct) + 1)
    }

    public func learningRate(at step: Int) -> Float {
        let initial = Double(maximum) / divFactor
        let final = initial / finalDivFactor
        let t = Double(step)
        if t <= phaseEnd { return Float(anneal(initial, Double(maximum), t / phaseEnd)) }
        return Float(anneal(Double(maximum), final, (t - phaseEnd) / (Double(totalSteps - 1) - phaseEnd)))
    }

    public func momentum(at step: Int) -> Float? {
        let t = Double(step)
        if t <= phaseEnd { return Float(anneal(Double(maxMomentum), Double(baseMomentum), t / phaseEnd)) }
        return Float(anneal(Double(baseMomentum), Double(maxMomentum), (t - phaseEnd) / (Double(totalSteps - 1) - phaseEnd)))
    }
}
