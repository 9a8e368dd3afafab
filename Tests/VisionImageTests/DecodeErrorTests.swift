import Foundation
import Testing
import VisionImage
import VisionTestSupport

/// Every damaged file throws the right typed error, and nothing under fixtures/images crashes.
@Suite struct DecodeErrorTests {
    static let corruptPNGSuite = Fixtures.files(in: "images/pngsuite/corrupt", extension: "png")

    @Test func theCorruptSuiteIsComplete() {
        #expect(Self.corruptPNGSuite.count == 14)
    }

    @Test(arguments: corruptPNGSuite)
    func corruptPNGSuiteFilesAreRejected(_ path: String) {
        #expect {
            _ = try ImageDecoder.decode(contentsOf: path)
        } throws: { error in
            guard case .corrupt(let errorPath, .png, let detail) = error as? ImageError else { return false }
            return errorPath == path && !detail.isEmpty
        }
    }

    @Test(arguments: [
        ("images/png/pillow/broken.png", "corrupt"),
        ("images/png/pillow/broken_data_stream.png", "corrupt"),
        ("images/png/pillow/truncated_image.png", "truncated"),
        ("images/png/pillow/truncated_end_chunk.png", "truncated"),
        ("images/jpeg/pillow/truncated_jpeg.jpg", "truncated"),
        ("images/jpeg/pillow/hopper_bad_exif.jpg", "corrupt"),  // garbage entropy data after the bad EXIF
        ("images/jpeg/libjpeg-turbo/jpeg/monkey12.jpg", "unsupported"),
    ])
    func damagedFilesThrowTheirKind(_ relative: String, _ kind: String) {
        #expect {
            _ = try ImageDecoder.decode(contentsOf: Fixtures.path(relative))
        } throws: { error in
            switch (error as? ImageError, kind) {
            case (.corrupt?, "corrupt"), (.truncated?, "truncated"), (.unsupported?, "unsupported"): return true
            default: return false
            }
        }
    }

    @Test func twelveBitJPEGSaysUnsupportedPrecision() {
        #expect {
            _ = try ImageDecoder.decode(contentsOf: Fixtures.path("images/jpeg/libjpeg-turbo/jpeg/monkey12.jpg"))
        } throws: { error in
            "\(error)".contains("unsupported JPEG") && "\(error)".contains("precision 12")
        }
    }

    @Test func truncatedFilesCanBeAcceptedOnRequest() throws {
        let options = DecodeOptions(allowTruncated: true)
        for relative in ["images/png/pillow/truncated_image.png", "images/jpeg/pillow/truncated_jpeg.jpg"] {
            let decoded = try ImageDecoder.decode(contentsOf: Fixtures.path(relative), options: options)
            #expect(decoded.isTruncated, "\(relative)")
            #expect(decoded.image.width > 0 && decoded.image.height > 0)
        }
        // Corrupt stays an error even then.
        #expect(throws: ImageError.self) {
            _ = try ImageDecoder.decode(contentsOf: Fixtures.path("images/png/pillow/broken_data_stream.png"), options: options)
        }
    }

    @Test func decompressionBombTextChunkIsHarmless() throws {
        // A tiny image with a huge compressed text chunk: libpng's chunk limit skips the text.
        let decoded = try ImageDecoder.decode(contentsOf: Fixtures.path("images/png/pillow/png_decompression_dos.png"))
        #expect(decoded.image.width == 1 && decoded.image.height == 1)
    }

    @Test func noFileUnderFixturesCrashes() {
        var decoded = 0
        var failed = 0
        for path in Fixtures.allFiles(under: "images") {
            do {
                _ = try ImageDecoder.decode(contentsOf: path, options: DecodeOptions(layout: .rgb))
                decoded += 1
            } catch {
                failed += 1
                #expect(!"\(error)".isEmpty)
            }
        }
        #expect(decoded >= 161 + 20)
        #expect(failed >= 14 + 7)
    }

    @Test func hugeDeclaredSizeFailsFromTheHeaderAlone() throws {
        let bytes = SyntheticPNG.header(width: 100_000, height: 100_000)
        let before = ResidentMemory.peakKilobytes()
        #expect {
            _ = try ImageDecoder.decode(bytes, source: "huge.png")
        } throws: { error in
            guard case .tooLarge("huge.png", 100_000, 100_000, DecodeLimits.defaultPixels) = error as? ImageError
            else { return false }
            return true
        }
        #expect(ResidentMemory.peakKilobytes() - before < 64 * 1024)
    }

    @Test func pixelLimitIsConfigurable() throws {
        let path = Fixtures.path("images/jpeg/pillow/hopper.jpg")  // 128 × 128
        #expect(throws: ImageError.tooLarge(path: path, width: 128, height: 128, limit: 16_000)) {
            _ = try ImageDecoder.decode(contentsOf: path, options: DecodeOptions(limits: DecodeLimits(pixels: 16_000)))
        }
        _ = try ImageDecoder.decode(contentsOf: path, options: DecodeOptions(limits: DecodeLimits(pixels: 16_384)))
    }

    @Test func fileProblemsAreNamed() throws {
        let folder = try Fixtures.temporaryDirectory()
        let missing = folder + "/missing.png"
        #expect(throws: ImageError.fileNotFound(path: missing)) { _ = try ImageDecoder.decode(contentsOf: missing) }
        #expect(throws: ImageError.isDirectory(path: folder)) { _ = try ImageDecoder.decode(contentsOf: folder) }
        let empty = folder + "/empty.jpg"
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        #expect(throws: ImageError.emptyFile(path: empty)) { _ = try ImageDecoder.decode(contentsOf: empty) }
        let text = folder + "/page.png"
        _ = FileManager.default.createFile(atPath: text, contents: Data("<html>hello</html>".utf8))
        #expect {
            _ = try ImageDecoder.decode(contentsOf: text)
        } throws: { error in
            "\(error)" == "\(text): unknown format, expected PNG or JPEG; the file starts with 3c 68 74 6d 6c 3e 68 65 (\"<html>he\")"
        }
    }

    @Test func formatComesFromContentNotExtension() throws {
        let folder = try Fixtures.temporaryDirectory()
        let disguised = folder + "/actually-a-jpeg.png"
        try FileManager.default.copyItem(atPath: Fixtures.path("images/jpeg/pillow/hopper.jpg"), toPath: disguised)
        #expect(try ImageDecoder.decode(contentsOf: disguised).format == .jpeg)
    }
}

/// A PNG that declares any size: signature, IHDR, a token IDAT and IEND, with correct CRCs.
enum SyntheticPNG {
    static func header(width: UInt32, height: UInt32) -> [UInt8] {
        var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        bytes += chunk("IHDR", bigEndian(width) + bigEndian(height) + [8, 2, 0, 0, 0])  // 8-bit RGB
        bytes += chunk("IDAT", [0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01])
        bytes += chunk("IEND", [])
        return bytes
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}

enum ResidentMemory {
    /// The process's peak resident set size so far.
    static func peakKilobytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss
    }
}
