import Foundation
import VisionFuzzTargets

// Built two ways. With -DFUZZING and -sanitize=fuzzer (fuzz/run.sh), libFuzzer owns main() and
// calls the entry point below with mutated inputs for the target named by VISION_FUZZ_TARGET.
// Otherwise it replays files: `vision-fuzz TARGET FILE...`.
#if FUZZING
import CFuzzDriver

let target = ProcessInfo.processInfo.environment["VISION_FUZZ_TARGET"] ?? "png"

/// SwiftPM renames an executable's entry point to `vision_fuzz_main`; here it hands over to
/// libFuzzer's driver, which calls back with each input.
@_cdecl("vision_fuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var vector = argv
    return LLVMFuzzerRunDriver(&count, &vector) { data, size in
        guard let data else { return 0 }
        FuzzTargets.run(target, Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }
}
#else
@main
enum Replay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, FuzzTargets.names.contains(name) else {
            FileHandle.standardError.write(Data("usage: vision-fuzz \(FuzzTargets.names.joined(separator: "|")) FILE...\n".utf8))
            exit(2)
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("\(path): cannot read\n".utf8))
                exit(1)
            }
            FuzzTargets.run(name, [UInt8](data))
        }
    }
}
#endif
