import Foundation
import Hummingbird
import MultipartKit

/// The files of a `multipart/form-data` body, in order (MultipartKit's streaming parser).
enum MultipartImages {
    struct Part {
        /// The part's filename, else its field name, else "part N".
        var name: String
        var bytes: [UInt8]
    }

    /// At most this many files per request: each is one image of a batch.
    static let maximumParts = 256

    static func parse(_ body: ByteBuffer, contentType: String) throws(ServeError) -> [Part] {
        guard let boundary = boundary(in: contentType) else {
            throw .badRequest("multipart body without a boundary in its Content-Type")
        }
        var parts: [Part] = []
        var current = Part(name: "", bytes: [])
        var tooMany = false
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in
            guard name.lowercased() == "content-disposition" else { return }
            current.name = parameter("filename", in: value) ?? parameter("name", in: value) ?? current.name
        }
        parser.onBody = { buffer in current.bytes += buffer.readBytes(length: buffer.readableBytes) ?? [] }
        parser.onPartComplete = {
            if parts.count >= maximumParts { tooMany = true; return }
            if current.name.isEmpty { current.name = "part \(parts.count + 1)" }
            parts.append(current)
            current = Part(name: "", bytes: [])
        }
        do {
            try parser.execute(body)
        } catch {
            throw .badRequest("the multipart body is malformed (boundary '\(boundary)')")
        }
        if tooMany { throw .badRequest("more than \(maximumParts) files in one request") }
        if parts.isEmpty { throw .badRequest("the multipart body holds no file") }
        return parts
    }

    static func boundary(in contentType: String) -> String? {
        parameter("boundary", in: contentType)
    }

    /// `key=value` or `key="value"` from a header value's `;`-separated parameters.
    static func parameter(_ key: String, in value: String) -> String? {
        for piece in value.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == key else { continue }
            var text = pair[1]
            if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 { text = String(text.dropFirst().dropLast()) }
            return text.isEmpty ? nil : text
        }
        return nil
    }
}
