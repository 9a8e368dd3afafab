import Foundation
import Testing
import VisionTestSupport

@Suite struct TrainCommandTests {
    @Test func trainThenEvaluateOnHeldOutImages() throws {
        let output = try Fixtures.temporaryDirectory() + "/run"
        let digits = Fixtures.path("datasets/digits")
        let train = try CLI.run(["train", digits, "--model", "lenet", "--image-size", "8", "--epochs", "2", "--output", output, "--quiet"])
        #expect(train.status == 0, "\(train.standardError)")
        #expect(train.standardOutput.contains("test accuracy"))
        let evaluate = try CLI.run(["evaluate", output + "/best.vision", digits, "--split", "test", "--json"])
        #expect(evaluate.status == 0, "\(evaluate.standardError)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(evaluate.standardOutput.utf8)) as? [String: Any])
        for key in ["accuracy", "baseline_accuracy", "metrics", "per_class", "confusion_matrix", "mistakes"] {
            #expect(document[key] != nil, "\(key)")
        }
        #expect((document["confusion_matrix"] as? [[Int]])?.count == 10)
        // An existing run is never overwritten unless asked.
        let again = try CLI.run(["train", digits, "--image-size", "8", "--epochs", "1", "--output", output, "--quiet"])
        #expect(again.status != 0)
        #expect(again.standardError.contains("already holds a run"))
    }

    @Test func badInputsAreOneLineErrors() throws {
        let folder = try Fixtures.temporaryDirectory()
        let missing = try CLI.run(["train", folder + "/nope", "--output", folder + "/r"])
        #expect(missing.status != 0)
        #expect(missing.standardError.contains("nope"))
        let model = try CLI.run(["train", Fixtures.path("datasets/digits"), "--model", "resnet99"])
        #expect(model.status != 0)
        #expect(model.standardError.contains("unknown model 'resnet99'"))
        _ = FileManager.default.createFile(atPath: folder + "/broken.vision", contents: Data("garbage".utf8))
        let broken = try CLI.run(["evaluate", folder + "/broken.vision", Fixtures.path("datasets/digits")])
        #expect(broken.status != 0)
        #expect(broken.standardError.contains("broken.vision"))
    }
}
