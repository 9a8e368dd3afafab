import Foundation
import Testing
import VisionImage
import VisionTestSupport

/// Pixels against independent decoders.
///
/// fixtures/images/expected-pixels.tsv was produced once by scripts/make-decode-references.py
/// from Debian's netpbm `pngtopam -alphapam` (PNG: samples as stored, 16-bit → round(v/257),
/// palette → RGB(A), tRNS → alpha) and libjpeg-turbo's `djpeg` (JPEG, default ISLOW IDCT and
/// fancy upsampling), as a SHA-256 of the raw H×W×C samples per file; its header says more.
@Suite struct ReferencePixelTests {
    struct Reference: Sendable, CustomStringConvertible {
        let path: String
        let width: Int
        let height: Int
        let channels: Int
        let digest: String
        let orientation: Int
        var description: String { path }
    }

    static let references: [Reference] = {
        guard let text = try? String(contentsOfFile: Fixtures.path("images/expected-pixels.tsv"), encoding: .utf8) else {
            return []
        }
        return text.split(separator: "\n").compactMap { line -> Reference? in
            if line.hasPrefix("#") { return nil }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 6, let width = Int(fields[1]), let height = Int(fields[2]),
                let channels = Int(fields[3]), let orientation = Int(fields[5])
            else { return nil }
            return Reference(
                path: fields[0], width: width, height: height, channels: channels, digest: fields[4],
                orientation: orientation)
        }
    }()

    @Test func referenceFileCoversTheSuite() {
        let pngs = Self.references.filter { $0.path.hasPrefix("pngsuite/valid/") }
        #expect(pngs.count == 161)
        #expect(Self.references.contains { $0.path.hasSuffix("testimgari.jpg") })
    }

    @Test(arguments: references)
    func decodesToReferencePixels(_ reference: Reference) throws {
        // As stored, before orientation: what the reference decoders produce.
        let options = DecodeOptions(layout: .asStored, applyOrientation: false)
        let decoded = try ImageDecoder.decode(contentsOf: Fixtures.path("images/" + reference.path), options: options)
        #expect(decoded.image.width == reference.width)
        #expect(decoded.image.height == reference.height)
        #expect(decoded.image.channels == reference.channels)
        #expect(decoded.orientation == reference.orientation)
        if reference.digest != "-" {
            #expect(sha256Hex(decoded.image.pixels) == reference.digest)
        }
    }
}
