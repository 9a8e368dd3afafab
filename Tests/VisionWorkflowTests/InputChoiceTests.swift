import Foundation
import Testing
import VisionModelAPI
import VisionNN
import VisionTensor
@testable import VisionWorkflow

/// The input size a fresh model trains at, from the training images: their median size within
/// the model's default, its limits and the compute budget; and test-time augmentation's views.
@Suite struct InputChoiceTests {
    let small = InputSize(4), large = InputSize(4096)

    func choose(_ median: InputSize, default side: Int = 64, macs: Int = 10_000_000, resize: ResizePolicy = .stretch) -> (InputSize, String) {
        let (size, reason) = InputSizeChoice.choose(
            median: median, sampled: 64, defaultSize: InputSize(side), macsAtDefault: macs, minimum: small, maximum: large, resize: resize,
            budget: 160_000_000)
        return (size, reason)
    }

    @Test func largerImagesTrainAtTheirMedianWithinTheBudget() {
        // 10 MMACs at 64² → 40 MMACs at 128²: within the budget, the data's size.
        #expect(choose(InputSize(128)).0 == InputSize(128))
        // 300² would cost 220 MMACs: scaled to the budget (160 MMACs ↔ 256²), said in the reason.
        let (size, reason) = choose(InputSize(300))
        #expect(size == InputSize(256))
        #expect(reason.contains("compute budget") && reason.contains("300×300"))
        // A model whose default already exceeds the budget keeps at least its default.
        #expect(choose(InputSize(500), default: 224, macs: 1_800_000_000).0 == InputSize(224))
    }

    @Test func smallerImagesKeepTheModelsDefault() {
        let (size, reason) = choose(InputSize(8), default: 28)
        #expect(size == InputSize(28))
        #expect(reason.contains("default"))
        #expect(choose(InputSize(height: 60, width: 66), default: 64).0 == InputSize(64))
    }

    @Test func nonSquareImagesGiveANonSquareInputUnlessTheModelCropsTheCentre() {
        // 200 wide × 100 high: the data's shape, rounded to multiples of 8.
        #expect(choose(InputSize(height: 100, width: 200)).0 == InputSize(height: 104, width: 200))
        // Small and non-square: the default area in the data's aspect ratio.
        #expect(choose(InputSize(height: 20, width: 40), default: 64).0 == InputSize(height: 48, width: 88))
        // A centre crop is square, from the shorter side.
        #expect(choose(InputSize(height: 100, width: 200), resize: .centerCrop).0 == InputSize(104))
        // Near-square (within 10%) is square.
        #expect(choose(InputSize(height: 96, width: 100)).0 == InputSize(96))
    }

    @Test func epochsFollowAComputeBudgetWithinTenToSixty() {
        // elpv's 2,115 training cells at 168 MMACs: 5 T / 355 G per epoch = 14.07 → 14.
        let (elpv, reason) = EpochChoice.choose(trainImages: 2115, macsPerImage: 168_000_000)
        #expect(elpv == 14)
        #expect(reason == "a budget of 5 T multiply-accumulates over 2115 training images at 168 MMACs each", "\(reason)")
        // Halving the images or the cost doubles the passes.
        #expect(EpochChoice.choose(trainImages: 1000, macsPerImage: 100_000_000).epochs == 50)
        #expect(EpochChoice.choose(trainImages: 2000, macsPerImage: 100_000_000).epochs == 25)
        // Cheap or tiny: at most 60, and said.
        let (tiny, tinyReason) = EpochChoice.choose(trainImages: 40, macsPerImage: 300_000)
        #expect(tiny == 60 && tinyReason.hasSuffix("at 0.30 MMACs each, at most 60"), "\(tinyReason)")
        // Large or costly: never fewer than 10.
        let (large, largeReason) = EpochChoice.choose(trainImages: 50_000, macsPerImage: 1_800_000_000)
        #expect(large == 10 && largeReason.hasSuffix("but no fewer than 10"), "\(largeReason)")
        // Degenerate counts cannot divide by zero or overflow.
        #expect(EpochChoice.choose(trainImages: 0, macsPerImage: 0).epochs == 60)
        #expect(EpochChoice.choose(trainImages: .max, macsPerImage: .max).epochs == 10)
    }

    @Test func theModelsLimitsWin() {
        let (size, _) = InputSizeChoice.choose(
            median: InputSize(900), sampled: 10, defaultSize: InputSize(64), macsAtDefault: 1, minimum: small, maximum: InputSize(512),
            resize: .stretch)
        #expect(size == InputSize(512))
    }

    @Test func testTimeViewsFollowTheTrainingPolicy() throws {
        let defects = AugmentationPolicy(preset: .defects)
        #expect(TestTimeAugmentation(trainedWith: defects, inputSize: InputSize(32))?.views.count == 8)
        // Quarter turns on a non-square input: only the flips (a half turn is both).
        #expect(TestTimeAugmentation(trainedWith: defects, inputSize: InputSize(height: 32, width: 48))?.views.count == 4)
        #expect(TestTimeAugmentation(trainedWith: AugmentationPolicy(preset: .natural), inputSize: InputSize(32))?.views.count == 2)
        #expect(TestTimeAugmentation(trainedWith: AugmentationPolicy(), inputSize: InputSize(32)) == nil)
        // The eight views of a 2×2 plane with distinct pixels are eight different images.
        let views = try #require(TestTimeAugmentation(trainedWith: defects, inputSize: InputSize(2)))
        let seen = Set(views.views.map { TestTimeAugmentation.apply($0, to: [1, 2, 3, 4], shape: [1, 1, 2, 2]) })
        #expect(seen.count == 8)
        // A horizontal flip of one row of three, in each of two channels.
        let flip = TestTimeAugmentation.View(horizontalFlip: true)
        #expect(TestTimeAugmentation.apply(flip, to: [1, 2, 3, 4, 5, 6], shape: [1, 2, 1, 3]) == [3, 2, 1, 6, 5, 4])
    }

    @Test func averagedProbabilitiesAreTheMeanOverViews() throws {
        // A model that looks only at the top-left pixel: its views see the four corners.
        final class Corner: Module {
            override func forward(_ x: Tensor) throws -> Tensor {
                let v = x.scalars
                let plane = x.shape[2] * x.shape[3]
                let logits = (0..<x.shape[0]).flatMap { [v[$0 * plane], 0] as [Float] }
                return try Tensor(logits, shape: [x.shape[0], 2])
            }
        }
        let views = try #require(TestTimeAugmentation(trainedWith: AugmentationPolicy(preset: .defects), inputSize: InputSize(2)))
        let p = try views.probabilities(Corner(), images: [4, 0, 0, 0], shape: [1, 1, 2, 2])
        // The corner holding 4 is seen by 2 of the 8 views (identity and transpose).
        let expected = (2 * (1 / (1 + exp(-4.0))) + 6 * 0.5) / 8
        #expect(abs(Double(p[0]) - expected) < 1e-5)
        #expect(abs(Double(p[0] + p[1]) - 1) < 1e-5)
    }
}
