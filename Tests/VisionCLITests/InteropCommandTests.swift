import Foundation
import Testing
import VisionTestSupport

/// Weights from elsewhere: `vision import` and `vision train --init-from weights.safetensors`
/// (a plain state_dict, here a vision file with its metadata taken out), `--strict false`,
/// `--freeze-backbone-epochs`, and `vision export` from the command line.
@Suite(.serialized) struct InteropCommandTests {
    static let digits = Fixtures.path("datasets/digits")

    /// A safetensors file's tensors by name (raw bytes) and its metadata.
    static func read(_ path: String) throws -> (tensors: [String: [UInt8]], metadata: [String: String], header: [String: Any]) {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let length = bytes[0..<8].enumerated().reduce(0) { $0 | (Int($1.element) << (8 * $1.offset)) }
        let header = try #require(try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any])
        var tensors: [String: [UInt8]] = [:]
        for (name, value) in header where name != "__metadata__" {
            let offsets = try #require((value as? [String: Any])?["data_offsets"] as? [Int])
            tensors[name] = Array(bytes[(8 + length + offsets[0])..<(8 + length + offsets[1])])
        }
        return (tensors, header["__metadata__"] as? [String: String] ?? [:], header)
    }

    static func floats(_ bytes: [UInt8]) -> [Float] {
        bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    /// The same tensors without vision's metadata: what `safetensors.torch.save_file(state_dict)` writes.
    static func plainStateDict(from model: String, to path: String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: model)))
        let length = bytes[0..<8].enumerated().reduce(0) { $0 | (Int($1.element) << (8 * $1.offset)) }
        var header = try #require(try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any])
        header["__metadata__"] = ["format": "pt"]
        var json = [UInt8](try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        while json.count % 8 != 0 { json.append(0x20) }
        let size = UInt64(json.count)
        let prefix = (0..<8).map { UInt8((size >> (8 * UInt64($0))) & 0xFF) }
        try Data(prefix + json + bytes[(8 + length)...]).write(to: URL(fileURLWithPath: path))
    }

    @Test func importAndFineTuneAPlainStateDict() throws {
        let folder = try Fixtures.temporaryDirectory()
        let train = try CLI.run(["train", Self.digits, "--model", "lenet", "--image-size", "8", "--epochs", "1", "--output", folder + "/run"])
        #expect(train.status == 0, "\(train.standardError)")
        let plain = folder + "/lenet.safetensors"
        try Self.plainStateDict(from: folder + "/run/best.vision", to: plain)

        // import: the same tensors, the given classes, the model's default preprocessing at --image-size.
        let imported = try CLI.run(["import", plain, "--model", "lenet", "--image-size", "8", "--classes", "0,1,2,3,4,5,6,7,8,9", "--output", folder + "/imported.vision"])
        #expect(imported.status == 0, "\(imported.standardError)")
        #expect(imported.standardOutput.contains("imported 8 tensors from \(plain) into lenet"), "\(imported.standardOutput)")
        #expect(try Self.read(folder + "/imported.vision").tensors == Self.read(plain).tensors)
        let evaluate = try CLI.run(["evaluate", folder + "/imported.vision", Self.digits, "--split", "all", "--json"])
        #expect(evaluate.status == 0, "\(evaluate.standardError)")
        // Another class count: a new head, said.
        let three = try CLI.run(["import", plain, "--model", "lenet", "--image-size", "8", "--classes", "a,b,c", "--output", folder + "/three.vision"])
        #expect(three.status == 0 && three.standardOutput.contains("new head: 10 classes in the file, 3 here"), "\(three.standardOutput)")

        // The wrong architecture: one line naming what is missing and unexpected; --strict false loads what fits.
        let wrong = try CLI.run(["import", plain, "--model", "defectnet", "--classes", "a,b", "--output", folder + "/wrong.vision"])
        #expect(wrong.status != 0)
        #expect(wrong.standardError.contains("does not fit defectnet: missing") && wrong.standardError.contains("unexpected")
                && wrong.standardError.contains("--strict false loads what fits"), "\(wrong.standardError)")
        #expect(wrong.standardError.split(separator: "\n").count == 1)
        let loose = try CLI.run(["import", plain, "--model", "defectnet", "--classes", "a,b", "--strict", "false", "--output", folder + "/loose.vision"])
        #expect(loose.status == 0 && loose.standardOutput.contains("left at initialisation: "), "\(loose.standardOutput)\(loose.standardError)")

        // train --init-from the plain file: built as --model, fine-tuned, head first.
        let tune = try CLI.run([
            "train", Self.digits, "--model", "lenet", "--image-size", "8", "--init-from", plain, "--epochs", "2", "--freeze-backbone-epochs", "1",
            "--output", folder + "/tuned",
        ])
        #expect(tune.status == 0, "\(tune.standardError)")
        for line in ["imported 8 tensors from", "epoch 1: the backbone is frozen; only the head trains", "epoch 2: the backbone is unfrozen"] {
            #expect(tune.standardOutput.contains(line), "\(line)\n\(tune.standardOutput)")
        }
        // After the frozen epoch the backbone is the imported one; the head has moved.
        let frozen = try CLI.run([
            "train", Self.digits, "--model", "lenet", "--image-size", "8", "--init-from", plain, "--epochs", "1", "--freeze-backbone-epochs", "1",
            "--output", folder + "/frozen",
        ])
        #expect(frozen.status == 0, "\(frozen.standardError)")
        let before = try Self.read(plain).tensors, after = try Self.read(folder + "/frozen/last.vision").tensors
        for name in ["conv1.weight", "conv2.bias", "fc1.weight"] { #expect(after[name] == before[name], "\(name)") }
        #expect(after["fc2.weight"] != before["fc2.weight"])
        // --backbone-lr-scale: the backbone barely moves, the head learns at the full rate.
        let scaled = try CLI.run([
            "train", Self.digits, "--model", "lenet", "--image-size", "8", "--init-from", plain, "--epochs", "1", "--backbone-lr-scale", "0.000001",
            "--output", folder + "/scaled",
        ])
        #expect(scaled.status == 0, "\(scaled.standardError)")
        let moved = try Self.read(folder + "/scaled/last.vision").tensors
        func largestChange(_ name: String) -> Float {
            let a = Self.floats(before[name] ?? []), b = Self.floats(moved[name] ?? [])
            return a.count == b.count && !a.isEmpty ? zip(a, b).map { abs($0 - $1) }.max() ?? 0 : .infinity
        }
        #expect(largestChange("conv1.weight") < 1e-5 && largestChange("fc1.weight") < 1e-5)
        #expect(largestChange("fc2.weight") > 1e-3)
        let unnamed = try CLI.run(["train", Self.digits, "--init-from", plain, "--epochs", "1", "--output", folder + "/unnamed"])
        #expect(unnamed.status != 0 && unnamed.standardError.contains("is a plain state_dict without vision's metadata: name its architecture with --model"))
    }

    @Test func exportFromTheCommandLine() throws {
        let folder = try Fixtures.temporaryDirectory()
        let train = try CLI.run(["train", Self.digits, "--model", "lenet", "--image-size", "8", "--epochs", "1", "--output", folder + "/run"])
        #expect(train.status == 0, "\(train.standardError)")
        let export = try CLI.run(["export", folder + "/run/best.vision", "--format", "onnx", "--with-preprocessing", "--with-softmax", "--batch", "4"])
        #expect(export.status == 0, "\(export.standardError)")
        #expect(export.standardOutput.contains("best.onnx: ONNX opset 17") && export.standardOutput.contains("input pixels 4×1×8×8, output probabilities (10 classes)"),
                "\(export.standardOutput)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: folder + "/run/best.onnx"))
        // The classes travel as a JSON string in metadata_props.
        #expect(bytes.range(of: Data("[\"0\",\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"]".utf8)) != nil)
        let bad = try CLI.run(["export", folder + "/run/best.vision", "--batch", "zero"])
        #expect(bad.status != 0 && bad.standardError.contains("--batch must be 'dynamic' or a positive size, got 'zero'"))
    }
}

/// Model files written before a training key existed still load: every key added later is
/// optional in the configuration a file carries.
@Suite struct EarlierModelFileTests {
    @Test func aFileWithoutTheNewerTrainingKeysEvaluatesExportsAndExplains() throws {
        let model = Fixtures.path("models/earlier/lenet-digits-8px.vision")
        let digits = Fixtures.path("datasets/digits")
        let evaluate = try CLI.run(["evaluate", model, digits, "--split", "all", "--json"])
        #expect(evaluate.status == 0, "\(evaluate.standardError)")
        #expect((try WorkflowCommandTests.json(evaluate.standardOutput)["accuracy"] as? Double ?? 0) > 0.3)
        let folder = try Fixtures.temporaryDirectory()
        #expect(try CLI.run(["export", model, "--output", folder + "/m.onnx"]).status == 0)
        #expect(try CLI.run(["explain", model, digits + "/3/0003.png", "--save-to", folder]).status == 0)
        let tune = try CLI.run(["train", digits, "--init-from", model, "--epochs", "1", "--output", folder + "/run"])
        #expect(tune.status == 0, "\(tune.standardError)")
    }
}
