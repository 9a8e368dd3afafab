import ArgumentParser
import Foundation
import VisionImage

/// `vision decode`: what each file holds, or why it cannot be read.
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode image files and report format, size, channels, bit depth and EXIF orientation.",
        discussion: """
            Width and height are after EXIF orientation (what a model sees). Every file is \
            reported; the exit status is non-zero when any failed.
            """
    )

    @Argument(help: "Image files (PNG or JPEG, recognised by content).")
    var paths: [String]

    @Flag(help: "One JSON object per line instead of a table.")
    var json = false

    @Option(name: .customLong("save-to"), help: "Write each decoded image as an 8-bit PNG into this folder (never over a source or an existing file without --overwrite).")
    var saveTo: String?

    @Flag(help: "With --save-to: replace files that are already there (never the images being decoded).")
    var overwrite = false

    @Option(help: "Channels to decode to.")
    var channels: ChannelLayout = .asStored

    @OptionGroup(title: "Limits")
    var decodeLimits: DecodeLimitOptions

    @Flag(name: .customLong("allow-truncated"), help: "Accept truncated files, filling what is missing.")
    var allowTruncated = false

    func run() throws {
        if let saveTo { try OutputFolder.prepare(saveTo) }
        let options = DecodeOptions(layout: channels, limits: decodeLimits.limits, allowTruncated: allowTruncated)
        let sources = Set(paths.map { URL(fileURLWithPath: $0).standardizedFileURL.resolvingSymlinksInPath().path })
        var failures = 0
        var savedNames = Set<String>()
        var table = DecodeTable()
        for path in paths {
            do {
                let decoded = try ImageDecoder.decode(contentsOf: path, options: options)
                var savedAs: String?
                if let saveTo {
                    let name = OutputFolder.uniqueName(for: path, taken: &savedNames)
                    let target = (saveTo as NSString).appendingPathComponent(name)
                    let resolved = URL(fileURLWithPath: target).standardizedFileURL.resolvingSymlinksInPath().path
                    if sources.contains(resolved) {
                        throw CLIError("\(target): is one of the images being decoded; choose another --save-to folder")
                    }
                    if !overwrite && FileManager.default.fileExists(atPath: target) {
                        throw CLIError("\(target): already exists; pass --overwrite to replace it")
                    }
                    try PNGEncoder.write(decoded.image, to: target)
                    savedAs = target
                }
                if json {
                    print(JSONLine.encode(DecodeReport(path: path, decoded: decoded)))
                } else {
                    table.add(path: path, decoded: decoded, savedAs: savedAs)
                }
            } catch {
                failures += 1
                if json {
                    print(JSONLine.encode(DecodeFailure(path: path, error: "\(error)")))
                } else {
                    table.add(path: path, error: "\(error)")
                }
            }
        }
        if !json { table.print(failures: failures) }
        if failures > 0 { throw ExitCode(1) }
    }
}

extension ChannelLayout: ExpressibleByArgument {}

struct DecodeReport: Encodable {
    let path: String
    let format: String
    let width: Int
    let height: Int
    let channels: Int
    let bitDepth: Int
    let orientation: Int
    let truncated: Bool?

    init(path: String, decoded: DecodedImage) {
        self.path = path
        format = decoded.format.rawValue
        width = decoded.image.width
        height = decoded.image.height
        channels = decoded.image.channels
        bitDepth = decoded.bitDepth
        orientation = decoded.orientation
        truncated = decoded.isTruncated ? true : nil
    }
}

struct DecodeFailure: Encodable {
    let path: String
    let error: String
}

/// The human-readable form of `vision decode`.
struct DecodeTable {
    private var rows: [[String]] = []
    private var errors: [String] = []

    mutating func add(path: String, decoded: DecodedImage, savedAs: String?) {
        var row = [
            path, decoded.format.displayName, "\(decoded.image.width)×\(decoded.image.height)",
            "\(decoded.image.channels)", "\(decoded.bitDepth)", "\(decoded.orientation)",
        ]
        var notes: [String] = []
        if decoded.isInterlaced { notes.append(decoded.format == .png ? "interlaced" : "progressive") }
        if decoded.isTruncated { notes.append("TRUNCATED") }
        if let savedAs { notes.append("→ \(savedAs)") }
        row.append(notes.joined(separator: ", "))
        rows.append(row)
    }

    mutating func add(path: String, error: String) {
        rows.append([path, "error", "", "", "", "", ""])
        errors.append(error)
    }

    func print(failures: Int) {
        let header = ["file", "format", "size", "channels", "bits", "orientation", ""]
        Swift.print(TextTable.render(header: header, rows: rows))
        for error in errors { Swift.print("error: \(error)") }
        let decoded = rows.count - failures
        Swift.print("\(decoded) decoded, \(failures) failed")
    }
}
