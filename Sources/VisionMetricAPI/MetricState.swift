import VisionPluginAPI

/// A metric's accumulated state as named arrays of numbers: what sharded and distributed
/// evaluation send between processes (JSON-encodable; counts are exact up to 2⁵³).
public struct MetricState: Codable, Sendable, Equatable {
    /// The metric's registry name.
    public var metric: String
    public var numClasses: Int
    /// The state's parts by name (`confusion`, `scores`, `targets`, …).
    public var arrays: [String: [Double]]

    public init(metric: String, numClasses: Int, arrays: [String: [Double]]) {
        self.metric = metric
        self.numClasses = numClasses
        self.arrays = arrays
    }

    /// The part `key`, checked against the expected metric, class count and, when given, length.
    public func array(_ key: String, of metric: String, numClasses: Int, count: Int? = nil) throws -> [Double] {
        guard self.metric == metric else {
            throw MetricError.incompatibleMerge(metric: metric, detail: "the state is metric '\(self.metric)'")
        }
        guard self.numClasses == numClasses else {
            throw MetricError.incompatibleMerge(
                metric: metric, detail: "expected \(numClasses) classes, the state has \(self.numClasses)")
        }
        guard let values = arrays[key] else {
            throw MetricError.incompatibleMerge(metric: metric, detail: "the state has no '\(key)'")
        }
        if let count, values.count != count {
            throw MetricError.incompatibleMerge(metric: metric, detail: "'\(key)' has \(values.count) numbers, expected \(count)")
        }
        return values
    }

    /// The part `key` as non-negative integers.
    public func counts(_ key: String, of metric: String, numClasses: Int, count: Int? = nil) throws -> [Int] {
        try array(key, of: metric, numClasses: numClasses, count: count).map { value in
            guard value >= 0, value <= 9_007_199_254_740_992, value == value.rounded() else {
                throw MetricError.incompatibleMerge(metric: metric, detail: "'\(key)' holds \(value), expected a count")
            }
            return Int(value)
        }
    }
}

extension MetricPlugin {
    /// Adds a serialised state of the same metric, class count and configuration.
    public mutating func merge(state: MetricState) throws {
        var other = self
        try other.load(state)
        try merge(other)
    }
}
