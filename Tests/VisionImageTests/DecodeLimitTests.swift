import Foundation
import Testing
import VisionImage
import VisionTestSupport

/// Budgets, not just limits: files that would take minutes or gigabytes are refused early.
@Suite struct DecodeLimitTests {
    /// A progressive JPEG whose last scan is repeated `copies` times before EOI (each copy is a
    /// bogus progression libjpeg would decode, slowly, one by one).
    static func manyScans(_ copies: Int) throws -> [UInt8] {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path("images/jpeg/generated/progressive.jpg"))))
        var lastScan = 0
        for index in 0..<(bytes.count - 1) where bytes[index] == 0xFF && bytes[index + 1] == 0xDA { lastScan = index }
        let end = bytes.count - 2  // EOI
        #expect(bytes[end] == 0xFF && bytes[end + 1] == 0xD9 && lastScan > 0)
        let scan = Array(bytes[lastScan..<end])
        var out = Array(bytes[..<end])
        for _ in 0..<copies { out += scan }
        return out + [0xFF, 0xD9]
    }

    @Test func aJPEGWithThousandsOfScansStopsAtTheScanLimit() throws {
        let started = Date()
        #expect { _ = try ImageDecoder.decode(try Self.manyScans(3000)) } throws: { error in
            "\(error)".contains("refused: more than 200 progressive scans")
        }
        #expect(Date().timeIntervalSince(started) < 10)
        // A lower limit is honoured too; the original file decodes under the default.
        #expect(throws: ImageError.self) { _ = try ImageDecoder.decode(try Self.manyScans(20), options: DecodeOptions(limits: DecodeLimits(scans: 10))) }
        let plain = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("images/jpeg/generated/progressive.jpg")))
        #expect(try ImageDecoder.decode([UInt8](plain)).image.width == 128)
    }

    /// A file larger than the per-image budget is refused from its size, before it is read.
    @Test func aFileOverTheByteBudgetIsNotRead() throws {
        let path = Fixtures.path("images/jpeg/generated/progressive.jpg")
        #expect { _ = try ImageDecoder.decode(contentsOf: path, options: DecodeOptions(limits: DecodeLimits(imageBytes: 1024))) } throws: { error in
            "\(error)".contains("over the limit of 0 MiB per image (raise --max-image-bytes")
        }
        #expect(try ImageDecoder.decode(contentsOf: path).image.width == 128)
        #expect(DecodeLimits(seconds: .nan).problem?.hasPrefix("--max-decode-seconds") == true)
        #expect(DecodeLimits(pixels: 0).problem?.hasPrefix("--max-pixels") == true)
        #expect(DecodeLimits.standard.problem == nil)
    }

    @Test func libjpegsWorkingMemoryIsBudgeted() throws {
        let plain = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path("images/jpeg/generated/progressive.jpg"))))
        // The progressive file's coefficient buffers (128×128, 3 components) need more than 64 KiB.
        #expect { _ = try ImageDecoder.decode(plain, options: DecodeOptions(limits: DecodeLimits(imageBytes: 64 << 10))) } throws: { error in
            "\(error)".contains("refused:")
        }
    }

    /// 69 bytes declaring a 16-bit gray 178,956,970 × 1 image: under the pixel limit, but 2 GB to decode.
    @Test func aTinyPNGDeclaringGigabytesIsRefusedFromItsHeader() throws {
        // Chunks (length, type, data, CRC) from SyntheticPNG in DecodeErrorTests.swift.
        let header = SyntheticPNG.bigEndian(178_956_970) + SyntheticPNG.bigEndian(1) + [16, 0, 0, 0, 0]
        let png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + SyntheticPNG.chunk("IHDR", header)
            + SyntheticPNG.chunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]) + SyntheticPNG.chunk("IEND", [])
        #expect { _ = try ImageDecoder.decode(png) } throws: { error in
            "\(error)".contains("refused: a 178956970×1 image needs about") && "\(error)".contains("over the limit of 512 MiB")
        }
    }
}
