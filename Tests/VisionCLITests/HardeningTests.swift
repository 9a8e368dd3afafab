import Foundation
import SafeTensors
import Testing
import VisionTestSupport

/// Hostile inputs: each ends by itself with one line, no signal, no lost user file.
@Suite struct HardeningTests {
    static let digits = Fixtures.path("datasets/digits")

    @Test func aRunNeverReplacesTheUsersFiles() throws {
        let folder = try Fixtures.temporaryDirectory()
        try "my own notes\n".write(toFile: folder + "/config.yaml", atomically: true, encoding: .utf8)
        let train = try CLI.run(["train", Self.digits, "--image-size", "8", "--epochs", "1", "--output", folder])
        #expect(train.status != 0)
        #expect(train.standardError.contains("is not empty (config.yaml) and holds no vision run"), "\(train.standardError)")
        #expect(try String(contentsOfFile: folder + "/config.yaml", encoding: .utf8) == "my own notes\n")
        // decode --save-to: not over a source, not over an existing file without --overwrite.
        let images = try Fixtures.temporaryDirectory()
        try FileManager.default.copyItem(atPath: Fixtures.path("images/pngsuite/valid/basn0g16.png"), toPath: images + "/basn0g16.png")
        let source = try Data(contentsOf: URL(fileURLWithPath: images + "/basn0g16.png"))
        let over = try CLI.run(["decode", images + "/basn0g16.png", "--save-to", images])
        #expect(over.status != 0)
        #expect(over.standardOutput.contains("is one of the images being decoded") || over.standardError.contains("is one of the images being decoded"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: images + "/basn0g16.png")) == source)
        let out = try Fixtures.temporaryDirectory()
        try Data("keep".utf8).write(to: URL(fileURLWithPath: out + "/basn0g16.png"))
        let existing = try CLI.run(["decode", images + "/basn0g16.png", "--save-to", out])
        #expect(existing.status != 0)
        #expect(try String(contentsOfFile: out + "/basn0g16.png", encoding: .utf8) == "keep")
        #expect(try CLI.run(["decode", images + "/basn0g16.png", "--save-to", out, "--overwrite"]).status == 0)
    }

    @Test func fifosAndDevicesAreRefusedWithoutHanging() throws {
        let folder = try Fixtures.temporaryDirectory()
        #expect(mkfifo(folder + "/pipe.png", 0o644) == 0)
        let started = Date()
        let fifo = try CLI.run(["decode", folder + "/pipe.png"])
        #expect(fifo.status != 0)
        #expect(fifo.standardOutput.contains("not a regular file"), "\(fifo.standardOutput)")
        let zero = try CLI.run(["decode", "/dev/zero"])
        #expect(zero.standardOutput.contains("not a regular file"), "\(zero.standardOutput)")
        #expect(Date().timeIntervalSince(started) < 20)
    }

    /// One set of flags, the same refusal everywhere: decode, data inspect, train, evaluate, infer.
    @Test func imageLimitsAreSharedByEveryCommand() throws {
        let folder = try Fixtures.temporaryDirectory()
        let image = Self.digits + "/0/0000.png"  // 8 × 8 gray: 64 pixels
        let decode = try CLI.run(["decode", image, "--max-pixels", "10"])
        #expect(decode.status != 0)
        #expect(decode.standardOutput.contains("over the limit of 10 pixels"), "\(decode.standardOutput)")
        let train = try CLI.run(["train", Self.digits, "--image-size", "8", "--epochs", "1", "--output", folder + "/none", "--max-pixels", "10"])
        #expect(train.status != 0)
        #expect(train.standardError.contains("over the limit of 10 pixels") && train.standardError.split(separator: "\n").count == 1, "\(train.standardError)")
        let run = folder + "/run"
        let trained = try CLI.run(["train", Self.digits, "--image-size", "8", "--epochs", "1", "--output", run, "--quiet", "--max-image-bytes", "1MiB"])
        #expect(trained.status == 0, "\(trained.standardError)")
        let infer = try CLI.run(["infer", run + "/best.vision", image, Self.digits + "/1", "--format", "csv", "--max-pixels", "10"])
        #expect(infer.status == 1)
        #expect(infer.standardOutput.contains("over the limit of 10 pixels"), "\(infer.standardOutput)")
        let evaluate = try CLI.run(["evaluate", run + "/best.vision", Self.digits, "--max-pixels", "10"])
        #expect(evaluate.status != 0)
        #expect(evaluate.standardError.contains("over the limit of 10 pixels"), "\(evaluate.standardError)")
        let inspect = try CLI.run(["data", "inspect", Self.digits, "--max-pixels", "10", "--json"])
        #expect(inspect.standardOutput.contains("over the limit of 10 pixels"), "\(inspect.standardOutput.prefix(400))")
        for (flag, value, message) in [
            ("--max-image-bytes", "12XB", "--max-image-bytes"), ("--max-decode-seconds", "nan", "--max-decode-seconds"),
            ("--max-scans", "0", "--max-scans: expected a positive number of scans, got 0"),
        ] {
            let bad = try CLI.run(["infer", run + "/best.vision", image, flag, value])
            #expect(bad.status != 0)
            #expect(bad.standardError.contains(message), "\(flag) \(value): \(bad.standardError)")
        }
        // Units: 1KiB is 1024 bytes, more than this 8 × 8 file.
        #expect(try CLI.run(["decode", image, "--max-image-bytes", "1KiB"]).status == 0)
    }

    /// `data inspect` reads files without blocking: a FIFO named by a manifest is one bad file,
    /// and one in a class folder is not an image file at all.
    @Test func aFIFOInADatasetIsAnUnreadableFile() throws {
        let tree = try WorkflowCommandTests.smallTree(["0", "1"])
        #expect(mkfifo(tree + "/1/pipe.png", 0o644) == 0)
        let started = Date()
        let folder = try CLI.run(["data", "inspect", tree])
        #expect(folder.status == 0, "\(folder.standardError)")
        #expect(folder.standardOutput.contains("360 files, 2 classes, 360 readable"), "\(folder.standardOutput)")
        let manifest = tree + "/manifest.csv"
        try "path,label\n0/0000.png,0\n1/0001.png,1\n1/pipe.png,1\n".write(toFile: manifest, atomically: true, encoding: .utf8)
        let listed = try CLI.run(["data", "inspect", manifest])
        #expect(listed.status != 0)
        #expect(listed.standardError.contains("manifest.csv:4: 1/pipe.png: not a regular file"), "\(listed.standardError)")
        #expect(Date().timeIntervalSince(started) < 20)
    }

    @Test func listsWithCRLFLineEndingsAndControlCharactersInClassNames() throws {
        let run = try Fixtures.temporaryDirectory() + "/run"
        let folder = try Fixtures.temporaryDirectory()
        // A class name with an escape sequence (it would set the terminal title) and a newline-free rest.
        let evil = "\u{1B}]0;owned\u{07}cls"
        for (label, source) in [("0", "0"), (evil, "1")] {
            try FileManager.default.createDirectory(atPath: folder + "/tree", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Self.digits + "/" + source, toPath: folder + "/tree/" + label)
        }
        let train = try CLI.run(["train", folder + "/tree", "--image-size", "8", "--epochs", "1", "--output", run, "--quiet"])
        #expect(train.status == 0, "\(train.standardError)")
        let inspect = try CLI.run(["inspect", run + "/best.vision"])
        #expect(!inspect.standardOutput.contains("\u{1B}"))
        #expect(inspect.standardOutput.contains("\\u{1b}]0;owned\\u{7}cls"), "\(inspect.standardOutput)")
        let list = folder + "/list.txt"
        try "\(Self.digits)/0/0000.png\r\n\(Self.digits)/1/0001.png\r\n".write(toFile: list, atomically: true, encoding: .utf8)
        let infer = try CLI.run(["infer", run + "/best.vision", "@" + list, "--format", "csv"])
        #expect(infer.status == 0, "\(infer.standardOutput) \(infer.standardError)")
        #expect(infer.lines.count == 3)
        #expect(!infer.standardOutput.contains("\u{1B}"))
    }

    @Test func modelFilesThatWouldExhaustMemoryOrHoldNaNAreRefused() throws {
        let run = try Fixtures.temporaryDirectory() + "/run"
        let train = try CLI.run(["train", Self.digits, "--image-size", "8", "--epochs", "1", "--output", run, "--quiet"])
        #expect(train.status == 0, "\(train.standardError)")
        var file = try SafeTensors.read(contentsOf: run + "/best.vision")
        let metadata = try #require(file.metadata["vision"])
        // An input of 2³¹ × 2³¹ in the metadata: refused before any allocation.
        var huge = file
        huge.metadata["vision"] = metadata.replacingOccurrences(of: "\"input_size\":{\"height\":8,\"width\":8}", with: "\"input_size\":{\"height\":2147483648,\"width\":2147483648}")
        #expect(huge.metadata["vision"] != metadata)
        try Data(huge.serialized()).write(to: URL(fileURLWithPath: run + "/huge.vision"))
        let hugeResult = try CLI.run(["infer", run + "/huge.vision", Self.digits + "/0/0000.png"])
        #expect(hugeResult.status != 0)
        #expect(hugeResult.standardError.contains("input size") && hugeResult.standardError.split(separator: "\n").count == 1, "\(hugeResult.standardError)")
        // NaN weights: refused at load with the tensor named.
        let name = "fc2.bias"
        let entry = try #require(file[name])
        var values = try file.floats(name)
        values[0] = .nan
        file.set(name, SafeTensorsEntry(floats: values, shape: entry.shape))
        try Data(file.serialized()).write(to: URL(fileURLWithPath: run + "/nan.vision"))
        let nan = try CLI.run(["infer", run + "/nan.vision", Self.digits + "/0/0000.png", "--format", "json"])
        #expect(nan.status != 0)
        #expect(nan.standardError.contains("tensor 'fc2.bias' holds nan"), "\(nan.standardError)")
    }

    /// A model file naming 100,000 classes for a model whose head grows with them (linear at
    /// 256×256 gray would allocate 26 GB) is refused from the weights it holds, before any is built.
    @Test func aModelFileClaimingAHugeHeadIsRefusedBeforeBuilding() throws {
        let run = try Fixtures.temporaryDirectory() + "/run"
        let train = try CLI.run(["train", Self.digits, "--model", "linear", "--image-size", "8", "--epochs", "1", "--output", run, "--quiet"])
        #expect(train.status == 0, "\(train.standardError)")
        var file = try SafeTensors.read(contentsOf: run + "/best.vision")
        let text = try #require(file.metadata["vision"])
        var metadata = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        metadata["classes"] = (0..<100_000).map { "c\($0)" }
        var preprocessing = try #require(metadata["preprocessing"] as? [String: Any])
        preprocessing["input_size"] = ["height": 256, "width": 256]
        metadata["preprocessing"] = preprocessing
        file.metadata["vision"] = String(decoding: try JSONSerialization.data(withJSONObject: metadata), as: UTF8.self)
        try Data(file.serialized()).write(to: URL(fileURLWithPath: run + "/huge-head.vision"))
        let started = Date()
        let infer = try CLI.run(["infer", run + "/huge-head.vision", Self.digits + "/0/0000.png"])
        #expect(infer.status != 0)
        #expect(infer.standardError.contains("model 'linear' with 100000 classes at 256×256 needs 6553700000 parameters, the file holds"), "\(infer.standardError)")
        #expect(infer.standardError.split(separator: "\n").count == 1)
        let fineTune = try CLI.run(["train", Self.digits, "--init-from", run + "/huge-head.vision", "--output", run + "-2"])
        #expect(fineTune.standardError.contains("needs 6553700000 parameters"), "\(fineTune.standardError)")
        #expect(Date().timeIntervalSince(started) < 20)
    }

    /// A model file whose stored input makes one image's activations larger than the budget
    /// (resnet20 at 2048×2048 peaks near 2 GB) is refused before it runs; under the budget,
    /// batches shrink to fit it.
    @Test func aModelFileWhoseActivationsWouldNotFitIsRefused() throws {
        let run = try Fixtures.temporaryDirectory() + "/run"
        let train = try CLI.run(["train", Self.digits, "--model", "resnet20", "--image-size", "32", "--epochs", "1", "--output", run, "--quiet"])
        #expect(train.status == 0, "\(train.standardError)")
        var file = try SafeTensors.read(contentsOf: run + "/best.vision")
        let metadata = try #require(file.metadata["vision"])
        file.metadata["vision"] = metadata.replacingOccurrences(
            of: "\"input_size\":{\"height\":32,\"width\":32}", with: "\"input_size\":{\"height\":2048,\"width\":2048}")
        #expect(file.metadata["vision"] != metadata)
        try Data(file.serialized()).write(to: URL(fileURLWithPath: run + "/big.vision"))
        let image = Self.digits + "/0/0000.png"
        let started = Date()
        let infer = try CLI.run(["infer", run + "/big.vision", image])
        #expect(infer.status != 0)
        #expect(infer.standardError.contains("model 'resnet20' at 2048×2048 needs about 3073 MiB of activations per image, over the limit of 768 MiB"), "\(infer.standardError)")
        let evaluate = try CLI.run(["evaluate", run + "/big.vision", Self.digits])
        #expect(evaluate.standardError.contains("over the limit of 768 MiB"), "\(evaluate.standardError)")
        #expect(Date().timeIntervalSince(started) < 10)
        // The original file runs, in one batch, and with a budget of one image per pass too.
        #expect(try CLI.run(["infer", run + "/best.vision", image, Self.digits + "/1/0001.png"]).status == 0)
        let small = try CLI.run(["infer", run + "/best.vision", image, Self.digits + "/1/0001.png", "--max-activation-bytes", "800KiB", "--format", "csv"])
        #expect(small.status == 0, "\(small.standardError)")
        #expect(small.lines.count == 3)
    }

    /// lenet's fully connected layer grows with the input: 3000×3000 would need 18 GB of weights.
    @Test func anInputTooLargeForTheModelIsRefusedBeforeBuilding() throws {
        let folder = try Fixtures.temporaryDirectory()
        let started = Date()
        let lenet = try CLI.run(["train", Self.digits, "--model", "lenet", "--image-size", "3000", "--output", folder + "/a"])
        #expect(lenet.status != 0)
        #expect(lenet.standardError.contains("model 'lenet': input 3000×3000 is too large; it takes at most 360×360"), "\(lenet.standardError)")
        let resnet = try CLI.run(["train", Self.digits, "--model", "resnet20", "--image-size", "4096x64", "--output", folder + "/b"])
        #expect(resnet.standardError.contains("is too large; it takes at most 2048×2048"), "\(resnet.standardError)")
        #expect(Date().timeIntervalSince(started) < 20)
    }

    @Test func aSafetensorsHeaderWhoseByteCountOverflowsIsAnError() throws {
        // 2⁶² elements fit in Int; their byte count as F32 does not.
        let header = #"{"w":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,4]}}"#
        var bytes = [UInt8](repeating: 0, count: 8)
        var length = UInt64(header.utf8.count)
        for index in 0..<8 { bytes[index] = UInt8(length & 0xFF); length >>= 8 }
        bytes += Array(header.utf8) + [0, 0, 0, 0]
        #expect(throws: SafeTensorsError.self) { try SafeTensors.parse(bytes) }
        let folder = try Fixtures.temporaryDirectory()
        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/m.vision"))
        let inspect = try CLI.run(["inspect", folder + "/m.vision"])
        #expect(inspect.status == 1, "\(inspect.standardError)")
    }

    @Test func yamlBombsAndHugeLayersAreRefusedInOneLine() throws {
        let folder = try Fixtures.temporaryDirectory()
        var bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n"
        var previous = "a"
        for level in ["b", "c", "d", "e", "f", "g", "h", "i"] {
            bomb += "\(level): &\(level) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]\n"
            previous = level
        }
        try bomb.write(toFile: folder + "/bomb.yaml", atomically: true, encoding: .utf8)
        let config = try CLI.run(["train", Self.digits, "--config", folder + "/bomb.yaml", "--output", folder + "/r1"])
        #expect(config.status != 0)
        #expect(config.standardError.contains("alias expansion is refused"), "\(config.standardError)")
        let model = try CLI.run(["train", Self.digits, "--model", folder + "/bomb.yaml", "--output", folder + "/r2"])
        #expect(model.standardError.contains("alias expansion is refused"), "\(model.standardError)")
        let wide = "name: wide\nlayers:\n  - conv2d: {out_channels: 8, kernel_size: 3, padding: 9223372036854775807}\n  - flatten\n  - linear: {out_features: num_classes}\n"
        try FileManager.default.removeItem(atPath: folder + "/bomb.yaml")
        try wide.write(toFile: folder + "/wide.yaml", atomically: true, encoding: .utf8)
        let padding = try CLI.run(["models", "--plugin-dir", folder, "wide"])
        #expect(padding.status != 0)
        #expect(padding.standardError.contains("expected an integer in 0...65536"), "\(padding.standardError)")
        try FileManager.default.removeItem(atPath: folder + "/wide.yaml")
        let giant = "name: giant\ninput_size: 4096\nlayers:\n  - flatten\n  - linear: {out_features: 65536}\n  - linear: {out_features: num_classes}\n"
        try giant.write(toFile: folder + "/giant.yaml", atomically: true, encoding: .utf8)
        let parameters = try CLI.run(["models", "--plugin-dir", folder])
        #expect(parameters.status != 0)
        #expect(parameters.standardError.contains("parameters"), "\(parameters.standardError)")
        let infinite = folder + "/inf.yaml"
        try "lr: .inf\n".write(toFile: infinite, atomically: true, encoding: .utf8)
        let lr = try CLI.run(["train", Self.digits, "--config", infinite, "--output", folder + "/r3"])
        #expect(lr.standardError.contains("lr: expected a finite number, got inf"), "\(lr.standardError)")
    }
}

@Suite struct HonestCountTests {
    /// A class whose images cannot be read (mode 000 here) is an error, not a silent "100%".
    @Test func aClassWithoutReadableImagesStopsTraining() throws {
        let tree = try WorkflowCommandTests.smallTree(["0", "1"])
        let files = try FileManager.default.contentsOfDirectory(atPath: tree + "/1")
        for name in files {
            // Unreadable for everyone: root ignores mode 000, so make them not images instead.
            try Data("not an image".utf8).write(to: URL(fileURLWithPath: tree + "/1/" + name))
        }
        let folder = try Fixtures.temporaryDirectory()
        let run = try CLI.run(["train", tree, "--image-size", "8", "--epochs", "1", "--channels", "1", "--output", folder + "/run"])
        #expect(run.status != 0)
        #expect(run.standardError.contains("training images of class '1' could be read"), "\(run.standardError)")
    }

    /// A duplicate key is one line with its line number; a 20 MB CSV field is refused at once.
    @Test func duplicateKeysAndGiantCSVFieldsAreShortErrors() throws {
        let folder = try Fixtures.temporaryDirectory()
        try "epochs: 1\nepochs: 2\n".write(toFile: folder + "/dup.yaml", atomically: true, encoding: .utf8)
        let duplicate = try CLI.run(["train", HardeningTests.digits, "--config", folder + "/dup.yaml", "--output", folder + "/r"])
        #expect(duplicate.status != 0)
        #expect(duplicate.standardError.split(separator: "\n").count == 1, "\(duplicate.standardError)")
        #expect(!duplicate.standardError.contains(":0:"), "\(duplicate.standardError)")
        let csv = "path,label\n" + String(repeating: "a", count: 20_000_000) + ",x\n"
        try csv.write(toFile: folder + "/long.csv", atomically: true, encoding: .utf8)
        let started = Date()
        let inspect = try CLI.run(["data", "inspect", folder + "/long.csv"])
        #expect(inspect.status != 0)
        #expect(inspect.standardError.contains("a field longer than 4096 characters"))
        #expect(inspect.standardError.count < 300)
        #expect(Date().timeIntervalSince(started) < 10)
    }
}
