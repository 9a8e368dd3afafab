import Foundation
import SafeTensors
import Testing
import VisionTestSupport

@Suite struct SafeTensorsTests {
    @Test func readsEveryGoldenFile() throws {
        let folder = Fixtures.path("golden")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".safetensors") }
        #expect(names.count == 54)
        for name in names {
            let file = try SafeTensors.read(contentsOf: folder + "/" + name)
            #expect(!file.names.isEmpty, "\(name)")
            #expect(file.metadata["torch_version"] != nil, "\(name)")
        }
    }

    @Test func goldenConvFileHasItsTensors() throws {
        let file = try SafeTensors.read(contentsOf: Fixtures.path("golden/conv2d_a_k3s1p1_bias.safetensors"))
        let weight = try file.floats("weight", shape: [4, 3, 3, 3])
        #expect(weight.count == 108)
        #expect(throws: SafeTensorsError.wrongShape(name: "weight", expected: [4, 3], got: [4, 3, 3, 3])) {
            _ = try file.floats("weight", shape: [4, 3])
        }
        #expect(throws: SafeTensorsError.wrongDType(name: "weight", expected: .i64, got: .f32)) {
            _ = try file.int64s("weight")
        }
        #expect { _ = try file.floats("nope") } throws: { "\($0)".contains("tensor 'nope' is missing") }
    }

    @Test func roundTrips() throws {
        var file = SafeTensors(metadata: ["format": "vision", "note": "quote \" and \\ and\nnewline"])
        file.set("a.weight", SafeTensorsEntry(floats: [1, 2, 3, 4, 5, 6], shape: [2, 3]))
        file.set("steps", SafeTensorsEntry(int64s: [7], shape: []))
        file.set("pixels", SafeTensorsEntry(uint8s: [1, 2, 3], shape: [3]))
        let bytes = file.serialized()
        let back = try SafeTensors.parse(bytes)
        #expect(back.metadata == file.metadata)
        #expect(back.names == ["a.weight", "steps", "pixels"])
        #expect(try back.floats("a.weight") == [1, 2, 3, 4, 5, 6])
        #expect(try back.int64s("steps") == [7])
        #expect(try back.uint8s("pixels") == [1, 2, 3])
    }

    @Test func damagedFilesAreRejected() throws {
        var file = SafeTensors()
        file.set("w", SafeTensorsEntry(floats: [1, 2, 3, 4], shape: [4]))
        let bytes = file.serialized()
        // Truncated data, truncated header, a header length beyond the file, and garbage JSON.
        for damaged in [Array(bytes.dropLast(4)), Array(bytes.prefix(12)), [0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0x7B], Array(bytes.prefix(4))] {
            #expect(throws: SafeTensorsError.self) { _ = try SafeTensors.parse(damaged) }
        }
        var tampered = bytes
        let text = String(decoding: tampered[8..<(tampered.count - 16)], as: UTF8.self)
        let range = try #require(text.range(of: "[4]"))
        let offset = 8 + text.utf8.distance(from: text.startIndex, to: range.lowerBound)
        tampered[offset + 1] = UInt8(ascii: "5")  // shape [5] no longer fits 16 bytes
        #expect { _ = try SafeTensors.parse(tampered, source: "t.safetensors") } throws: {
            "\($0)".contains("t.safetensors: not a valid safetensors file") && "\($0)".contains("'w'")
        }
    }
}
