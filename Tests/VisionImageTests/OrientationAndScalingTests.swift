import Testing
import VisionImage
import VisionTestSupport

@Suite struct OrientationTests {
    static func meanAbsoluteDifference(_ a: Image, _ b: Image) -> Double {
        zip(a.pixels, b.pixels).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) } / Double(a.pixels.count)
    }

    @Test(arguments: 2...8)
    func orientedHopperMatchesTheUprightOne(_ orientation: Int) throws {
        let upright = try ImageDecoder.decode(contentsOf: Fixtures.path("images/jpeg/pillow/hopper.jpg")).image
        let path = Fixtures.path("images/jpeg/pillow/hopper_orientation_\(orientation).jpg")
        let decoded = try ImageDecoder.decode(contentsOf: path)
        #expect(decoded.orientation == orientation)
        #expect(decoded.image.width == upright.width && decoded.image.height == upright.height)
        // Re-encoding in another orientation changes the JPEG noise (a mean of about 5 levels),
        // not the picture; a wrong mirror or rotation differs by tens of levels.
        let difference = Self.meanAbsoluteDifference(decoded.image, upright)
        #expect(difference < 6, "mean |Δ| = \(difference)")
        let stored = try ImageDecoder.decode(contentsOf: path, options: DecodeOptions(applyOrientation: false)).image
        for other in 1...8 where other != orientation {
            let wrong = Self.meanAbsoluteDifference(stored.applyingOrientation(other), upright)
            #expect(wrong > 3 * difference, "orientation \(other) instead of \(orientation): mean |Δ| = \(wrong)")
        }
    }

    @Test func rectangleWithOrientation8ComesOutTall() throws {
        let decoded = try ImageDecoder.decode(contentsOf: Fixtures.path("images/jpeg/pillow/orientation_rectangle.jpg"))
        #expect(decoded.storedWidth == 2 && decoded.storedHeight == 1)
        #expect(decoded.image.width == 1 && decoded.image.height == 2)
    }

    @Test func orientationTransformsAreExact() throws {
        // 3 × 2 image, samples 0...5 row-major.
        let image = try Image(width: 3, height: 2, channels: 1, pixels: [0, 1, 2, 3, 4, 5])
        let expected: [Int: (Int, Int, [UInt8])] = [
            2: (3, 2, [2, 1, 0, 5, 4, 3]),
            3: (3, 2, [5, 4, 3, 2, 1, 0]),
            4: (3, 2, [3, 4, 5, 0, 1, 2]),
            5: (2, 3, [0, 3, 1, 4, 2, 5]),
            6: (2, 3, [3, 0, 4, 1, 5, 2]),
            7: (2, 3, [5, 2, 4, 1, 3, 0]),
            8: (2, 3, [2, 5, 1, 4, 0, 3]),
        ]
        for (orientation, (width, height, pixels)) in expected {
            let turned = image.applyingOrientation(orientation)
            #expect(turned.width == width && turned.height == height, "orientation \(orientation)")
            #expect(turned.pixels == pixels, "orientation \(orientation)")
        }
    }
}

@Suite struct ReducedSizeDecodeTests {
    @Test(arguments: [(64, 64), (40, 40), (16, 16), (17, 17), (129, 129), (1, 1), (100, 20)])
    func jpegScalesToTheSmallestSizeNotBelowTheRequest(_ width: Int, _ height: Int) throws {
        let path = Fixtures.path("images/jpeg/pillow/hopper.jpg")  // 128 × 128
        let decoded = try ImageDecoder.decode(contentsOf: path, options: DecodeOptions(sizeHint: (width, height)))
        let expectedSide = [16, 32, 64, 128].first { $0 >= max(width, height) } ?? 128
        #expect(decoded.image.width == expectedSide && decoded.image.height == expectedSide)
        #expect(decoded.storedWidth == 128)
    }

    @Test func scaledDecodeLooksLikeTheFullImageShrunk() throws {
        let path = Fixtures.path("images/jpeg/pillow/hopper.jpg")
        let full = try ImageDecoder.decode(contentsOf: path).image
        let half = try ImageDecoder.decode(contentsOf: path, options: DecodeOptions(sizeHint: (64, 64))).image
        var total = 0.0
        for y in 0..<64 {
            for x in 0..<64 {
                for c in 0..<3 {
                    let box = (Int(full[2 * y, 2 * x, c]) + Int(full[2 * y, 2 * x + 1, c]) + Int(full[2 * y + 1, 2 * x, c])
                        + Int(full[2 * y + 1, 2 * x + 1, c])) / 4
                    total += abs(Double(box) - Double(half[y, x, c]))
                }
            }
        }
        #expect(total / Double(64 * 64 * 3) < 3)
    }

    @Test func sizeHintAppliesToTheUprightImage() throws {
        // 2 × 1 stored, orientation 8: upright 1 × 2. A hint can never make it smaller than 1×1.
        let decoded = try ImageDecoder.decode(
            contentsOf: Fixtures.path("images/jpeg/pillow/orientation_rectangle.jpg"),
            options: DecodeOptions(sizeHint: (1, 2)))
        #expect(decoded.image.width == 1 && decoded.image.height == 2)
    }

    @Test func pngIgnoresTheHint() throws {
        let decoded = try ImageDecoder.decode(
            contentsOf: Fixtures.path("images/png/pillow/hopper.png"), options: DecodeOptions(sizeHint: (16, 16)))
        #expect(decoded.image.width == 128)
    }
}

@Suite struct ChannelLayoutTests {
    @Test func layoutsGiveTheAskedChannelCount() throws {
        let files = [
            "images/pngsuite/valid/basn0g08.png", "images/pngsuite/valid/basn4a08.png",
            "images/pngsuite/valid/basn2c08.png", "images/pngsuite/valid/basn6a08.png",
            "images/pngsuite/valid/tbbn3p08.png", "images/jpeg/pillow/hopper_gray.jpg",
            "images/jpeg/pillow/hopper.jpg", "images/jpeg/pillow/pil_sample_cmyk.jpg",
        ]
        for file in files {
            for (layout, channels) in [(ChannelLayout.gray, 1), (.rgb, 3), (.rgba, 4)] {
                let image = try ImageDecoder.decode(contentsOf: Fixtures.path(file), options: DecodeOptions(layout: layout)).image
                #expect(image.channels == channels, "\(file) as \(layout)")
            }
        }
    }

    @Test func conversionsFollowPillow() throws {
        let rgba = try Image(width: 2, height: 1, channels: 4, pixels: [255, 0, 0, 10, 10, 200, 30, 255])
        #expect(rgba.converted(to: .rgb).pixels == [255, 0, 0, 10, 200, 30])
        // Pillow: L = (R·19595 + G·38470 + B·7471 + 0x8000) >> 16.
        #expect(rgba.converted(to: .gray).pixels == [76, 124])
        let grayAlpha = try Image(width: 1, height: 1, channels: 2, pixels: [7, 99])
        #expect(grayAlpha.converted(to: .rgba).pixels == [7, 7, 7, 99])
        #expect(grayAlpha.converted(to: .rgb).pixels == [7, 7, 7])
        let gray = try Image(width: 1, height: 1, channels: 1, pixels: [42])
        #expect(gray.converted(to: .rgba).pixels == [42, 42, 42, 255])
    }
    // CMYK → RGB is checked pixel for pixel in ReferencePixelTests (pil_sample_cmyk.jpg).
}

@Suite struct PNGEncoderTests {
    @Test(arguments: 1...4)
    func roundTrips(_ channels: Int) throws {
        let width = 13, height = 7
        let pixels = (0..<(width * height * channels)).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let image = try Image(width: width, height: height, channels: channels, pixels: pixels)
        let bytes = try PNGEncoder.encode(image)
        let decoded = try ImageDecoder.decode(bytes)
        #expect(decoded.format == .png)
        #expect(decoded.image == image)
    }

    @Test func writesAtomically() throws {
        let folder = try Fixtures.temporaryDirectory()
        let image = try Image(width: 2, height: 2, channels: 3)
        try PNGEncoder.write(image, to: folder + "/black.png")
        #expect(try ImageDecoder.decode(contentsOf: folder + "/black.png").image == image)
        #expect(throws: ImageError.self) { try PNGEncoder.write(image, to: folder + "/no/such/folder/x.png") }
    }
}
