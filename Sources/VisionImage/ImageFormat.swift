/// The encoded formats vision reads, recognised by their first bytes, never by file extension.
public enum ImageFormat: String, Sendable, Codable, CaseIterable {
    case png
    case jpeg

    public var displayName: String {
        switch self {
        case .png: return "PNG"
        case .jpeg: return "JPEG"
        }
    }

    private static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The format whose magic bytes start `bytes`, or nil.
    public static func detect<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> ImageFormat? {
        if bytes.starts(with: pngSignature) { return .png }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        return nil
    }

    /// True when 6 or 7 of the 8 PNG signature bytes are right: a PNG damaged in transfer (FTP
    /// text mode turns CR LF into LF, for example), worth naming as such rather than "unknown".
    static func looksLikeDamagedPNG<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Bool {
        let head = Array(bytes.prefix(8))
        guard head.count == 8 else { return false }
        let matching = zip(head, pngSignature).filter { $0 == $1 }.count
        return matching >= 6 && matching < 8
    }

    /// A readable rendering of the first bytes of an unrecognised file, for error messages:
    /// hex, plus the printable ASCII, e.g. `3c 68 74 6d 6c 3e ("<html>")`.
    static func describeStart<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        let head = Array(bytes.prefix(8))
        let hex = head.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: " ")
        let ascii = String(head.map { (0x20..<0x7F).contains($0) ? Character(UnicodeScalar($0)) : "." })
        return "\(hex) (\"\(ascii)\")"
    }
}
