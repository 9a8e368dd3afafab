import Foundation
import SafeTensors
import Testing
import VisionData
import VisionImage
import VisionTestSupport

/// torchvision references from fixtures/golden (see ../shared/golden/README.md, "Images").
@Suite struct GoldenTransformTests {
    static let cases = ["image_hopper", "image_cifar_cat_0024", "image_cifar_ship_0034"]

    static func load(_ name: String) throws -> (SafeTensors, Image) {
        let file = try SafeTensors.read(contentsOf: Fixtures.path("golden/\(name).safetensors"))
        let decoded = try file.entry("decoded")
        let image = try Image(width: decoded.shape[1], height: decoded.shape[0], channels: 3, pixels: try file.uint8s("decoded"))
        return (file, image)
    }

    static func run(_ transforms: [any Transform], _ image: Image) throws -> PipelineValue {
        var generator = RandomGenerator(seed: 0)
        return try Compose(transforms).apply(.image(image), using: &generator)
    }

    static func maxDifference(_ a: [UInt8], _ b: [UInt8]) -> Int {
        zip(a, b).map { abs(Int($0) - Int($1)) }.max() ?? 0
    }

    static func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    @Test func decoderMatchesPillow() throws {
        // The references start from Pillow's decode; ours should agree exactly (libjpeg-turbo).
        let (_, reference) = try Self.load("image_hopper")
        let ours = try ImageDecoder.decode(contentsOf: Fixtures.path("images/jpeg/pillow/hopper.jpg"), options: DecodeOptions(layout: .rgb))
        #expect(Self.maxDifference(ours.image.pixels, reference.pixels) <= 2)
    }

    @Test(arguments: cases)
    func antialiasedResizeMatchesPillowAndTorch(_ name: String) throws {
        let (file, image) = try Self.load(name)
        guard case .image(let out) = try Self.run([try Resize(side: 64)], image) else { Issue.record("expected an image"); return }
        #expect(out.width == 64 && out.height == 64)
        let pil = Self.maxDifference(out.pixels, try file.uint8s("resize64_bilinear_pil_u8"))
        let torch = Self.maxDifference(out.pixels, try file.uint8s("resize64_bilinear_antialias_u8"))
        #expect(pil == 0, "vs Pillow: max |Δ| = \(pil)")  // the same algorithm, bit for bit
        #expect(torch <= 1, "vs torch antialias: max |Δ| = \(torch)")
    }

    @Test(arguments: cases)
    func plainBilinearResizeMatchesTorch(_ name: String) throws {
        let (file, image) = try Self.load(name)
        guard case .image(let out) = try Self.run([try Resize(.exact(width: 64, height: 64), antialias: false)], image) else {
            Issue.record("expected an image")
            return
        }
        let difference = Self.maxDifference(out.pixels, try file.uint8s("resize64_bilinear_noantialias_u8"))
        #expect(difference <= 1, "max |Δ| = \(difference)")
    }

    @Test(arguments: [true, false])
    func floatResizeMatchesTorch(_ antialias: Bool) throws {
        let (file, image) = try Self.load("image_hopper")
        let out = try Self.run([ToTensor(), try Resize(.exact(width: 64, height: 64), antialias: antialias)], image)
        guard case .tensor(let tensor) = out else { Issue.record("expected a tensor"); return }
        let name = antialias ? "resize64_bilinear_antialias_f32" : "resize64_bilinear_noantialias_f32"
        let difference = Self.maxDifference(tensor.values, try file.floats(name, shape: [3, 64, 64]))
        #expect(difference <= 1e-4, "max |Δ| = \(difference)")
    }

    @Test(arguments: cases)
    func centerCropAndFlipAreExact(_ name: String) throws {
        let (file, image) = try Self.load(name)
        let crop = try Self.run([try CenterCrop(width: image.width - 7, height: image.height - 5)], image)
        guard case .image(let cropped) = crop else { Issue.record("expected an image"); return }
        #expect(cropped.pixels == (try file.uint8s("center_crop_u8")))
        let flip = try Self.run([try RandomHorizontalFlip(p: 1)], image)
        guard case .image(let flipped) = flip else { Issue.record("expected an image"); return }
        #expect(flipped.pixels == (try file.uint8s("hflip_u8")))
    }

    @Test(arguments: cases)
    func toTensorNormalizeMatches(_ name: String) throws {
        let (file, image) = try Self.load(name)
        let normalize = try Normalize(mean: Normalize.imagenetMean, std: Normalize.imagenetStd)
        guard case .tensor(let fused) = try Self.run([ToTensor(), normalize], image) else { Issue.record("expected a tensor"); return }
        let reference = try file.floats("to_tensor_normalize_f32")
        #expect(Self.maxDifference(fused.values, reference) <= 1e-5)
        // The unfused path (Normalize applied on its own) gives the same values.
        var generator = RandomGenerator(seed: 0)
        let separate = try normalize.apply(try ToTensor().apply(.image(image), using: &generator), using: &generator)
        #expect(separate == .tensor(fused))
    }

    @Test(arguments: cases)
    func pipelineMatchesTorchvisionCompose(_ name: String) throws {
        let (file, image) = try Self.load(name)
        let out = try Self.run(
            [
                try Resize(.shorterSide(64, maxSize: nil)), try CenterCrop(side: 56), ToTensor(),
                try Normalize(mean: Normalize.imagenetMean, std: Normalize.imagenetStd),
            ], image)
        guard case .tensor(let tensor) = out else { Issue.record("expected a tensor"); return }
        #expect(tensor.shape == [3, 56, 56])
        let difference = Self.maxDifference(tensor.values, try file.floats("pipeline_resize64_centercrop56_normalize_f32"))
        #expect(difference <= 1e-4, "max |Δ| = \(difference)")
    }

    @Test(arguments: cases)
    func rotationMatchesTheTensorPathInside(_ name: String) throws {
        let (file, image) = try Self.load(name)
        let rotation = try RandomRotation(degrees: 15...15)
        guard case .image(let out) = try rotation.apply(.image(image), with: 15) else { Issue.record("expected an image"); return }
        let reference = try file.uint8s("rotate15_bilinear_tensor_u8")
        // Interior: output pixels whose source footprint lies a pixel inside the image.
        let w = Double(image.width), h = Double(image.height)
        let angle = 15 * Double.pi / 180
        var worst = 0, compared = 0, total = 0
        for y in 0..<image.height {
            for x in 0..<image.width {
                let dx = Double(x) - (w - 1) / 2, dy = Double(y) - (h - 1) / 2
                let sx = cos(angle) * dx - sin(angle) * dy + (w - 1) / 2
                let sy = sin(angle) * dx + cos(angle) * dy + (h - 1) / 2
                total += 1
                guard sx >= 1, sy >= 1, sx <= w - 2, sy <= h - 2 else { continue }
                compared += 1
                for c in 0..<3 {
                    let i = (y * image.width + x) * 3 + c
                    worst = max(worst, abs(Int(out.pixels[i]) - Int(reference[i])))
                }
            }
        }
        #expect(compared > total / 2)
        #expect(worst <= 1, "max |Δ| inside = \(worst)")
    }
}
