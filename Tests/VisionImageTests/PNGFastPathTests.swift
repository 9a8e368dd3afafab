import CCodecs
import Foundation
import Testing
import VisionImage
import VisionTestSupport

/// Common PNGs decode through libdeflate and vision's own unfiltering; everything else, and
/// anything damaged, through libpng. The reference-pixel suite checks the pixels of both
/// paths; these tests check which files take which path, and that a damaged file on the fast
/// path still fails the way libpng says.
@Suite struct PNGFastPathTests {
    func takesFastPath(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { vc_png_takes_fast_path($0.baseAddress, $0.count) == 1 }
    }

    func suite(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("images/pngsuite/valid/" + name))))
    }

    @Test func commonFilesTakeTheFastPathAndTheRestLibpng() throws {
        // 8-bit gray, RGB, palette, gray+alpha, RGBA; all five filter types; palette with tRNS.
        for name in ["basn0g08.png", "basn2c08.png", "basn3p08.png", "basn4a08.png", "basn6a08.png",
                     "f00n2c08.png", "f01n2c08.png", "f02n2c08.png", "f03n2c08.png", "f04n2c08.png", "tbbn3p08.png"] {
            #expect(takesFastPath(try suite(name)), "\(name)")
        }
        // 16-bit, interlaced, 1-bit, RGB with a tRNS colour key.
        for name in ["basn0g16.png", "basi2c08.png", "basn0g01.png", "tbrn2c08.png"] {
            #expect(!takesFastPath(try suite(name)), "\(name)")
        }
    }

    /// libpng's encoder picks a filter per row (all five types on smooth and noisy content) and
    /// splits large streams over several IDAT chunks: the fast path must give back every pixel.
    @Test(arguments: 1...4)
    func encodedImagesRoundTripThroughTheFastPath(_ channels: Int) throws {
        var state: UInt32 = 12345
        for (width, height) in [(1, 1), (3, 7), (64, 33), (301, 5), (17, 260), (200, 200)] {
            var pixels = [UInt8](repeating: 0, count: width * height * channels)
            for y in 0..<height {
                for x in 0..<width {
                    for c in 0..<channels {
                        state = state &* 1_664_525 &+ 1_013_904_223
                        // Gradients with a little noise, and a noisy band: rows choose different filters.
                        let noise = y % 11 < 3 ? Int(state >> 24) : Int(state >> 29)
                        pixels[(y * width + x) * channels + c] = UInt8(truncatingIfNeeded: x * (c + 1) + y * 3 + noise)
                    }
                }
            }
            let image = try Image(width: width, height: height, channels: channels, pixels: pixels)
            for level in [0, 1, 6, 9] {
                let bytes = try PNGEncoder.encode(image, compressionLevel: level)
                #expect(takesFastPath(bytes), "\(width)×\(height)×\(channels) level \(level)")
                #expect(try ImageDecoder.decode(bytes).image == image, "\(width)×\(height)×\(channels) level \(level)")
            }
        }
    }

    @Test func aBadFilterByteOnTheFastPathIsCorrupt() throws {
        var pixels = [UInt8](repeating: 0, count: 40 * 30 * 3)
        for i in pixels.indices { pixels[i] = UInt8(truncatingIfNeeded: i * 7 + i / 120) }
        let image = try Image(width: 40, height: 30, channels: 3, pixels: pixels)
        // Level 0 stores the rows uncompressed, so the first row's filter byte can be reached.
        var bytes = try PNGEncoder.encode(image, compressionLevel: 0)
        #expect(takesFastPath(bytes))
        #expect(try ImageDecoder.decode(bytes).image.pixels == pixels)

        var offset = 8
        while offset + 12 <= bytes.count {
            let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            if bytes[(offset + 4)..<(offset + 8)].elementsEqual("IDAT".utf8) {
                // zlib header (2), stored-block header (1 + 4), then row 0's filter byte.
                bytes[offset + 8 + 7] = 9
                let crc = crc32(bytes[(offset + 4)..<(offset + 8 + length)])
                for k in 0..<4 { bytes[offset + 8 + length + k] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * k)) }
                break
            }
            offset += length + 12
        }
        #expect(takesFastPath(bytes))  // the chunks are still sound: the fast path starts, then hands over
        #expect {
            try ImageDecoder.decode(bytes, source: "bad-filter.png")
        } throws: { error in
            guard case ImageError.corrupt(let path, _, _) = error else { return false }
            return path == "bad-filter.png"
        }
    }

    /// Chunks libpng ignores or refuses stay libpng's: a late or repeated tRNS (ignored), a
    /// second PLTE (refused), a chunk type that is not four letters (refused).
    @Test func chunksLibpngTreatsSpeciallyGoToLibpng() throws {
        let original = try suite("basn3p08.png")  // palette, no tRNS
        #expect(takesFastPath(original))
        let chunks = splitChunks(original)
        func rebuild(_ list: [(String, [UInt8])]) -> [UInt8] {
            Array(original.prefix(8)) + list.flatMap { chunk($0.0, $0.1) }
        }
        guard let idat = chunks.firstIndex(where: { $0.0 == "IDAT" }), let plte = chunks.firstIndex(where: { $0.0 == "PLTE" }) else {
            Issue.record("basn3p08.png has no PLTE or IDAT")
            return
        }
        var late = chunks
        late.insert(("tRNS", [0, 128]), at: idat + 1)
        #expect(!takesFastPath(rebuild(late)))
        #expect(try ImageDecoder.decode(rebuild(late), options: DecodeOptions(layout: .asStored)).image.channels == 3)

        var twice = chunks
        twice.insert(("tRNS", [0]), at: idat)
        twice.insert(("tRNS", [0, 128]), at: idat)
        #expect(!takesFastPath(rebuild(twice)))

        var empty = chunks
        empty.insert(("tRNS", []), at: idat)
        #expect(!takesFastPath(rebuild(empty)))

        var secondPalette = chunks
        secondPalette.insert(chunks[plte], at: plte + 1)
        #expect(!takesFastPath(rebuild(secondPalette)))
        #expect(throws: ImageError.self) { try ImageDecoder.decode(rebuild(secondPalette)) }

        var oddName = chunks
        oddName.insert(("a1b2", [1, 2, 3]), at: idat)
        #expect(!takesFastPath(rebuild(oddName)))
        #expect(throws: ImageError.self) { try ImageDecoder.decode(rebuild(oddName)) }

        var ancillary = chunks
        ancillary.insert(("tEXt", Array("Comment\u{0}fine".utf8)), at: idat)
        #expect(takesFastPath(rebuild(ancillary)))
        #expect(try ImageDecoder.decode(rebuild(ancillary)).image == ImageDecoder.decode(original).image)
    }

    func splitChunks(_ bytes: [UInt8]) -> [(String, [UInt8])] {
        var chunks: [(String, [UInt8])] = []
        var offset = 8
        while offset + 12 <= bytes.count {
            let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            let type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
            chunks.append((type, Array(bytes[(offset + 8)..<(offset + 8 + length)])))
            offset += length + 12
        }
        return chunks
    }

    func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + body
        let crc = crc32(typed[...])
        let length = UInt32(body.count)
        return (0..<4).map { UInt8(truncatingIfNeeded: length >> (24 - 8 * $0)) } + typed
            + (0..<4).map { UInt8(truncatingIfNeeded: crc >> (24 - 8 * $0)) }
    }

    func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
