import Foundation
import Testing
import VisionData
import VisionImage
import VisionTestSupport

@Suite struct LoaderTests {
    static func pipeline() throws -> Compose {
        try Compose([
            try RandomResizedCrop(width: 8, height: 8, scale: 0.5...1), try RandomHorizontalFlip(), try ColorJitter(brightness: 0.3),
            ToTensor(), try Normalize(mean: [0.5], std: [0.5]), try RandomErasing(p: 0.5),
        ])
    }

    static func items(perClass: Int = 9) throws -> [DatasetItem] {
        try Dataset.imageFolder(root: try TestTrees.imageFolder(classes: ["a", "b", "c"], perClass: perClass)).items
    }

    @Test func batchesAreNCHWWithLabels() throws {
        let items = try Self.items()
        let loader = try DataLoader(items: items, transform: try Self.pipeline(), options: LoaderOptions(batchSize: 10, workers: 2))
        let batches = try loader.epoch(0).collect()
        #expect(batches.map(\.count) == [10, 10, 7])
        #expect(batches[0].shape == [10, 3, 8, 8])
        #expect(batches[0].images.count == 10 * 3 * 8 * 8)
        #expect(batches.flatMap(\.paths).sorted() == items.map(\.path).sorted())  // each file once
        for batch in batches {
            for (label, path) in zip(batch.labels, batch.paths) { #expect(items.first { $0.path == path }?.label == label) }
        }
        #expect(loader.batchCount() == 3)
    }

    @Test func sameBatchesWhateverTheWorkerCount() throws {
        let items = try Self.items()
        var results: [[Batch]] = []
        for workers in [0, 1, 2, 3] {
            let options = LoaderOptions(batchSize: 4, seed: 11, workers: workers, prefetch: 2)
            let loader = try DataLoader(items: items, transform: try Self.pipeline(), options: options)
            results.append(try loader.epoch(3).collect())
        }
        for other in results.dropFirst() { #expect(other == results[0]) }
    }

    @Test func reshufflesPerEpochAndRepeatsWithTheSeed() throws {
        let items = try Self.items()
        let loader = try DataLoader(items: items, transform: try Self.pipeline(), options: LoaderOptions(batchSize: 5, seed: 1))
        let first = try loader.epoch(0).collect().flatMap(\.paths)
        let second = try loader.epoch(1).collect().flatMap(\.paths)
        #expect(first != second)
        #expect(Set(first) == Set(second))
        #expect(try loader.epoch(0).collect().flatMap(\.paths) == first)
        let unshuffled = try DataLoader(items: items, transform: try Self.pipeline(), options: LoaderOptions(batchSize: 5, shuffle: false))
        #expect(try unshuffled.epoch(4).collect().flatMap(\.paths) == items.map(\.path))
    }

    @Test func dropLastAndShards() throws {
        let items = try Self.items()  // 27
        let drop = try DataLoader(items: items, transform: try Self.pipeline(), options: LoaderOptions(batchSize: 10, dropLast: true))
        #expect(try drop.epoch(0).collect().map(\.count) == [10, 10])
        // Four ranks deal each global batch of 12: 27 images are 12 + 12 + 3, each seen once, and
        // every rank has the same three batches (rank 3's last one empty).
        var seen: [String] = []
        for rank in 0..<4 {
            let options = LoaderOptions(batchSize: 3, seed: 2, rank: rank, worldSize: 4)
            let shard = try DataLoader(items: items, transform: try Self.pipeline(), options: options)
            let batches = try shard.epoch(0).collect()
            #expect(batches.map(\.count) == (rank < 3 ? [3, 3, 1] : [3, 3, 0]))
            seen += batches.flatMap(\.paths)
        }
        #expect(seen.count == 27 && Set(seen) == Set(items.map(\.path)))
        // Together they are one process's batches of 12, in the same positions.
        let whole = try DataLoader(items: items, transform: try Self.pipeline(), options: LoaderOptions(batchSize: 12, seed: 2))
        let reference = try whole.epoch(0).collect().map { Set($0.paths) }
        var dealt = [Set<String>](repeating: [], count: 3)
        for rank in 0..<4 {
            let shard = try DataLoader(items: items, transform: try Self.pipeline(), options: LoaderOptions(batchSize: 3, seed: 2, rank: rank, worldSize: 4))
            for (index, batch) in try shard.epoch(0).collect().enumerated() { dealt[index].formUnion(batch.paths) }
        }
        #expect(dealt == reference)
        #expect(throws: LoaderError.self) {
            try DataLoader(items: items, transform: try Self.pipeline(), options: LoaderOptions(rank: 2, worldSize: 2))
        }
    }

    @Test func classBalancedSamplingEvensOutClasses() throws {
        let root = try Fixtures.temporaryDirectory()
        for i in 0..<40 { try TestTrees.write(try TestTrees.image(seed: UInt64(i), width: 4, height: 4), to: "\(root)/common/\(i).png") }
        for i in 0..<4 { try TestTrees.write(try TestTrees.image(seed: UInt64(100 + i), width: 4, height: 4), to: "\(root)/rare/\(i).png") }
        let dataset = try Dataset.imageFolder(root: root)
        let loader = try DataLoader(
            items: dataset.items, transform: try Compose([ToTensor()]), options: LoaderOptions(batchSize: 44, classBalanced: true))
        var rare = 0, total = 0
        for epoch in 0..<10 {
            let labels = try loader.epoch(epoch).collect().flatMap(\.labels)
            rare += labels.filter { $0 == 1 }.count
            total += labels.count
        }
        #expect(total == 440)
        #expect(abs(Double(rare) / Double(total) - 0.5) < 0.1, "rare share \(rare)/\(total)")
    }

    @Test func badImagesAreSkippedAndReportedOrFail() throws {
        var items = try Self.items(perClass: 3)
        let root = try Fixtures.temporaryDirectory()
        try TestTrees.touch("\(root)/broken.png", "not an image at all")
        items.insert(DatasetItem(path: "\(root)/broken.png", relativePath: "a/broken.png", label: 0), at: 2)
        items.insert(DatasetItem(path: "\(root)/missing.png", relativePath: "a/missing.png", label: 0), at: 5)
        let options = LoaderOptions(batchSize: 4, shuffle: false, workers: 2)
        let loader = try DataLoader(items: items, transform: try Self.pipeline(), options: options)
        let iterator = loader.epoch(0)
        let batches = try iterator.collect()
        #expect(batches.map(\.count).reduce(0, +) == items.count - 2)
        #expect(iterator.badImages.map(\.path) == ["\(root)/broken.png", "\(root)/missing.png"])
        #expect(iterator.badImages[0].reason.contains("unknown format"))

        var failing = options
        failing.onBadImage = .fail
        let strict = try DataLoader(items: items, transform: try Self.pipeline(), options: failing)
        let error = #expect(throws: LoaderError.self) { try strict.epoch(0).collect() }
        if case .badImage(let path, _)? = error { #expect(path == "\(root)/broken.png") } else { Issue.record("expected badImage, got \(String(describing: error))") }
        #expect(BadImagePolicy.allCases == [.skip, .fail])
    }

    @Test func mismatchedSampleShapesAreAnError() throws {
        let root = try Fixtures.temporaryDirectory()
        try TestTrees.write(try TestTrees.image(seed: 1, width: 5, height: 5), to: "\(root)/a/1.png")
        try TestTrees.write(try TestTrees.image(seed: 2, width: 6, height: 5), to: "\(root)/b/1.png")
        let dataset = try Dataset.imageFolder(root: root)
        let loader = try DataLoader(
            items: dataset.items, transform: try Compose([ToTensor()]), options: LoaderOptions(batchSize: 2, shuffle: false))
        #expect(throws: LoaderError.self) { try loader.epoch(0).collect() }
    }

    @Test func abandoningAnEpochEarlyStopsCleanly() throws {
        let items = try Self.items(perClass: 20)
        let loader = try DataLoader(items: items, transform: try Self.pipeline(), options: LoaderOptions(batchSize: 2, workers: 2, prefetch: 2))
        for epoch in 0..<5 {
            // Each abandoned epoch delivered its first batch, whole and in the planned order.
            let iterator = loader.epoch(epoch)
            let first = try #require(try iterator.next())
            #expect(first.count == 2)
            #expect(first.paths == loader.plan(epoch: epoch).prefix(2).map { items[$0.item].path })
        }
        // The workers of the abandoned epochs do not hold up (or leak into) a full epoch after them.
        let all = try loader.epoch(5).collect()
        #expect(all.map(\.count).reduce(0, +) == items.count)
        #expect(Set(all.flatMap(\.paths)) == Set(items.map(\.path)))
    }

    @Test func jpegDecodesReducedWhenTheFirstStepShrinks() throws {
        // hopper.jpg is 128×128: Resize(32) lets libjpeg decode at 1/4 and the result still matches
        // a full decode + resize closely.
        let root = try Fixtures.temporaryDirectory()
        for name in ["a", "b"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(name)", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Fixtures.path("images/jpeg/pillow/hopper.jpg"), toPath: "\(root)/\(name)/h.jpg")
        }
        let items = try Dataset.imageFolder(root: root).items
        let loader = try DataLoader(items: items, transform: try Compose([try Resize(side: 32), ToTensor()]), options: LoaderOptions(batchSize: 2, shuffle: false))
        let batch = try #require(try loader.epoch(0).next())
        let full = try ImageDecoder.decode(contentsOf: items[0].path, options: DecodeOptions(layout: .rgb)).image
        var generator = RandomGenerator(seed: 0)
        guard case .tensor(let reference) = try Compose([try Resize(side: 32), ToTensor()]).apply(.image(full), using: &generator) else {
            Issue.record("expected a tensor")
            return
        }
        let mean = zip(batch.images.prefix(reference.values.count), reference.values).map { abs($0 - $1) }.reduce(0, +) / Float(reference.values.count)
        #expect(mean < 0.03, "mean |Δ| = \(mean)")
    }
}
