import Testing
import VisionData
import VisionImage

@Suite struct TransformTests {
    static func sample() throws -> Image { try TestTrees.image(seed: 42, width: 40, height: 30) }

    static func apply(_ t: any Transform, _ input: PipelineValue, seed: UInt64 = 1) throws -> PipelineValue {
        var generator = RandomGenerator(seed: seed)
        return try t.apply(input, using: &generator)
    }

    static func image(_ value: PipelineValue) -> Image? {
        if case .image(let image) = value { return image }
        return nil
    }

    static func tensor(_ value: PipelineValue) -> FloatImage? {
        if case .tensor(let tensor) = value { return tensor }
        return nil
    }

    /// Every transform: same seed → same output; output shape as documented.
    @Test func everyRandomTransformIsDeterministicAndShaped() throws {
        let input = PipelineValue.image(try Self.sample())
        let cases: [(any Transform, [Int])] = [  // expected [H, W, C] of the output
            (try RandomResizedCrop(width: 16, height: 12), [12, 16, 3]),
            (try RandomCrop(width: 32, height: 32, padding: 4), [32, 32, 3]),
            (try RandomCrop(width: 50, height: 50, padIfNeeded: true), [50, 50, 3]),
            (try RandomHorizontalFlip(), [30, 40, 3]),
            (try RandomVerticalFlip(), [30, 40, 3]),
            (try RandomRotation(degrees: 30, fill: [128]), [30, 40, 3]),
            (RandomRotation90(), [-1, -1, 3]),
            (try ColorJitter(brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1), [30, 40, 3]),
            (try RandomGrayscale(p: 0.5), [30, 40, 3]),
            (try Grayscale(outputChannels: 1), [30, 40, 1]),
            (try Resize(.letterbox(width: 20, height: 20, fill: 0)), [20, 20, 3]),
            (try Resize(.shorterSide(15, maxSize: nil)), [15, 20, 3]),
            (try RandomApply([try RandomRotation(degrees: 10)], p: 0.5), [30, 40, 3]),
            (try RandomChoice([try RandomHorizontalFlip(p: 1), try RandomVerticalFlip(p: 1)]), [30, 40, 3]),
        ]
        for (transform, shape) in cases {
            for seed: UInt64 in 0..<6 {
                let a = try Self.apply(transform, input, seed: seed), b = try Self.apply(transform, input, seed: seed)
                #expect(a == b, "\(transform) is not deterministic")
                guard let out = Self.image(a) else { Issue.record("\(transform): expected an image"); continue }
                if shape[0] > 0 { #expect([out.height, out.width, out.channels] == shape, "\(transform)") }
                else { #expect(Set([out.height, out.width]) == [30, 40]) }
            }
            #expect(!transform.description.isEmpty)
        }
    }

    @Test func randomTransformsVaryWithTheSeed() throws {
        let input = PipelineValue.image(try Self.sample())
        let crop = try RandomResizedCrop(width: 16, height: 16)
        let outputs = Set((0..<10).map { seed in (try? Self.apply(crop, input, seed: UInt64(seed))).flatMap(Self.image)?.pixels ?? [] })
        #expect(outputs.count > 5)
    }

    @Test func parametersAreDrawnThenApplied() throws {
        let crop = try RandomResizedCrop(width: 8, height: 8, scale: 0.2...0.5)
        var generator = RandomGenerator(seed: 9)
        for _ in 0..<100 {
            let p = crop.parameters(width: 40, height: 30, using: &generator)
            #expect(p.x >= 0 && p.y >= 0 && p.x + p.width <= 40 && p.y + p.height <= 30)
            let area = Double(p.width * p.height) / 1200
            #expect(area >= 0.15 && area <= 0.6)
        }
        // Applying fixed parameters is pure.
        let image = try Self.sample()
        let fixed = RandomResizedCrop.Parameters(x: 0, y: 0, width: 40, height: 30)
        let out = try crop.apply(.image(image), with: fixed)
        #expect(out == (try Resize(.exact(width: 8, height: 8)).apply(.image(image), using: &generator)))
    }

    @Test func flipsAndQuarterTurnsAreExact() throws {
        let image = try Image(width: 3, height: 2, channels: 1, pixels: [0, 1, 2, 3, 4, 5])
        #expect(Self.image(try RandomHorizontalFlip(p: 1).apply(.image(image), with: true))?.pixels == [2, 1, 0, 5, 4, 3])
        #expect(Self.image(try RandomVerticalFlip(p: 1).apply(.image(image), with: true))?.pixels == [3, 4, 5, 0, 1, 2])
        let quarter = Self.image(try RandomRotation90().apply(.image(image), with: 1))
        #expect(quarter?.width == 2 && quarter?.height == 3)
        #expect(quarter?.pixels == [2, 5, 1, 4, 0, 3])  // torch.rot90(k=1): counter-clockwise
        let full = Self.image(try RandomRotation90().apply(.image(image), with: 2))
        #expect(full?.pixels == [5, 4, 3, 2, 1, 0])
        // A float tensor flips the same way.
        var generator = RandomGenerator(seed: 0)
        let tensor = Self.tensor(try ToTensor().apply(.image(image), using: &generator))
        let flipped = Self.tensor(try RandomHorizontalFlip(p: 1).apply(.tensor(tensor!), with: true))
        #expect(flipped?.values.map { Int(($0 * 255).rounded()) } == [2, 1, 0, 5, 4, 3])
    }

    @Test func rotationByZeroIsIdentityAndFillFillsCorners() throws {
        let image = try Self.sample()
        let rotation = try RandomRotation(degrees: 45, fill: [200])
        #expect(Self.image(try rotation.apply(.image(image), with: 0)) == image)
        let turned = Self.image(try rotation.apply(.image(image), with: 45))
        #expect(turned?[0, 0, 0] == 200 && turned?[29, 39, 2] == 200)
    }

    @Test func colourTransformsKeepRangesAndIdentities() throws {
        let image = try Self.sample()
        let jitter = try ColorJitter(brightness: 0.5, contrast: 0.5, saturation: 0.5, hue: 0.2)
        let identity = ColorJitter.Parameters(order: [0, 1, 2, 3], brightness: 1, contrast: 1, saturation: 1, hue: 0)
        let same = Self.image(try jitter.apply(.image(image), with: identity))!
        #expect(zip(same.pixels, image.pixels).allSatisfy { abs(Int($0) - Int($1)) <= 1 })
        let dark = ColorJitter.Parameters(order: [0], brightness: 0, contrast: nil, saturation: nil, hue: nil)
        #expect(Self.image(try jitter.apply(.image(image), with: dark))!.pixels.allSatisfy { $0 == 0 })
        let gray = Self.image(try Self.apply(Grayscale(outputChannels: 3), .image(image)))!
        for i in 0..<(gray.width * gray.height) {
            #expect(gray.pixels[i * 3] == gray.pixels[i * 3 + 1] && gray.pixels[i * 3] == gray.pixels[i * 3 + 2])
        }
        // Hue shifts by a full turn come back (±1 for float rounding).
        let hueTurn = ColorJitter.Parameters(order: [3], brightness: nil, contrast: nil, saturation: nil, hue: 0.5)
        let once = Self.image(try jitter.apply(.image(image), with: hueTurn))!
        let twice = Self.image(try jitter.apply(.image(once), with: hueTurn))!
        #expect(zip(twice.pixels, image.pixels).map { abs(Int($0) - Int($1)) }.max()! <= 2)
    }

    @Test func tensorTransforms() throws {
        let image = try Self.sample()
        let tensor = Self.tensor(try Self.apply(ToTensor(), .image(image)))!
        #expect(tensor.shape == [3, 30, 40])
        #expect(tensor.values.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(tensor[1, 2, 3] == Float(image[2, 3, 1]) / 255)

        let noisy = Self.tensor(try Self.apply(try GaussianNoise(sigma: 0.2), .tensor(tensor)))!
        #expect(noisy.values.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(noisy != tensor)
        #expect(noisy == Self.tensor(try Self.apply(try GaussianNoise(sigma: 0.2), .tensor(tensor))))

        let erasing = try RandomErasing(p: 1, value: -7)
        let erased = Self.tensor(try Self.apply(erasing, .tensor(tensor)))!
        let changed = zip(erased.values, tensor.values).filter { $0 != $1 }.count
        #expect(changed > 0 && erased.values.filter { $0 == -7 }.count >= changed)
        let never = Self.tensor(try Self.apply(try RandomErasing(p: 0), .tensor(tensor)))
        #expect(never == tensor)

        let normalized = Self.tensor(try Self.apply(try Normalize(mean: [0.5], std: [0.25]), .tensor(tensor)))!
        #expect(normalized.values.allSatisfy { $0 >= -2 && $0 <= 2 })
    }

    @Test func pipelinesAreCheckedWhenBuilt() throws {
        #expect(throws: TransformError.self) { try Compose([ToTensor(), try ColorJitter(brightness: 0.1)]) }
        #expect(throws: TransformError.self) { try Compose([try Normalize(mean: [0], std: [1])]) }
        #expect(throws: TransformError.self) { try Resize(side: 0) }
        #expect(throws: TransformError.self) { try RandomHorizontalFlip(p: 2) }
        #expect(throws: TransformError.self) { try Normalize(mean: [0, 0], std: [1]) }
        #expect(throws: TransformError.self) { try Normalize(mean: [0], std: [0]) }
        let mismatch = try Normalize(mean: [0, 0], std: [1, 1])
        #expect(throws: TransformError.self) { try Self.apply(mismatch, .tensor(try FloatImage(channels: 3, height: 1, width: 1, values: [0, 0, 0]))) }
    }

    @Test func pipelineDescriptionIsReadable() throws {
        let pipeline = try Compose([
            try RandomResizedCrop(width: 32, height: 32), try RandomHorizontalFlip(), ToTensor(),
            try Normalize(mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25]),
        ])
        #expect(pipeline.description == """
            Compose(
                RandomResizedCrop(size=(32, 32), scale=(0.08, 1), ratio=(0.75, 1.333333), antialias=true)
                RandomHorizontalFlip(p=0.5)
                ToTensor()
                Normalize(mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25))
            )
            """)
    }

    @Test func decodeHintComesFromAShrinkingFirstStep() throws {
        #expect(try Compose([try Resize(side: 64), ToTensor()]).decodeSizeHint! == (64, 64))
        #expect(try Compose([try RandomResizedCrop(width: 64, height: 64)]).decodeSizeHint == nil)
    }

    @Test func generatorStreamsAreIndependentAndStable() {
        var a = RandomGenerator(seed: 1, stream: 0, 5), b = RandomGenerator(seed: 1, stream: 0, 5)
        var c = RandomGenerator(seed: 1, stream: 5, 0)
        let x = (0..<4).map { _ in a.next() }
        #expect(x == (0..<4).map { _ in b.next() })
        #expect(x != (0..<4).map { _ in c.next() })
        // Pinned values from an independent implementation of the published algorithms (Vigna's
        // xoshiro256** seeded by SplitMix64, Lemire's bounded integers; written in Python from the
        // papers): the generator must not change between releases, or seeds stop reproducing runs.
        var pinned = RandomGenerator(seed: 0)
        #expect((0..<4).map { _ in pinned.next() } == [0x99EC_5F36_CB75_F2B4, 0xBF6E_1F78_4956_452A, 0x1A5F_849D_4933_E6E0, 0x6AA5_94F1_262D_2D2C])
        var stream = RandomGenerator(seed: 1, stream: 0, 5)
        #expect([stream.next(), stream.next()] == [0x652F_2AA4_91DB_0CFB, 0x56F7_AA27_362B_30FA])
        var uniform = RandomGenerator(seed: 42)
        #expect([uniform.uniform(), uniform.uniform()] == [0.08386297105988216, 0.3789802506626686])
        var bounded = RandomGenerator(seed: 3)
        #expect((0..<8).map { _ in bounded.int(below: 7) } == [4, 4, 1, 3, 2, 2, 1, 5])
        var g = RandomGenerator(seed: 3)
        for _ in 0..<1000 {
            let i = g.int(below: 7)
            #expect(i >= 0 && i < 7)
            let u = g.uniform()
            #expect(u >= 0 && u < 1)
        }
    }
}

