import Foundation
import VisionModelAPI

/// An input size as users write it: `64` (square) or `96x64` (width × height). Encoded the same
/// way, so config files read back what they wrote.
public struct ImageSize: Codable, Sendable, Hashable, CustomStringConvertible {
    public var width: Int
    public var height: Int

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// Parses `S` or `WxH` (`×` works too); sides must be positive.
    public init(parsing text: String) throws(RunSpecificationError) {
        let parts = text.lowercased().replacingOccurrences(of: "×", with: "x").split(separator: "x", omittingEmptySubsequences: false)
        let sides = parts.map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard (1...2).contains(sides.count), let width = sides[0], let height = sides.count == 2 ? sides[1] : width,
            width > 0, height > 0, width <= Self.largestSide, height <= Self.largestSide
        else {
            throw .invalidValue(key: "image_size", expected: "a side S or WxH in pixels (1...\(Self.largestSide))", found: text)
        }
        self.init(width: width, height: height)
    }

    /// Larger inputs than this are surely a typo, and would overflow buffer sizes later.
    public static let largestSide = 16_384

    /// The model API's height-first size.
    public var inputSize: InputSize { InputSize(height: height, width: width) }

    public init(_ size: InputSize) { self.init(width: size.width, height: size.height) }

    /// `64` or `96x64`.
    public var description: String { width == height ? "\(width)" : "\(width)x\(height)" }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let side = try? container.decode(Int.self) {
            try self.init(parsing: String(side))
        } else {
            let text = try container.decode(String.self)
            do {
                try self.init(parsing: text)
            } catch {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected a side S or WxH in pixels")
            }
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        if width == height { try container.encode(width) } else { try container.encode(description) }
    }
}
