import VisionImage

/// Feature rows and formats of image files, decoded as the model decodes them (so that a
/// training fingerprint and a folder checked later are measured alike). Unreadable files are
/// left out and counted.
public struct DriftSample: Sendable {
    public var rows: [[Double]] = []
    public var formats: [String] = []
    public var paths: [String] = []
    public var unreadable = 0

    /// At most `limit` files, evenly spaced over `paths`.
    public init(_ paths: [String], options: DecodeOptions, limit: Int = 2000) {
        let step = max(1, paths.count / max(limit, 1))
        for index in stride(from: 0, to: paths.count, by: step) {
            do {
                let decoded = try ImageDecoder.decode(contentsOf: paths[index], options: options)
                rows.append(DriftFeatures.measure(decoded))
                formats.append(decoded.format.rawValue)
                self.paths.append(paths[index])
            } catch {
                unreadable += 1
            }
        }
    }
}
