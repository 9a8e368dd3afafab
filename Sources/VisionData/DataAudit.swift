import Crypto
import Foundation
import VisionImage

/// Reads every file of a dataset once (on several threads) and reports what would ruin a model:
/// corrupt files, imbalance, duplicates, and the same image under two labels or in two splits.
public enum DataAudit {
    /// What to check and how.
    public struct Options: Sendable {
        public var seed: UInt64
        public var fractions: SplitFractions
        /// A saved split to audit instead of a fresh one.
        public var split: SplitDefinition?
        /// How near-duplicates are proposed and verified (thresholds documented there).
        public var nearDuplicates: NearDuplicateSearch.Options
        /// More candidate pairs (indices into the dataset's items), e.g. neighbours in a model's
        /// feature space; verified like the rest.
        public var extraCandidates: [(Int, Int)] = []
        public var threads: Int
        /// What one image's decode may cost; an image over them is reported as unreadable.
        public var limits: DecodeLimits
        /// Told (files read, files) now and then from the reading threads, for a progress line.
        public var progress: (@Sendable (Int, Int) -> Void)?

        public init(
            seed: UInt64 = 0, fractions: SplitFractions = .standard, split: SplitDefinition? = nil,
            nearDuplicates: NearDuplicateSearch.Options = .init(), threads: Int = 2, limits: DecodeLimits = .standard
        ) {
            self.limits = limits
            self.seed = seed
            self.fractions = fractions
            self.split = split
            self.nearDuplicates = nearDuplicates
            self.threads = threads
        }
    }

    /// A file's SHA-256, inline (a million files should not mean a million heap strings).
    struct Digest: Hashable {
        var words = SIMD4<UInt64>()

        init<D: Sequence>(_ bytes: D) where D.Element == UInt8 {
            for (index, byte) in bytes.enumerated() where index < 32 { words[index / 8] = words[index / 8] << 8 | UInt64(byte) }
        }
    }

    struct FileFacts {
        var sha: Digest?
        var hash: UInt64?
        var pHash: UInt64?
        /// The gray thumbnail's standard deviation (0–255).
        var contrast: Float?
        var format: String?
        var channels: Int?
        /// A colour image whose R, G and B are equal.
        var grayAsColour = false
        var width = 0, height = 0
        var sums = SIMD8<Double>()  // Σ r, g, b and Σ r², g², b² in [0, 1] units (6 of 8 lanes)
        var pixels = 0
        var error: String?
    }

    /// Audits `dataset`.
    public static func run(_ dataset: Dataset, options: Options = Options()) throws(DatasetError) -> AuditReport {
        let splitDefinition = options.split ?? Splitter.makeSplit(for: dataset, fractions: options.fractions, seed: options.seed)
        let splits = try splitDefinition.assignments(for: dataset)
        let (facts, meanThumbnail) = examine(
            dataset.items.map(\.path), threads: max(options.threads, 1), limits: options.limits, progress: options.progress)

        let counts = dataset.classCounts
        var report = AuditReport(
            root: dataset.root, source: dataset.source.rawValue,
            classes: Dictionary(zip(dataset.classes, counts).map { ($0, $1) }, uniquingKeysWith: +),
            classOrder: dataset.classes,
            imbalanceRatio: (counts.min() ?? 0) > 0 ? Double(counts.max() ?? 0) / Double(counts.min() ?? 1) : nil,
            files: dataset.items.count, readable: 0, corrupt: [], formats: [:], channels: [:], sizes: nil,
            splits: [:], splitMethod: splitDefinition.preset ? "preset" : "\(splitDefinition.method) seed \(splitDefinition.seed)",
            trainStatistics: nil, duplicates: [], nearDuplicateGroups: [],
            nearDuplicateSettings: .init(options.nearDuplicates), leakage: [])
        for split in splits { report.splits[split.rawValue, default: 0] += 1 }

        var sizeCounts: [String: Int] = [:]
        var minW = Int.max, maxW = 0, minH = Int.max, maxH = 0
        var sums = [Double](repeating: 0, count: 6)
        var pixelTotal = 0, trainImages = 0, allGray = true
        for (index, fact) in facts.enumerated() {
            if let error = fact.error {
                report.corrupt.append(.init(path: dataset.items[index].path, reason: error))
                continue
            }
            report.readable += 1
            if let format = fact.format { report.formats[format, default: 0] += 1 }
            if let channels = fact.channels {
                report.channels[String(channels), default: 0] += 1
                if fact.grayAsColour { report.grayStoredAsRGB += 1 }
                if channels > 2 && !fact.grayAsColour { allGray = false }
            }
            sizeCounts["\(fact.width)×\(fact.height)", default: 0] += 1
            minW = min(minW, fact.width); maxW = max(maxW, fact.width)
            minH = min(minH, fact.height); maxH = max(maxH, fact.height)
            if splits[index] == .train {
                for k in 0..<6 { sums[k] += fact.sums[k] }
                pixelTotal += fact.pixels
                trainImages += 1
            }
        }
        if report.readable > 0 {
            let common = sizeCounts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(5)
            report.sizes = .init(
                minWidth: minW, maxWidth: maxW, minHeight: minH, maxHeight: maxH,
                common: common.map { .init(size: $0.key, count: $0.value) })
        }
        if pixelTotal > 0 {
            let n = Double(pixelTotal)
            let mean = (0..<3).map { sums[$0] / n }
            let std = (0..<3).map { max(sums[$0 + 3] / n - mean[$0] * mean[$0], 0).squareRoot() }
            report.trainStatistics = .init(
                images: trainImages, mean: allGray ? [mean[0]] : mean, std: allGray ? [std[0]] : std)
        }

        // Each class's readable images, in dataset order.
        let readableByClass = Dictionary(grouping: dataset.items.indices.filter { facts[$0].error == nil }) { dataset.items[$0].label }
        report.exposureOutliers = exposureOutliers(dataset, facts: facts, byClass: readableByClass)
        report.sizeOutliers = sizeOutliers(dataset, facts: facts, byClass: readableByClass)

        // Exact duplicates: identical SHA-256.
        var bySHA: [Digest: [Int]] = [:]
        for (index, fact) in facts.enumerated() { if let sha = fact.sha, fact.error == nil { bySHA[sha, default: []].append(index) } }
        let exactGroups = bySHA.values.filter { $0.count > 1 }.map { $0.sorted() }.sorted { $0[0] < $1[0] }
        report.duplicates = exactGroups.map { $0.map { dataset.items[$0].path } }

        // Near duplicates among distinct files (one representative of each exact group), then
        // each group widened by the exact copies of its members.
        var representative = [Int](dataset.items.indices)
        for group in exactGroups { for member in group { representative[member] = group[0] } }
        // Under 16 pixels a side an image holds too little to tell a copy from a look-alike
        // (8×8 digits written alike correlate at 0.99): set aside, and said.
        let small = facts.indices.filter { facts[$0].error == nil && min(facts[$0].width, facts[$0].height) < NearDuplicateSearch.minimumSide }
        let tooSmall = Set(small)
        let distinct = facts.indices.map { representative[$0] == $0 && facts[$0].error == nil && !tooSmall.contains($0) }
        let hashes = facts.indices.map { index -> (p: UInt64, d: UInt64)? in
            guard distinct[index], let p = facts[index].pHash, let d = facts[index].hash else { return nil }
            return (p, d)
        }
        let limits = options.limits
        let search = NearDuplicateSearch.run(
            hashes: hashes, contrast: facts.indices.map { distinct[$0] ? facts[$0].contrast : nil },
            extraCandidates: options.extraCandidates.map { (representative[$0.0], representative[$0.1]) }, reference: meanThumbnail,
            options: options.nearDuplicates
        ) { index in
            Self.thumbnail(dataset.items[index].path, colour: !facts[index].grayAsColour && (facts[index].channels ?? 3) >= 3, limits: limits)
        }
        let copies = Dictionary(grouping: facts.indices.filter { representative[$0] != $0 }, by: { representative[$0] })
        var nearList: [(members: [Int], scores: [Double])] = []
        for group in search.groups {
            var members: [Int] = [], scores: [Double] = []
            for (member, score) in zip(group.members, group.scores) {
                members.append(member)
                scores.append(score)
                for copy in copies[member] ?? [] {
                    members.append(copy)
                    scores.append(score)
                }
            }
            nearList.append((members, scores))
        }
        nearList.sort { ($0.members.min() ?? 0) < ($1.members.min() ?? 0) }
        report.nearDuplicateGroups = nearList.map { .init(paths: $0.members.map { dataset.items[$0].path }, scores: $0.scores) }
        report.uniformImages = search.uniform.map { dataset.items[$0].path }
        report.smallImages = small.map { dataset.items[$0].path }
        report.nearDuplicateCandidates = search.candidates
        report.nearDuplicatePairsVerified = search.verified

        func leaks(_ group: [Int], match: String, score: Double) -> [AuditReport.Leak] {
            let labels = Set(group.map { dataset.items[$0].label })
            let groupSplits = Set(group.map { splits[$0] })
            let paths = group.map { dataset.items[$0].path }
            let classNames = group.map { dataset.classes[dataset.items[$0].label] }
            let splitNames = group.map { splits[$0].rawValue }
            var out: [AuditReport.Leak] = []
            if labels.count > 1 {
                out.append(.init(kind: "class", match: match, paths: paths, classes: classNames, splits: splitNames, score: score))
            }
            if groupSplits.count > 1 {
                out.append(.init(kind: "split", match: match, paths: paths, classes: classNames, splits: splitNames, score: score))
            }
            return out
        }
        for group in exactGroups { report.leakage += leaks(group, match: "exact", score: 1) }
        for group in nearList { report.leakage += leaks(group.members, match: "near", score: group.scores.min() ?? 0) }
        return report
    }

    /// Images whose mean brightness is more than 3 standard deviations from their class's.
    static func exposureOutliers(_ dataset: Dataset, facts: [FileFacts], byClass: [Int: [Int]]) -> [AuditReport.Outlier] {
        let brightness = facts.map { fact -> Double? in
            guard fact.error == nil, fact.pixels > 0 else { return nil }
            return (fact.sums[0] + fact.sums[1] + fact.sums[2]) / (3 * Double(fact.pixels))
        }
        var out: [AuditReport.Outlier] = []
        for label in dataset.classes.indices {
            let members = (byClass[label] ?? []).filter { brightness[$0] != nil }
            guard members.count >= 8 else { continue }
            let values = members.compactMap { brightness[$0] }
            let mean = values.reduce(0, +) / Double(values.count)
            let std = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
            guard std > 1e-6 else { continue }
            for index in members {
                guard let value = brightness[index], abs(value - mean) / std > 3 else { continue }
                out.append(.init(path: dataset.items[index].path, class: dataset.classes[label], value: value, typical: mean, deviation: (value - mean) / std))
            }
        }
        return out.sorted { abs($0.deviation) > abs($1.deviation) }
    }

    /// Images whose longer side is over twice or under half their class's median longer side.
    static func sizeOutliers(_ dataset: Dataset, facts: [FileFacts], byClass: [Int: [Int]]) -> [AuditReport.Outlier] {
        var out: [AuditReport.Outlier] = []
        for label in dataset.classes.indices {
            let members = byClass[label] ?? []
            guard members.count >= 4 else { continue }
            let sides = members.map { Double(max(facts[$0].width, facts[$0].height)) }.sorted()
            let median = sides[sides.count / 2]
            guard median > 0 else { continue }
            for index in members {
                let side = Double(max(facts[index].width, facts[index].height))
                let factor = side / median
                guard factor > 2 || factor < 0.5 else { continue }
                out.append(.init(path: dataset.items[index].path, class: dataset.classes[label], value: side, typical: median, deviation: factor))
            }
        }
        return out.sorted { abs(log($0.deviation)) > abs(log($1.deviation)) }
    }

    /// Verification's view of one file: decoded small (JPEG's DCT scaling) into a thumbnail.
    static func thumbnail(_ path: String, colour: Bool, limits: DecodeLimits) -> Thumbnail? {
        guard let decoded = try? ImageDecoder.decode(contentsOf: path, options: DecodeOptions(layout: .rgb, sizeHint: (64, 64), limits: limits))
        else { return nil }
        return try? Thumbnail(decoded.image, colour: colour)
    }

    /// Reads, hashes and decodes each file; `threads` workers take interleaved files.
    static func examine(
        _ paths: [String], threads: Int, limits: DecodeLimits, progress: (@Sendable (Int, Int) -> Void)? = nil
    ) -> (facts: [FileFacts], meanThumbnail: [Float]?) {
        let results = FactsStore(count: paths.count)
        let workers = min(threads, max(paths.count, 1))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var index = worker
            var sum = [Double](repeating: 0, count: Thumbnail.side * Thumbnail.side), count = 0
            while index < paths.count {
                let (fact, thumbnail) = facts(for: paths[index], limits: limits)
                let done = results.set(index, fact)
                if let progress, done % 1000 == 0 || done == paths.count { progress(done, paths.count) }
                if let thumbnail, min(fact.width, fact.height) >= NearDuplicateSearch.minimumSide {
                    for i in sum.indices { sum[i] += Double(thumbnail.gray[i]) }
                    count += 1
                }
                index += workers
            }
            results.addThumbnails(sum, count: count)
        }
        return (results.values, results.meanThumbnail)
    }

    static func facts(for path: String, limits: DecodeLimits) -> (FileFacts, Thumbnail?) {
        var fact = FileFacts()
        var small: Thumbnail?
        do {
            let bytes = try FileBytes.read(path, maxBytes: limits.imageBytes)
            fact.sha = Digest(SHA256.hash(data: bytes))
            let decoded = try ImageDecoder.decode(bytes, source: path, options: DecodeOptions(layout: .rgb, limits: limits))
            let image = decoded.image
            fact.format = decoded.format.rawValue
            fact.channels = decoded.storedChannels
            fact.grayAsColour = image.storesGrayAsColour()
            fact.width = image.width
            fact.height = image.height
            fact.pixels = image.width * image.height
            var s = SIMD8<Double>()
            image.pixels.withUnsafeBufferPointer { px in
                var r = 0, g = 0, b = 0, r2 = 0, g2 = 0, b2 = 0
                for i in 0..<fact.pixels {
                    let x = Int(px[i * 3]), y = Int(px[i * 3 + 1]), z = Int(px[i * 3 + 2])
                    r += x; g += y; b += z
                    r2 += x * x; g2 += y * y; b2 += z * z
                }
                s = SIMD8(Double(r) / 255, Double(g) / 255, Double(b) / 255, Double(r2) / 65025, Double(g2) / 65025, Double(b2) / 65025, 0, 0)
            }
            fact.sums = s
            // One gray conversion for both hashes and the thumbnail.
            if let gray = try? ColorOps.grayscale(image, channels: 1) {
                fact.hash = try? PerceptualHash.dHash(gray: gray)
                if let thumbnail = try? Thumbnail(grayImage: gray, colourSource: nil) {
                    fact.pHash = PerceptualHash.pHash(thumbnail: thumbnail.gray)
                    fact.contrast = thumbnail.contrast
                    small = thumbnail
                }
            }
        } catch {
            fact.error = error.description
        }
        return (fact, small)
    }
}

/// Results written by index from several threads.
final class FactsStore: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [DataAudit.FileFacts]

    init(count: Int) { storage = Array(repeating: DataAudit.FileFacts(), count: count) }

    private var done = 0

    /// Stores file `index`'s facts; returns how many files are done.
    @discardableResult
    func set(_ index: Int, _ value: DataAudit.FileFacts) -> Int {
        lock.lock()
        defer { lock.unlock() }
        storage[index] = value
        done += 1
        return done
    }

    private var thumbnailSum: [Double] = []
    private var thumbnailCount = 0

    func addThumbnails(_ sum: [Double], count: Int) {
        lock.lock()
        if thumbnailSum.isEmpty { thumbnailSum = sum } else { for i in sum.indices { thumbnailSum[i] += sum[i] } }
        thumbnailCount += count
        lock.unlock()
    }

    /// The mean gray thumbnail of the images large enough to compare (nil when there are none).
    var meanThumbnail: [Float]? {
        lock.lock()
        defer { lock.unlock() }
        return thumbnailCount > 0 ? thumbnailSum.map { Float($0 / Double(thumbnailCount)) } : nil
    }

    var values: [DataAudit.FileFacts] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }
}
