import Foundation
import Testing
import VisionMetricAPI

/// Name matching, JSON values and result encoding.
@Suite struct SupportTests {
    @Test(arguments: [
        ("resnet*", "resnet20", true), ("resnet*", "lenet", false), ("*net", "lenet", true),
        ("res?et20", "resnet20", true), ("[rl]*", "lenet", true), ("[!rl]*", "lenet", false),
        ("m[0-9]", "m7", true), ("m[0-9]", "mx", false), ("*", "", true), ("a*b*c", "axxbyyc", true),
        ("a*b*c", "axxbyy", false), ("RESNET*", "resnet20", true), ("[", "[", true),
    ])
    func globs(_ pattern: String, _ name: String, _ expected: Bool) {
        #expect(PluginNames.matches(name, pattern: pattern) == expected)
    }

    @Test func naturalOrder() {
        let names = ["resnet110", "resnet20", "resnet56", "resnet18", "lenet", "resnet8b", "resnet8"]
        #expect(names.sorted(by: PluginNames.naturalLess) == ["lenet", "resnet8", "resnet8b", "resnet18", "resnet20", "resnet56", "resnet110"])
    }

    @Test func editDistance() {
        #expect(PluginNames.editDistance("kitten", "sitting") == 3)
        #expect(PluginNames.editDistance("", "abc") == 3)
        #expect(PluginNames.editDistance("abc", "abc") == 0)
        #expect(PluginNames.closest(to: "resnet2", in: ["resnet20", "resnet32", "lenet"]) == "resnet20")
    }

    @Test func jsonValuesKeepIntegersIntegers() throws {
        let value = try JSONValue(json: Data(#"{"a": 1, "b": 1.5, "c": true, "d": null, "e": "x", "f": [1]}"#.utf8))
        #expect(value == ["a": 1, "b": 1.5, "c": true, "d": nil, "e": "x", "f": [1]])
    }

    @Test func resultsEncodeNaNAsNullAndRoundTrip() throws {
        let result = MetricResult(
            value: 0.5, perClass: [1, .nan], averages: [.macro: 0.5, .micro: .nan], threshold: 0.25,
            matrix: [[1, 0], [0, 1]], normalizedMatrix: [[1, 0], [0, 1]], details: ["k": 2])
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(result), as: UTF8.self)
        #expect(json.contains(#""per_class":[1,null]"#))
        #expect(json.contains(#""micro":null"#))
        let back = try JSONDecoder().decode(MetricResult.self, from: Data(json.utf8))
        #expect(back.perClass?[1].isNaN == true)
        #expect(back.value == 0.5 && back.threshold == 0.25 && back.details == ["k": 2])
    }
}
