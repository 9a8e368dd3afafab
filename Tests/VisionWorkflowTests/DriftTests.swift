import Foundation
import Testing
import VisionImage
@testable import VisionWorkflow

/// The drift statistics against values worked by hand, and the fingerprint's shape.
@Suite struct DriftTests {
    @Test func psiKsAndChiSquareAgainstHandValues() {
        #expect(DriftReport.psi(expected: [0.5, 0.5], actual: [0.5, 0.5]) == 0)
        // (0.9 − 0.5) ln(0.9/0.5) + (0.1 − 0.5) ln(0.1/0.5) = 0.2351 + 0.6438
        #expect(abs(DriftReport.psi(expected: [0.5, 0.5], actual: [0.9, 0.1]) - 0.8789) < 1e-3)
        #expect(DriftReport.ks([1, 2, 3], [1, 2, 3]) == 0)
        #expect(DriftReport.ks([1, 2, 3], [4, 5, 6]) == 1)
        #expect(abs(DriftReport.ks([1, 2, 3, 4], [3, 4, 5, 6]) - 0.5) < 1e-12)
        // χ²(0.99, 9) = 21.666; Wilson–Hilferty gives 21.67.
        #expect(abs(DriftReport.chiSquareCritical(degrees: 9) - 21.666) < 0.1)
    }

    @Test func aFingerprintComparedWithItsOwnRowsIsOkAndShiftedRowsDrift() throws {
        var generator = SplitMix(state: 42)  // seeded: the same rows every run
        let rows = (0..<600).map { _ in DriftFeatures.names.map { _ in Double.random(in: 0...1, using: &generator) } }
        let fingerprint = DriftFingerprint(rows: Array(rows[..<300]), formats: Array(repeating: "png", count: 300), predictedClasses: [0.5, 0.5])
        #expect(fingerprint.features.count == DriftFeatures.names.count)
        #expect(fingerprint.features.allSatisfy { abs($0.shares.reduce(0, +) - 1) < 1e-9 && $0.sample.count <= 200 })
        let same = DriftReport(
            fingerprint: fingerprint, rows: Array(rows[300...]), formats: Array(repeating: "png", count: 300),
            predicted: (0..<300).map { $0 % 2 }, classes: ["a", "b"])
        #expect(same.verdict == .ok, "\(same.features.map { ($0.name, $0.psi, $0.ks) })")
        let shifted = rows[300...].map { row in row.enumerated().map { $0.offset == 0 ? $0.element * 0.5 : $0.element } }
        let moved = DriftReport(
            fingerprint: fingerprint, rows: shifted, formats: Array(repeating: "png", count: 300), predicted: (0..<300).map { $0 % 2 },
            classes: ["a", "b"])
        #expect(moved.verdict == .drift)
        #expect(moved.features[0].verdict == .drift && moved.features[1].verdict == .ok)
        let few = DriftReport(fingerprint: fingerprint, rows: Array(shifted.prefix(10)), formats: [], predicted: [], classes: ["a", "b"])
        #expect(few.verdict == .insufficientData)
    }

    @Test func featuresSeeRotationAndBrightness() throws {
        // A vertical bar: vertical edges only (left-right differences), all on the left.
        var image = try Image(width: 16, height: 16, channels: 1)
        for y in 0..<16 { for x in 2..<5 { image.pixels[y * 16 + x] = 200 } }
        let row = DriftFeatures.measure(image)
        #expect(row[5] == 1)  // edge orientation: all horizontal change
        #expect(row[7] > 0 && row[6] == 0)  // left heavier, top = bottom
        var rotated = try Image(width: 16, height: 16, channels: 1)
        for y in 0..<16 { for x in 0..<16 { rotated.pixels[x * 16 + y] = image.pixels[y * 16 + x] } }
        let turned = DriftFeatures.measure(rotated)
        #expect(turned[5] == 0 && turned[6] > 0 && turned[7] == 0)
        #expect(abs(turned[0] - row[0]) < 1e-12)
    }
}

/// SplitMix64: a seeded generator, so that the random rows are the same in every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
