import Testing
@testable import VisionWorkflow

/// The best epoch: the latest within one binomial standard error of the highest figure so far;
/// the loss (and figures outside [0, 1]) keep the plain best; early stopping counts from the peak.
@Suite struct BestEpochChoiceTests {
    let accuracy: MetricValueName, loss: MetricValueName, mcc: MetricValueName

    init() throws {
        let registry = try TrainerTests.metrics()
        accuracy = try MetricValueName("val_accuracy", registry: registry)
        loss = try MetricValueName("val_loss", registry: registry)
        mcc = try MetricValueName("val_matthews_correlation", registry: registry)
    }

    /// The highest figure and the chosen epoch over a run's figures, as the training loop steps through them.
    func choose(_ figures: [(Int, Double)], monitor: MetricValueName, images: Int) -> (peak: (epoch: Int, value: Double)?, best: (epoch: Int, value: Double)?) {
        var peak: (epoch: Int, value: Double)?, best: (epoch: Int, value: Double)?
        for (epoch, value) in figures where BestEpochChoice.next(epoch, value, peak: &peak, monitor: monitor, images: images) {
            best = (epoch, value)
        }
        return (peak, best)
    }

    @Test func theLatestEpochWithinOneStandardErrorOfThePeakIsChosen() throws {
        // 0.80 on 100 images: standard error 0.04, so 0.77 at epoch 5 is as good; 0.75 is not.
        #expect(abs((BestEpochChoice.standardError(of: 0.8, monitor: accuracy, images: 100) ?? 0) - 0.04) < 1e-12)
        let figures = [(1, 0.60), (2, 0.80), (3, 0.75), (4, 0.70), (5, 0.77), (6, 0.74)]
        let (peak, best) = choose(figures, monitor: accuracy, images: 100)
        #expect(peak?.epoch == 2 && peak?.value == 0.80)
        #expect(best?.epoch == 5 && best?.value == 0.77)
        // Ten times the images: the error is 0.013, and only the peak itself is within it.
        #expect(choose(figures, monitor: accuracy, images: 1000).best?.epoch == 2)
        // A new peak moves the bar up: epoch 3's 0.75 no longer counts once 0.9 was seen.
        #expect(choose([(1, 0.76), (2, 0.9), (3, 0.75)], monitor: accuracy, images: 100).best?.epoch == 2)
        // NaN is never chosen.
        #expect(choose([(1, 0.5), (2, .nan)], monitor: accuracy, images: 100).best?.epoch == 1)
    }

    @Test func figuresWithoutABinomialErrorKeepThePlainBest() throws {
        #expect(BestEpochChoice.standardError(of: 0.5, monitor: loss, images: 100) == nil)
        let losses = [(1, 0.9), (2, 0.5), (3, 0.52), (4, 0.6)]
        #expect(choose(losses, monitor: loss, images: 100).best?.epoch == 2)
        // MCC below zero is not a share: the plain best.
        #expect(BestEpochChoice.standardError(of: -0.2, monitor: mcc, images: 100) == nil)
        #expect(choose([(1, -0.1), (2, -0.12)], monitor: mcc, images: 100).best?.epoch == 1)
        #expect(BestEpochChoice.standardError(of: 0.5, monitor: accuracy, images: 0) == nil)
    }
}
