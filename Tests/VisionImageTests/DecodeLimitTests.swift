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

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
        return be(UInt32(data.count)) + body + be(crc32(body))
    }

    /// 69 bytes declaring a 16-bit gray 178,956,970 × 1 image: under the pixel limit, but 2 GB to decode.
    @Test func aTinyPNGDeclaringGigabytesIsRefusedFromItsHeader() throws {
        func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
        let header = be(178_956_970) + be(1) + [16, 0, 0, 0, 0]
        let png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Self.chunk("IHDR", header)
            + Self.chunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]) + Self.chunk("IEND", [])
        #expect { _ = try ImageDecoder.decode(png) } throws: { error in
            "\(error)".contains("refused: a 178956970×1 image needs about") && "\(error)".contains("over the limit of 512 MiB")
        }
    }
}
