import Foundation
import Testing
import VisionData
import VisionImage
import VisionTestSupport

/// Cases found in review: pre-split trees with extra folders or without test/, extreme aspect
/// ratios in Resize, and items with invalid labels.
@Suite struct RobustnessTests {
    /// ROOT/<split>/<class>/<n>.png from the digits fixture.
    func tree(_ splits: [String], extra: String? = nil) throws -> String {
        let root = try Fixtures.temporaryDirectory()
        let source = Fixtures.path("datasets/digits")
        for split in splits {
            for label in ["0", "1"] {
                let folder = "\(root)/\(split)/\(label)"
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                let files = try FileManager.default.contentsOfDirectory(atPath: "\(source)/\(label)").sorted().prefix(30)
                for file in files { try FileManager.default.copyItem(atPath: "\(source)/\(label)/\(file)", toPath: "\(folder)/\(file)") }
            }
        }
        if let extra { try FileManager.default.createDirectory(atPath: "\(root)/\(extra)/x", withIntermediateDirectories: true) }
        return root
    }

    @Test func presplitTreeWithAnotherFolderIsAnError() throws {
        let root = try tree(["train", "test"], extra: "unlabeled")
        #expect { _ = try Dataset.load(root) } throws: { "\($0)".contains("has another folder, 'unlabeled'") }
    }

    @Test func presplitTreeWithoutTestCarvesTestFromTrain() throws {
        let root = try tree(["train", "val"])
        let dataset = try Dataset.load(root)
        let split = Splitter.makeSplit(for: dataset)
        let counts = Dictionary(grouping: split.entries, by: \.split).mapValues(\.count)
        #expect((counts[.test] ?? 0) > 0)
        #expect(counts[.val] == 60)  // the tree's own val folder is kept as it is
    }

    @Test func extremeAspectRatiosDoNotCrashResize() throws {
        let strip = try Image(width: 3000, height: 10, channels: 1)
        let resize = try Resize(.shorterSide(32, maxSize: 64))
        let size = resize.outputSize(width: 3000, height: 10)
        #expect(size.width >= 1 && size.height >= 1)
        var generator = RandomGenerator(seed: 1)
        _ = try resize.apply(.image(strip), using: &generator)
    }

    @Test func negativeLabelsAreRefused() throws {
        let item = DatasetItem(path: "/x.png", relativePath: "x.png", label: -1)
        #expect { _ = try DataLoader(items: [item], transform: try Compose([ToTensor()])) } throws: {
            "\($0)".contains("label -1")
        }
    }
}

@Suite struct RandomApplyKindsTests {
    @Test func randomApplyWrapsTensorTransformsAfterToTensor() throws {
        let pipeline = try Compose([ToTensor(), try RandomApply([try GaussianNoise(sigma: 0.1)], p: 1)])
        var generator = RandomGenerator(seed: 2)
        let image = try Image(width: 4, height: 4, channels: 3)
        guard case .tensor(let out) = try pipeline.apply(.image(image), using: &generator) else {
            Issue.record("expected a tensor")
            return
        }
        #expect(out.values.contains { $0 != 0 })  // the noise was applied
        // Image steps still nest before ToTensor, and mixing kinds is caught.
        _ = try Compose([try RandomApply([try RandomHorizontalFlip()]), ToTensor()])
        #expect(throws: TransformError.self) { _ = try Compose([try RandomApply([try GaussianNoise()]), ToTensor()]) }
    }
}
