import Foundation
import Synchronization
import Testing
import VisionData
import VisionImage
import VisionTestSupport

/// Near-duplicates in two stages (hash candidates, thumbnail verification, complete linkage) on
/// planted sets: transformed copies must be found, look-alikes of the same class must not.
@Suite struct NearDuplicateSearchTests {
    /// A photo-like picture: two colour fields in the class's palette and a few hard-edged shapes.
    /// Pictures of one class share palette and textures (look-alikes), not layout.
    static func photo(seed: UInt64, style: Int, side: Int = 96) throws -> Image {
        var random = RandomGenerator(seed: seed)
        let palette: [[Double]] = [[170, 90, 60], [60, 120, 170], [90, 160, 80]]
        let base = palette[style % palette.count]
        let (fx, fy, phase) = (random.uniform(0.5, 2.5), random.uniform(0.5, 2.5), random.uniform(0, 6.3))
        var pixels = [UInt8](repeating: 0, count: side * side * 3)
        var shapes: [(cx: Double, cy: Double, r: Double, colour: [Double], round: Bool)] = []
        for _ in 0..<Int(random.uniform(3, 7)) {
            shapes.append((random.uniform(0, 1), random.uniform(0, 1), random.uniform(0.08, 0.3),
                           base.map { $0 + random.uniform(-60, 60) }, random.uniform(0, 1) < 0.5))
        }
        for y in 0..<side {
            for x in 0..<side {
                let u = Double(x) / Double(side), v = Double(y) / Double(side)
                var colour = base.enumerated().map { $0.element + 40 * sin(2 * .pi * (fx * u + fy * v) + phase + Double($0.offset)) }
                for shape in shapes {
                    let inside = shape.round ? (u - shape.cx) * (u - shape.cx) + (v - shape.cy) * (v - shape.cy) < shape.r * shape.r
                        : abs(u - shape.cx) < shape.r && abs(v - shape.cy) < shape.r * 0.6
                    if inside { colour = shape.colour }
                }
                for c in 0..<3 { pixels[(y * side + x) * 3 + c] = UInt8(max(0, min(255, colour[c] + random.uniform(-4, 4)))) }
            }
        }
        return try Image(width: side, height: side, channels: 3, pixels: pixels)
    }

    /// Bilinear resampling to `width` × `height` (the planted rescaling).
    static func resized(_ image: Image, width: Int, height: Int) throws -> Image {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let sx = (Double(x) + 0.5) * Double(image.width) / Double(width) - 0.5
                let sy = (Double(y) + 0.5) * Double(image.height) / Double(height) - 0.5
                let x0 = max(0, min(image.width - 1, Int(sx.rounded(.down)))), y0 = max(0, min(image.height - 1, Int(sy.rounded(.down))))
                let x1 = min(image.width - 1, x0 + 1), y1 = min(image.height - 1, y0 + 1)
                let ax = max(0, min(1, sx - Double(x0))), ay = max(0, min(1, sy - Double(y0)))
                for c in 0..<3 {
                    func at(_ px: Int, _ py: Int) -> Double { Double(image.pixels[(py * image.width + px) * 3 + c]) }
                    let top = at(x0, y0) * (1 - ax) + at(x1, y0) * ax, bottom = at(x0, y1) * (1 - ax) + at(x1, y1) * ax
                    pixels[(y * width + x) * 3 + c] = UInt8(max(0, min(255, (top * (1 - ay) + bottom * ay).rounded())))
                }
            }
        }
        return try Image(width: width, height: height, channels: 3, pixels: pixels)
    }

    static func cropped(_ image: Image, left: Int, top: Int, width: Int, height: Int) throws -> Image {
        var pixels: [UInt8] = []
        for y in top..<(top + height) { pixels += image.pixels[((y * image.width + left) * 3)..<((y * image.width + left + width) * 3)] }
        return try Image(width: width, height: height, channels: 3, pixels: pixels)
    }

    /// The planted transformations, one per copy in turn.
    static let transforms = ["jpeg50", "resize", "crop", "brightness", "shift"]

    /// Writes `image` transformed by `kind`, returning the file's path.
    static func writeCopy(_ image: Image, kind: String, index: Int, to stem: String) throws -> String {
        switch kind {
        case "jpeg50":
            let path = stem + ".jpg"
            try Data(try JPEGEncoder.encode(image, quality: 50)).write(to: URL(fileURLWithPath: path))
            return path
        case "resize":
            let side = index % 2 == 0 ? image.width * 110 / 100 : image.width * 90 / 100
            try PNGEncoder.write(try resized(image, width: side, height: side), to: stem + ".png")
        case "crop":
            // 5% of each side's length, from one or two sides.
            let cut = image.width * 5 / 100
            try PNGEncoder.write(
                try cropped(image, left: index % 2 == 0 ? cut : 0, top: index % 3 == 0 ? cut : 0, width: image.width - cut, height: image.height - cut),
                to: stem + ".png")
        case "brightness":
            var brighter = image
            let factor = index % 2 == 0 ? 1.1 : 0.9
            for i in brighter.pixels.indices { brighter.pixels[i] = UInt8(max(0, min(255, (Double(brighter.pixels[i]) * factor).rounded()))) }
            try PNGEncoder.write(brighter, to: stem + ".png")
        default:  // two pixels to the right, the edge column repeated
            var shifted = image
            for y in 0..<image.height {
                for x in 0..<image.width {
                    for c in 0..<3 { shifted.pixels[(y * image.width + x) * 3 + c] = image.pixels[(y * image.width + max(0, x - 2)) * 3 + c] }
                }
            }
            try PNGEncoder.write(shifted, to: stem + ".png")
        }
        return stem + ".png"
    }

    /// 3 classes × 30 pictures in train/, and transformed copies of 40 of them in test/.
    @Test func findsPlantedCopiesAndNotLookAlikes() throws {
        let root = try Fixtures.temporaryDirectory()
        var planted: [Set<String>] = []
        var seed: UInt64 = 1000
        for style in 0..<3 {
            let name = ["rust", "sky", "leaf"][style]
            try FileManager.default.createDirectory(atPath: "\(root)/train/\(name)", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: "\(root)/test/\(name)", withIntermediateDirectories: true)
            for i in 0..<30 {
                let image = try Self.photo(seed: seed, style: style)
                seed += 1
                let original = "\(root)/train/\(name)/\(i).png"
                try PNGEncoder.write(image, to: original)
                // Copies of the first 14 of each class, 40 in all; the rest are look-alikes only.
                guard i < 14, planted.count < 40 else { continue }
                let copy = try Self.writeCopy(
                    image, kind: Self.transforms[planted.count % Self.transforms.count], index: planted.count,
                    to: "\(root)/test/\(name)/copy-of-\(i)")
                planted.append([original, copy])
            }
        }
        #expect(planted.count == 40)
        let told = Mutex<[(DataAudit.Phase, Int, Int)]>([])
        var options = DataAudit.Options(threads: 2)
        options.progress = { phase, done, total in told.withLock { $0.append((phase, done, total)) } }
        let report = try DataAudit.run(try Dataset.load(root), options: options)
        // Progress reaches the end of each phase: the 130 files, then every candidate pair.
        let events = told.withLock { $0 }
        #expect(events.last { $0.0 == .reading }.map { $0.1 == 130 && $0.2 == 130 } == true)
        #expect(events.last { $0.0 == .verifying }.map { $0.1 == $0.2 && $0.2 > 0 } == true, "\(events.filter { $0.0 == .verifying })")
        var reported: [Set<String>] = []
        for group in report.nearDuplicateGroups {
            for a in group.paths.indices { for b in group.paths.indices where b > a { reported.append([group.paths[a], group.paths[b]]) } }
        }
        let found = planted.filter { reported.contains($0) }
        let correct = reported.filter { planted.contains($0) }
        let recall = Double(found.count) / Double(planted.count)
        let precision = reported.isEmpty ? 1 : Double(correct.count) / Double(reported.count)
        let missed = planted.filter { !reported.contains($0) }.map { $0.sorted().joined(separator: " ~ ") }
        let wrong = reported.filter { !planted.contains($0) }.map { $0.sorted().joined(separator: " ~ ") }
        #expect(recall >= 0.95, "recall \(recall): missed \(missed)")
        #expect(precision >= 0.98, "precision \(precision): wrong \(wrong)")
        // Every copy sits in test/ and its original in train/: each found pair is a split leak.
        let leaks = report.leakage.filter { $0.kind == "split" && $0.match == "near" }
        #expect(leaks.count == found.count)
        #expect(leaks.allSatisfy { $0.splits.contains("test") && $0.score >= report.nearDuplicateSettings.similarity })
        let scores = report.nearDuplicateGroups.flatMap { $0.scores.dropFirst() }
        print("planted near-duplicates: scores \(scores.min() ?? 0)–\(scores.max() ?? 0); recall \(found.count)/\(planted.count), precision \(correct.count)/\(reported.count); \(report.nearDuplicateCandidates) candidates, \(report.nearDuplicatePairsVerified) verified")
    }

    /// A ≈ B and B ≈ C, but A and C are too far apart: union-find would make one group of
    /// three; complete linkage keeps A and C apart.
    @Test func aChainDoesNotBecomeOneGroup() throws {
        var random = RandomGenerator(seed: 3)
        let x = (0..<1024).map { _ in Float(random.uniform(-1, 1)) }
        // y orthogonal to x (Gram–Schmidt), both zero-mean: correlations follow from the mixing weights.
        var y = (0..<1024).map { _ in Float(random.uniform(-1, 1)) }
        let dot = zip(x, y).reduce(0) { $0 + $1.0 * $1.1 } / x.reduce(0) { $0 + $1 * $1 }
        y = zip(y, x).map { $0 - dot * $1 }
        let scale = (x.reduce(0) { $0 + $1 * $1 } / y.reduce(0) { $0 + $1 * $1 }).squareRoot()
        let thumbnails = [0, 0.4, 0.8].map { a in Thumbnail(gray: zip(x, y).map { 128 + 40 * ($0 + Float(a) * scale * $1) }, chroma: nil) }
        let ab = ThumbnailSimilarity.correlation(thumbnails[0], thumbnails[1], maxShift: 0)
        let bc = ThumbnailSimilarity.correlation(thumbnails[1], thumbnails[2], maxShift: 0)
        let ac = ThumbnailSimilarity.correlation(thumbnails[0], thumbnails[2], maxShift: 0)
        #expect(ab > 0.9 && bc > 0.9 && ac < 0.85, "A–B \(ab), B–C \(bc), A–C \(ac)")
        var options = NearDuplicateSearch.Options()
        options.maxShift = 0
        let result = NearDuplicateSearch.run(
            hashes: Array(repeating: (p: 1, d: 1), count: 3), contrast: [40, 40, 40], options: options) { thumbnails[$0] }
        #expect(result.verified == 2)  // A–B and B–C pass, A–C does not: union-find would chain all three
        #expect(result.groups.map(\.members) == [[1, 2]])  // the stronger pair; A is not let in
    }

    /// Plain images carry too little to compare: set aside and listed, never matched.
    @Test func uniformImagesAreSetAsideNotMatched() throws {
        let root = try Fixtures.temporaryDirectory()
        for (index, level) in [120, 121, 180].enumerated() {
            var pixels = [UInt8](repeating: UInt8(level), count: 40 * 40 * 3)
            pixels[index] = 255  // not byte-identical
            try TestTrees.write(try Image(width: 40, height: 40, channels: 3, pixels: pixels), to: "\(root)/a/\(index).png")
        }
        try TestTrees.write(try Self.photo(seed: 1, style: 0, side: 40), to: "\(root)/b/photo.png")
        let report = try DataAudit.run(try Dataset.load(root), options: .init(threads: 1))
        #expect(report.nearDuplicateGroups.isEmpty)
        #expect(Set(report.uniformImages) == ["\(root)/a/0.png", "\(root)/a/1.png", "\(root)/a/2.png"])
    }

    /// Candidates: hashes a few bits apart are found whatever bits differ, with few comparisons.
    @Test func hashCandidatesFindCloseHashesWithoutComparingEverything() {
        var random = RandomGenerator(seed: 9)
        var hashes: [(p: UInt64, d: UInt64)?] = []
        var planted: [HashCandidates.Pair] = []
        for index in 0..<2000 {
            let p = random.next(), d = random.next()
            hashes.append((p, d))
            if index % 10 == 0 {
                // A neighbour 6 bits away on pHash (dHash unrelated).
                var q = p
                for bit in Array(random.permutation(64).prefix(6)) { q ^= 1 << UInt64(bit) }
                planted.append(.init(hashes.count - 1, hashes.count))
                hashes.append((q, random.next()))
            }
        }
        let candidates = HashCandidates(hashes: hashes)
        let found = planted.filter { candidates.pairs.contains($0) }.count
        #expect(Double(found) / Double(planted.count) >= 0.97, "\(found) of \(planted.count)")
        let n = hashes.count
        #expect(candidates.comparisons < n * (n - 1) / 2 / 20, "\(candidates.comparisons) comparisons")
    }

    /// pHash moves a few bits under recompression and brightness, many between pictures.
    @Test func pHashToleratesRecompressionAndBrightness() throws {
        let image = try Self.photo(seed: 77, style: 1)
        let jpeg = try ImageDecoder.decode(try JPEGEncoder.encode(image, quality: 50), source: "q50.jpg", options: DecodeOptions(layout: .rgb)).image
        var brighter = image
        for i in brighter.pixels.indices { brighter.pixels[i] = UInt8(min(255, Double(brighter.pixels[i]) * 1.1)) }
        func hash(_ image: Image) throws -> UInt64 { PerceptualHash.pHash(thumbnail: try Thumbnail(image, colour: false).gray) }
        let h = try hash(image)
        #expect(PerceptualHash.distance(h, try hash(jpeg)) <= 4)
        #expect(PerceptualHash.distance(h, try hash(brighter)) <= 4)
        #expect(PerceptualHash.distance(h, try hash(try Self.photo(seed: 78, style: 1))) > 16)
    }

    /// Quirks: an image far darker than its class and one four times its class's size are named.
    @Test func exposureAndSizeOutliersAreNamed() throws {
        let root = try Fixtures.temporaryDirectory()
        for i in 0..<12 {
            var image = try Self.photo(seed: UInt64(500 + i), style: 1, side: i == 11 ? 384 : 96)
            if i == 10 { for p in image.pixels.indices { image.pixels[p] = UInt8(Double(image.pixels[p]) * 0.15) } }
            try TestTrees.write(image, to: "\(root)/sky/\(i).png")
            try TestTrees.write(try Self.photo(seed: UInt64(600 + i), style: 2), to: "\(root)/leaf/\(i).png")
        }
        let report = try DataAudit.run(try Dataset.load(root), options: .init(threads: 2))
        #expect(report.exposureOutliers.map(\.path) == ["\(root)/sky/10.png"])
        #expect(report.exposureOutliers.first.map { $0.deviation < -3 && $0.class == "sky" } == true)
        #expect(report.sizeOutliers.map(\.path) == ["\(root)/sky/11.png"])
        #expect(report.sizeOutliers.first?.deviation == 4)
        #expect(!report.mixedChannels)
    }
}
