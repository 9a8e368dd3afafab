import Foundation
import Testing
import VisionImage
import VisionTestSupport

@Suite struct RootCommandTests {
    @Test func versionAndHelp() throws {
        let version = try CLI.run(["--version"])
        #expect(version.status == 0)
        #expect(version.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
        let help = try CLI.run(["--help"])
        #expect(help.status == 0)
        #expect(help.standardOutput.contains("decode"))
        #expect(help.standardOutput.contains("bench"))
    }

    @Test func unknownSubcommandFails() throws {
        let result = try CLI.run(["frobnicate"])
        #expect(result.status != 0)
    }
}

@Suite struct DecodeCommandTests {
    struct Report: Decodable {
        let path: String
        let format: String?
        let width: Int?
        let height: Int?
        let channels: Int?
        let bitDepth: Int?
        let orientation: Int?
        let error: String?
    }

    func reports(_ result: CLIResult) throws -> [Report] {
        try result.lines.map { try JSONDecoder().decode(Report.self, from: Data($0.utf8)) }
    }

    @Test func jsonLinesDescribeEachFile() throws {
        let files = [
            Fixtures.path("images/jpeg/pillow/orientation_rectangle.jpg"),
            Fixtures.path("images/pngsuite/valid/basn6a16.png"),
            Fixtures.path("images/pngsuite/valid/basn0g01.png"),
        ]
        let result = try CLI.run(["decode", "--json"] + files)
        #expect(result.status == 0)
        let parsed = try reports(result)
        #expect(parsed.count == 3)
        #expect(parsed[0].path == files[0])
        #expect(parsed[0].format == "jpeg")
        #expect(parsed[0].width == 1 && parsed[0].height == 2)  // after orientation 8
        #expect(parsed[0].orientation == 8)
        #expect(parsed[1].format == "png" && parsed[1].channels == 4 && parsed[1].bitDepth == 16)
        #expect(parsed[2].bitDepth == 1 && parsed[2].channels == 1)
    }

    @Test func everyFileIsReportedAndFailuresSetTheExitStatus() throws {
        let good = Fixtures.path("images/jpeg/pillow/hopper.jpg")
        let bad = Fixtures.path("images/pngsuite/corrupt/xcsn0g01.png")
        let result = try CLI.run(["decode", "--json", bad, good])
        #expect(result.status == 1)
        let parsed = try reports(result)
        #expect(parsed.count == 2)
        #expect(parsed[0].error?.contains("CRC error") == true)
        #expect(parsed[1].width == 128)
    }

    @Test func tableNamesTheErrors() throws {
        let result = try CLI.run(["decode", Fixtures.path("images/jpeg/libjpeg-turbo/jpeg/monkey12.jpg")])
        #expect(result.status == 1)
        #expect(result.standardOutput.contains("unsupported JPEG (Unsupported JPEG data precision 12)"))
        #expect(result.standardOutput.contains("0 decoded, 1 failed"))
    }

    @Test func saveToWritesWhatTheModelWillSee() throws {
        let folder = try Fixtures.temporaryDirectory()
        let result = try CLI.run([
            "decode", "--save-to", folder + "/out", Fixtures.path("images/jpeg/pillow/hopper_orientation_6.jpg"),
            Fixtures.path("images/pngsuite/valid/tbbn3p08.png"),
        ])
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        let saved = try ImageDecoder.decode(contentsOf: folder + "/out/hopper_orientation_6.png")
        #expect(saved.format == .png && saved.image.width == 128 && saved.orientation == 1)
        let palette = try ImageDecoder.decode(contentsOf: folder + "/out/tbbn3p08.png")
        #expect(palette.image.channels == 4)
    }

    /// Each bad input: a one-line error naming the file, and a non-zero exit.
    @Test func badInputs() throws {
        let folder = try Fixtures.temporaryDirectory()
        let empty = folder + "/empty.png"
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        let text = folder + "/notes.jpg"
        _ = FileManager.default.createFile(atPath: text, contents: Data("just text".utf8))
        let cases: [(String, String)] = [
            (folder + "/missing.png", "no such file"),
            (folder, "is a directory"),
            (empty, "empty file"),
            (text, "unknown format"),
            (Fixtures.path("images/png/pillow/truncated_image.png"), "truncated PNG"),
            (Fixtures.path("images/pngsuite/corrupt/xhdn0g08.png"), "CRC error"),
            (Fixtures.path("images/jpeg/libjpeg-turbo/jpeg/monkey12.jpg"), "unsupported JPEG"),
        ]
        for (path, expected) in cases {
            let result = try CLI.run(["decode", "--json", path])
            #expect(result.status == 1, "\(path)")
            let parsed = try reports(result)
            #expect(parsed.count == 1)
            #expect(parsed.first?.error?.contains(expected) == true, "\(path): \(parsed.first?.error ?? "no error")")
            #expect(parsed.first?.error?.contains(path) == true)
        }
        let limited = try CLI.run(["decode", "--max-pixels", "1000", Fixtures.path("images/jpeg/pillow/hopper.jpg")])
        #expect(limited.status == 1)
        #expect(limited.standardOutput.contains("over the limit of 1000 pixels"))
        let invalid = try CLI.run(["decode", "--max-pixels", "0", Fixtures.path("images/jpeg/pillow/hopper.jpg")])
        #expect(invalid.status != 0)
        #expect(invalid.standardError.contains("--max-pixels: expected a positive number of pixels, got 0"))
    }
}
