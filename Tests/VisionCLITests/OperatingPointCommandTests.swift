import Foundation
import Testing
import VisionTestSupport

/// `--positive-class 3 --target-recall 0.9`: chosen on validation, stored in best.vision, used by
/// evaluate, infer and serve.
@Suite struct OperatingPointCommandTests {
    static let digits = Fixtures.path("datasets/digits")

    @Test func theStoredPointTravelsWithTheModel() async throws {
        let run = try Fixtures.temporaryDirectory() + "/run"
        let train = try CLI.run(["train", Self.digits, "--image-size", "8", "--epochs", "3", "--output", run, "--positive-class", "3", "--target-recall", "0.9"])
        #expect(train.status == 0, "\(train.standardError)")
        #expect(train.standardOutput.contains("operating point: '3' when its score ≥"), "\(train.standardOutput)")
        let model = run + "/best.vision"
        let evaluate = try CLI.run(["evaluate", model, Self.digits, "--json"])
        let document = try WorkflowCommandTests.json(evaluate.standardOutput)
        let point = try #require(document["operating_point"] as? [String: Any])
        #expect(point["positive_class"] as? String == "3" && point["chosen_on"] as? String == "val")
        #expect((point["target"] as? [String: Any])?["recall"] as? Double == 0.9)
        let test = try #require(point["test"] as? [String: Any])
        #expect((test["confusion_matrix"] as? [[Int]])?.count == 2)
        #expect((test["recall"] as? Double ?? 0) >= 0.5)
        // Every headline figure carries its 95% interval.
        let intervals = try #require(document["intervals"] as? [String: [Double]])
        let accuracy = try #require(document["accuracy"] as? Double)
        let band = try #require(intervals["accuracy"])
        #expect(band.count == 2 && band[0] <= accuracy && accuracy <= band[1] && band[1] - band[0] > 0.02)
        #expect(intervals["f1_macro"] != nil && intervals["recall/3"] != nil)
        let text = try CLI.run(["evaluate", model, Self.digits])
        #expect(text.standardOutput.contains("(95% CI "), "\(text.standardOutput)")
        #expect(try String(contentsOfFile: run + "/report.html", encoding: .utf8).contains("95% CI"))
        #expect(text.standardOutput.contains("operating point (stored; chosen on val): '3' when its score ≥"), "\(text.standardOutput)")
        // infer: the label follows the point, with its score.
        let infer = try CLI.run(["infer", model, Self.digits + "/3", "--format", "jsonl"])
        let first = try WorkflowCommandTests.json(try #require(infer.lines.first))
        let decision = try #require(first["operating_point"] as? [String: Any])
        #expect(decision["threshold"] as? Double == point["threshold"] as? Double)
        #expect((decision["defect"] as? Bool) == (first["label"] as? String == "3"))
        let plain = try CLI.run(["infer", model, Self.digits + "/3/" + (try FileManager.default.contentsOfDirectory(atPath: Self.digits + "/3").sorted()[0]), "--format", "jsonl", "--argmax"])
        #expect(!plain.standardOutput.contains("operating_point"))
        // serve: the same decision in every prediction, and the point in the model's details.
        let server = try ServerProcess([model])
        let body = try ServeCommandTests.image(3)
        let served = try await server.request("/v1/models/best/predict", method: "POST", body: body)
        let prediction = try #require((served.json["predictions"] as? [[String: Any]])?.first)
        #expect((prediction["operating_point"] as? [String: Any])?["threshold"] as? Double == point["threshold"] as? Double)
        let argmax = try await server.request("/v1/models/best/predict?operating_point=false", method: "POST", body: body)
        #expect(!argmax.text.contains("operating_point"))
        let details = try await server.request("/v1/models/best")
        #expect(details.json["operating_point"] != nil)
        #expect(server.stop() == 0)
    }

    @Test func incompleteOrWrongQuestionsAreOneLine() throws {
        let folder = try Fixtures.temporaryDirectory()
        for (arguments, message) in [
            (["--positive-class", "3"], "positive_class: expected a target too"),
            (["--positive-class", "nine", "--target-recall", "0.9"], "positive_class 'nine' is not one of the classes"),
            (["--good-class", "0", "--target-recall", "1.5"], "target_recall: expected a number in (0, 1]"),
            (["--positive-class", "3", "--good-class", "0", "--target-recall", "0.9"], "good_class: expected one of positive_class and good_class"),
        ] {
            let run = try CLI.run(["train", Self.digits, "--image-size", "8", "--epochs", "1", "--output", folder + "/r"] + arguments)
            #expect(run.status != 0)
            #expect(run.standardError.contains(message) && run.standardError.split(separator: "\n").count == 1, "\(arguments): \(run.standardError)")
        }
    }
}
