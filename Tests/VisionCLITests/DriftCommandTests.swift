import Foundation
import SafeTensors
import Testing
import VisionImage
import VisionTestSupport

/// `vision drift`: fresh images of the training distribution are `ok`; the same images
/// brightened by 40% or rotated by 90° are `drift`.
@Suite struct DriftCommandTests {
    static func heldOut(_ model: String) throws -> [String] {
        let file = try SafeTensors.read(contentsOf: model)
        let text = try #require(file.metadata["vision"])
        let metadata = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let root = try #require(metadata["dataset_root"] as? String)
        let split = try #require(metadata["split"] as? [[String: Any]])
        return split.filter { $0["split"] as? String == "test" }.compactMap { $0["path"] as? String }.map { root + "/" + $0 }
    }

    static func write(_ paths: [String], to folder: String, _ change: (Image) throws -> Image) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (index, path) in paths.enumerated() {
            let image = try ImageDecoder.decode(contentsOf: path).image
            try PNGEncoder.write(try change(image), to: folder + String(format: "/%04d.png", index))
        }
    }

    static func report(_ model: String, _ folder: String) throws -> (Int32, [String: Any]) {
        let run = try CLI.run(["drift", model, folder, "--json"])
        let json = (try? JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any]) ?? [:]
        return (run.status, json)
    }

    static func psi(_ report: [String: Any], _ name: String) -> Double {
        ((report["features"] as? [[String: Any]])?.first { $0["name"] as? String == name }?["psi"] as? Double) ?? -1
    }

    @Test func freshImagesAreOkBrightenedOrRotatedOnesDrift() throws {
        let run = try Fixtures.temporaryDirectory() + "/run"
        let train = try CLI.run(["train", Fixtures.path("datasets/digits"), "--image-size", "8", "--epochs", "2", "--output", run, "--quiet"])
        #expect(train.status == 0, "\(train.standardError)")
        let model = run + "/best.vision"
        let test = try Self.heldOut(model)
        #expect(test.count >= 100)
        let folder = try Fixtures.temporaryDirectory()
        try Self.write(test, to: folder + "/fresh") { $0 }
        try Self.write(test, to: folder + "/bright") { image in
            try Image(width: image.width, height: image.height, channels: image.channels, pixels: image.pixels.map { UInt8(min(255, Double($0) * 1.4)) })
        }
        try Self.write(test, to: folder + "/rotated") { image in
            var out = try Image(width: image.height, height: image.width, channels: image.channels)
            for y in 0..<image.height {
                for x in 0..<image.width {
                    for c in 0..<image.channels {
                        out.pixels[((image.width - 1 - x) * image.height + y) * image.channels + c] = image[y, x, c]
                    }
                }
            }
            return out
        }
        let (freshStatus, fresh) = try Self.report(model, folder + "/fresh")
        #expect(freshStatus == 0)
        #expect(fresh["verdict"] as? String == "ok", "\(fresh)")
        let (brightStatus, bright) = try Self.report(model, folder + "/bright")
        #expect(brightStatus == 3)
        #expect(bright["verdict"] as? String == "drift", "\(bright)")
        #expect(Self.psi(bright, "brightness") >= 0.25)
        let (_, rotated) = try Self.report(model, folder + "/rotated")
        #expect(rotated["verdict"] as? String == "drift", "\(rotated)")
        // Too few images to judge.
        let (_, few) = try Self.report(model, test[0])
        #expect(few["verdict"] as? String == "insufficient_data")
    }
}
