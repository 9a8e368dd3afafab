import Testing
import VisionModelAPI
import VisionModels
import VisionNN
import VisionTensor

/// The work estimate that picks `vision infer`'s threads: from the counting pass that sizes
/// inference memory, scaled from 1/8 of each side for large inputs.
@Suite struct InferenceCostTests {
    @Test func estimateMatchesTheFullCountForConvolutionalModels() throws {
        for (name, size) in [("resnet20", 32), ("defectnet", 256), ("resnet18", 224)] {
            let model = try ModelTesting.registry().make(name, classes: 10, inputChannels: 3, inputSize: InputSize(size))
            let exact = try ModelComplexity.multiplyAccumulates(model, inputChannels: 3, inputSize: InputSize(size))
            let cost = try ModelComplexity.inferenceCost(model, inputChannels: 3, inputSize: InputSize(size))
            #expect(cost.bytesPerImage == (try ModelComplexity.inferenceBytesPerImage(model, inputChannels: 3, inputSize: InputSize(size))))
            // Convolutions scale with the area; padding at the edges and the head do not, exactly.
            let ratio = Double(cost.multiplyAccumulates) / Double(exact)
            #expect(ratio > 0.9 && ratio < 1.25, "\(name) at \(size): estimate \(cost.multiplyAccumulates), counted \(exact)")
        }
    }

    @Test func smallJobsRunOnOneThread() {
        // One 32×32 ResNet-20 image (41 MMACs) or a handful: one thread; a folder of them: every core.
        #expect(ComputeThreads.automatic(forWork: 41_000_000, cores: 2) == 1)
        #expect(ComputeThreads.automatic(forWork: 41_000_000 * 12, cores: 2) == 1)
        #expect(ComputeThreads.automatic(forWork: 41_000_000 * 1_000, cores: 2) == 2)
        #expect(ComputeThreads.automatic(forWork: .max, cores: 8) == 8)
        #expect(ComputeThreads.automatic(forWork: ComputeThreads.smallJob, cores: 0) == 1)
    }
}
