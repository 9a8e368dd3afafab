import ArgumentParser
import Foundation
import VisionData

/// `vision bench data`: the loader's throughput on an ImageFolder tree.
struct BenchDataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Decode + resize to S×S + random horizontal flip + normalise over a folder, and print images per second.",
        discussion: """
            The folder is an ImageFolder tree (e.g. bench-data/data/jpeg from \
            benchmarks/make-images.py). One warm-up epoch, then epochs until --seconds have passed. \
            Compare with benchmarks/data/run.sh, which runs torchvision's equivalent side by side.
            """
    )

    @Argument(help: "An ImageFolder tree.")
    var directory: String

    @Option(help: "Output side S (images become S×S).")
    var size = 64

    @Option(name: [.customLong("batch-size"), .customLong("batch")], help: "Batch size.")
    var batch = 64

    @Option(help: "Decode threads.")
    var workers = 2

    @Option(help: "Minimum seconds to measure.")
    var seconds = 3.0

    @Option(name: .customLong("on-bad-image"), help: "What to do with unreadable files.")
    var onBadImage: BadImagePolicy = .skip

    @Flag(help: "Print one JSON document.")
    var json = false

    func validate() throws {
        if size <= 0 { throw ValidationError("--size must be positive, got \(size)") }
        if batch <= 0 { throw ValidationError("--batch must be positive, got \(batch)") }
        if workers < 0 { throw ValidationError("--workers must be >= 0, got \(workers)") }
        if seconds <= 0 { throw ValidationError("--seconds must be positive, got \(seconds)") }
    }

    func run() throws {
        let dataset = try Dataset.imageFolder(root: directory)
        let pipeline = try Compose([
            try Resize(side: size), try RandomHorizontalFlip(),
            ToTensor(), try Normalize(mean: Normalize.imagenetMean, std: Normalize.imagenetStd),
        ])
        let loader = try DataLoader(
            items: dataset.items, transform: pipeline,
            options: LoaderOptions(batchSize: batch, workers: workers, onBadImage: onBadImage))
        _ = try loader.epoch(0).collect()  // warm-up: file cache, allocator
        let clock = ContinuousClock()
        let start = clock.now
        var images = 0, epoch = 1, elapsed = 0.0
        var skipped: [BadImage] = []
        repeat {
            let iterator = loader.epoch(epoch)
            while let batch = try iterator.next() { images += batch.count }
            skipped = iterator.badImages
            epoch += 1
            let d = clock.now - start
            elapsed = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        } while elapsed < seconds
        let rate = Double(images) / elapsed
        if json {
            print(JSONLine.encode(["images_per_second": rate.rounded(), "images": Double(images), "seconds": elapsed, "skipped": Double(skipped.count)]))
            for bad in skipped { FileHandle.standardError.write(Data("skipped \(bad.path): \(bad.reason)\n".utf8)) }
        } else {
            print("\(Int(rate.rounded())) images/s  (\(dataset.items.count) files, \(epoch - 1) epochs, size \(size), batch \(batch), \(workers) workers)")
            if !skipped.isEmpty { print("skipped \(skipped.count) bad files per epoch, e.g. \(skipped[0].path): \(skipped[0].reason)") }
        }
    }
}
