import Foundation
import Testing
import VisionFuzzTargets
import VisionTestSupport

/// Every input the fuzzers found a crash, hang or blow-up with (fuzz/regressions/TARGET/), and
/// the seed inputs (fuzz/seeds/TARGET/), replayed through the same entry points: each must
/// return, quickly.
@Suite struct FuzzRegressionTests {
    static func inputs(_ folder: String) -> [(String, String)] {
        FuzzTargets.names.flatMap { target in
            Fixtures.allFiles(under: "../fuzz/\(folder)/\(target)").map { (target, $0) }
        }
    }

    @Test func regressionsAndSeedsReturnQuickly() throws {
        let all = Self.inputs("regressions") + Self.inputs("seeds")
        #expect(all.count >= 10, "fuzz/seeds and fuzz/regressions hold the inputs")
        for (target, path) in all {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            let started = Date()
            FuzzTargets.run(target, bytes)
            #expect(Date().timeIntervalSince(started) < 10, "\(target): \(path)")
        }
    }
}
