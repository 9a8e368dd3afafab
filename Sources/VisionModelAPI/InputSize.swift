import VisionPluginAPI
/// An image size in pixels, height first (as in NCHW).
public struct InputSize: Hashable, Sendable, Codable, CustomStringConvertible {
    public var height: Int
    public var width: Int

    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }

    /// A square size.
    public init(_ side: Int) { self.init(height: side, width: side) }

    /// Whether both sides are at least those of `minimum`.
    public func covers(_ minimum: InputSize) -> Bool { height >= minimum.height && width >= minimum.width }

    /// `32×40` (height × width).
    public var description: String { "\(height)×\(width)" }
}
