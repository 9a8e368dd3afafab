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
        /// Told (phase, done, total) now and then, for a progress line: files read (from the
        /// reading threads), then candidate pairs verified.
        public var progress: (@Sendable (Phase, Int, Int) -> Void)?

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
    /// Four words, not a SIMD4: its 32-byte alignment padded every file's facts by 8 bytes.
    struct Digest: Hashable, Comparable {
        private var a: UInt64 = 0, b: UInt64 = 0, c: UInt64 = 0, d: UInt64 = 0

        init<D: Sequence>(_ bytes: D) where D.Element == UInt8 {
            for (index, byte) in bytes.enumerated() where index < 32 {
                switch index / 8 {
                case 0: a = a << 8 | UInt64(byte)
                case 1: b = b << 8 | UInt64(byte)
                case 2: c = c << 8 | UInt64(byte)
                default: d = d << 8 | UInt64(byte)
                }
            }
        }

        static func < (l: Digest, r: Digest) -> Bool { (l.a, l.b, l.c, l.d) < (r.a, r.b, r.c, r.d) }
    }

    /// What one readable file is, in 88 bytes (a million of them must fit beside the rest):
    /// optional values carry a flag instead of Swift optionals' padding, and errors live apart.
    struct FileFacts {
        struct Flags: OptionSet {
            let rawValue: UInt8
            static let readable = Flags(rawValue: 1)
            static let hashed = Flags(rawValue: 2)
            static let pHashed = Flags(rawValue: 4)
            /// A colour image whose R, G and B are equal.
            static let grayAsColour = Flags(rawValue: 8)
            static let hasContrast = Flags(rawValue: 16)
        }

        var sha = Digest([UInt8]())
        private var storedHash: UInt64 = 0, storedPHash: UInt64 = 0
        /// Mean r, g, b and mean r², g², b² in [0, 1] units.
        var means: (Float, Float, Float, Float, Float, Float) = (0, 0, 0, 0, 0, 0)
        private var storedWidth: Int32 = 0, storedHeight: Int32 = 0
        private var storedContrast: Float = 0
        private var storedChannels: UInt8 = 0
        private var storedFormat: UInt8 = 0  // index into `formats`, 0 = unknown
        var flags: Flags = []

        private static let formats: [ImageFormat?] = [nil] + ImageFormat.allCases

        private mutating func set(_ flag: Flags, _ on: Bool) {
            if on { flags.insert(flag) } else { flags.remove(flag) }
        }

        var readable: Bool {
            get { flags.contains(.readable) }
            set { set(.readable, newValue) }
        }
        var grayAsColour: Bool {
            get { flags.contains(.grayAsColour) }
            set { set(.grayAsColour, newValue) }
        }
        var hash: UInt64? {
            get { flags.contains(.hashed) ? storedHash : nil }
            set { storedHash = newValue ?? 0; set(.hashed, newValue != nil) }
        }
        var pHash: UInt64? {
            get { flags.contains(.pHashed) ? storedPHash : nil }
            set { storedPHash = newValue ?? 0; set(.pHashed, newValue != nil) }
        }
        /// The gray thumbnail's standard deviation (0–255).
        var contrast: Float? {
            get { flags.contains(.hasContrast) ? storedContrast : nil }
            set { storedContrast = newValue ?? 0; set(.hasContrast, newValue != nil) }
        }
        var format: String? {
            get { Self.formats[Int(storedFormat)]?.rawValue }
        }
        mutating func setFormat(_ format: ImageFormat) {
            storedFormat = UInt8(Self.formats.firstIndex(of: format) ?? 0)
        }
        var channels: Int? {
            get { readable ? Int(storedChannels) : nil }
            set { storedChannels = UInt8(clamping: newValue ?? 0) }
        }
        var width: Int {
            get { Int(storedWidth) }
            set { storedWidth = Int32(clamping: newValue) }
        }
        var height: Int {
            get { Int(storedHeight) }
            set { storedHeight = Int32(clamping: newValue) }
        }
        var pixels: Int { width * height }
        /// Σ over the pixels of channel statistic `k` (0–2: r, g, b; 3–5: their squares).
        func sum(_ k: Int) -> Double {
            let mean: Float
            switch k {
            case 0: mean = means.0
            case 1: mean = means.1
            case 2: mean = means.2
            case 3: mean = means.3
            case 4: mean = means.4
            default: mean = means.5
            }
            return Double(mean) * Double(pixels)
        }
    }

    /// The long stages of an audit, as a progress line names them.
    public enum Phase: String, Sendable {
        case reading = "reading files"
        case verifying = "verifying near-duplicate candidates"
    }

    /// Audits `dataset`.
    public static func run(_ dataset: Dataset, options: Options = Options()) throws(DatasetError) -> AuditReport {
        // Only each file's split is kept: the definition holds a string per file.
        var splits: [DataSplit] = [], splitMethod = ""
        do {
            let definition = options.split ?? Splitter.makeSplit(for: dataset, fractions: options.fractions, seed: options.seed)
            splits = try definition.assignments(for: dataset)
            splitMethod = definition.preset ? "preset" : "\(definition.method) seed \(definition.seed)"
        }
        HeapMemory.releaseFreed()
        var reading: (@Sendable (Int, Int) -> Void)?, verifying: ((Int, Int) -> Void)?
        if let told = options.progress {
            reading = { told(.reading, $0, $1) }
            verifying = { told(.verifying, $0, $1) }
        }
        let (facts, errors, meanThumbnail) = examine(dataset.items, threads: max(options.threads, 1), limits: options.limits, progress: reading)
        HeapMemory.releaseFreed()

        let counts = dataset.classCounts
        var report = AuditReport(
            root: dataset.root, source: dataset.source.rawValue,
            classes: Dictionary(zip(dataset.classes, counts).map { ($0, $1) }, uniquingKeysWith: +),
            classOrder: dataset.classes,
            imbalanceRatio: (counts.min() ?? 0) > 0 ? Double(counts.max() ?? 0) / Double(counts.min() ?? 1) : nil,
            files: dataset.items.count, readable: 0, corrupt: [], formats: [:], channels: [:], sizes: nil,
            splits: [:], splitMethod: splitMethod,
            trainStatistics: nil, duplicates: [], nearDuplicateGroups: [],
            nearDuplicateSettings: .init(options.nearDuplicates), leakage: [])
        for split in splits { report.splits[split.rawValue, default: 0] += 1 }

        var sizeCounts: [String: Int] = [:]
        var minW = Int.max, maxW = 0, minH = Int.max, maxH = 0
        var sums = [Double](repeating: 0, count: 6)
        var pixelTotal = 0, trainImages = 0, allGray = true
        for (index, fact) in facts.enumerated() {
            guard fact.readable else {
                report.corrupt.append(.init(path: dataset.items[index].path, reason: errors[index] ?? "unreadable"))
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
                for k in 0..<6 { sums[k] += fact.sum(k) }
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
        let readableByClass = Dictionary(grouping: dataset.items.indices.filter { facts[$0].readable }) { dataset.items[$0].label }
        report.exposureOutliers = exposureOutliers(dataset, facts: facts, byClass: readableByClass)
        report.sizeOutliers = sizeOutliers(dataset, facts: facts, byClass: readableByClass)

        // Exact duplicates: identical SHA-256, found by sorting indices by digest (a dictionary
        // of arrays would cost about 100 bytes per file).
        let bySHA = facts.indices.filter { facts[$0].readable }.map(Int32.init).sorted {
            let a = facts[Int($0)].sha, b = facts[Int($1)].sha
            return a != b ? a < b : $0 < $1
        }
        var exactGroups: [[Int]] = []
        var start = 0
        while start < bySHA.count {
            var end = start + 1
            while end < bySHA.count && facts[Int(bySHA[end])].sha == facts[Int(bySHA[start])].sha { end += 1 }
            if end - start > 1 { exactGroups.append(bySHA[start..<end].map(Int.init)) }
            start = end
        }
        exactGroups.sort { $0[0] < $1[0] }
        report.duplicates = exactGroups.map { $0.map { dataset.items[$0].path } }

        // Near duplicates among distinct files (one representative of each exact group), then
        // each group widened by the exact copies of its members.
        var representative = [Int](dataset.items.indices)
        for group in exactGroups { for member in group { representative[member] = group[0] } }
        // Under 16 pixels a side an image holds too little to tell a copy from a look-alike
        // (8×8 digits written alike correlate at 0.99): set aside, and said.
        let small = facts.indices.filter { facts[$0].readable && min(facts[$0].width, facts[$0].height) < NearDuplicateSearch.minimumSide }
        let tooSmall = Set(small)
        let distinct = facts.indices.map { representative[$0] == $0 && facts[$0].readable && !tooSmall.contains($0) }
        let limits = options.limits
        HeapMemory.releaseFreed()
        let search = NearDuplicateSearch.run(
            hashes: facts.indices.map { index -> (p: UInt64, d: UInt64)? in
                guard distinct[index], let p = facts[index].pHash, let d = facts[index].hash else { return nil }
                return (p, d)
            },
            contrast: facts.indices.map { distinct[$0] ? facts[$0].contrast : nil },
            extraCandidates: options.extraCandidates.map { (representative[$0.0], representative[$0.1]) }, reference: meanThumbnail,
            options: options.nearDuplicates, progress: verifying
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
            guard fact.readable, fact.pixels > 0 else { return nil }
            return Double(fact.means.0 + fact.means.1 + fact.means.2) / 3
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
        _ items: [DatasetItem], threads: Int, limits: DecodeLimits, progress: (@Sendable (Int, Int) -> Void)? = nil
    ) -> (facts: [FileFacts], errors: [Int: String], meanThumbnail: [Float]?) {
        let results = FactsStore(count: items.count)
        let workers = min(threads, max(items.count, 1))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var index = worker
            var sum = [Double](repeating: 0, count: Thumbnail.side * Thumbnail.side), count = 0
            while index < items.count {
                let (fact, thumbnail, error) = facts(for: items[index].path, limits: limits)
                let done = results.set(index, fact, error: error)
                if let progress, done % 1000 == 0 || done == items.count { progress(done, items.count) }
                if let thumbnail, min(fact.width, fact.height) >= NearDuplicateSearch.minimumSide {
                    for i in sum.indices { sum[i] += Double(thumbnail.gray[i]) }
                    count += 1
                }
                index += workers
            }
            results.addThumbnails(sum, count: count)
        }
        return (results.values, results.errors, results.meanThumbnail)
    }

    static func facts(for path: String, limits: DecodeLimits) -> (FileFacts, Thumbnail?, String?) {
        var fact = FileFacts()
        var small: Thumbnail?
        do {
            let bytes = try FileBytes.read(path, maxBytes: limits.imageBytes)
            fact.sha = Digest(SHA256.hash(data: bytes))
            let decoded = try ImageDecoder.decode(bytes, source: path, options: DecodeOptions(layout: .rgb, limits: limits))
            let image = decoded.image
            fact.readable = true
            fact.setFormat(decoded.format)
            fact.channels = decoded.storedChannels
            fact.grayAsColour = image.storesGrayAsColour()
            fact.width = image.width
            fact.height = image.height
            let count = image.width * image.height
            image.pixels.withUnsafeBufferPointer { px in
                var r = 0, g = 0, b = 0, r2 = 0, g2 = 0, b2 = 0
                for i in 0..<count {
                    let x = Int(px[i * 3]), y = Int(px[i * 3 + 1]), z = Int(px[i * 3 + 2])
                    r += x; g += y; b += z
                    r2 += x * x; g2 += y * y; b2 += z * z
                }
                let n = Double(max(count, 1))
                fact.means = (
                    Float(Double(r) / 255 / n), Float(Double(g) / 255 / n), Float(Double(b) / 255 / n),
                    Float(Double(r2) / 65025 / n), Float(Double(g2) / 65025 / n), Float(Double(b2) / 65025 / n))
            }
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
            return (FileFacts(), nil, error.description)
        }
        return (fact, small, nil)
    }
}

/// Gives the heap's free pages back to the system (glibc's malloc_trim). A million-file audit
/// frees hundreds of megabytes of temporaries between its phases (listing, splitting,
/// reading); without this, the process's resident size keeps them until it exits.
enum HeapMemory {
    static func releaseFreed() { _ = c_malloc_trim(0) }
}

@_silgen_name("malloc_trim")
private func c_malloc_trim(_ pad: Int) -> Int32

/// Results written by index from several threads.
final class FactsStore: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [DataAudit.FileFacts]

    init(count: Int) { storage = Array(repeating: DataAudit.FileFacts(), count: count) }

    private var done = 0
    /// Why each unreadable file could not be read, by index (the facts have no room for text).
    private(set) var errors: [Int: String] = [:]

    /// Stores file `index`'s facts (and its error, if any); returns how many files are done.
    @discardableResult
    func set(_ index: Int, _ value: DataAudit.FileFacts, error: String?) -> Int {
        lock.lock()
        defer { lock.unlock() }
        storage[index] = value
        if let error { errors[index] = error }
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
