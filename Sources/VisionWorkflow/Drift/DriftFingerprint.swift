/// The training inputs, summarised for drift monitoring and stored in the model file (`drift`):
/// for each feature of `DriftFeatures`, decile bin edges with the training share in each bin
/// (for the population stability index) and a sorted sample (for the Kolmogorov–Smirnov
/// statistic); the format mix; and the predicted-class shares on the validation split.
public struct DriftFingerprint: Codable, Sendable, Equatable {
    public struct Feature: Codable, Sendable, Equatable {
        public var name: String
        /// Interior bin edges (ascending, distinct): bins are (-∞, e0], (e0, e1], …, (eN, ∞).
        public var edges: [Double]
        /// The training share in each bin (edges.count + 1 values, summing to 1).
        public var shares: [Double]
        /// Up to 200 training values, sorted, to 4 decimals (the file stays small).
        public var sample: [Double]
    }

    public var images: Int
    public var features: [Feature]
    /// Share of each stored format ("png", "jpeg") in the training images.
    public var formats: [String: Double]
    /// Predicted-class shares on the validation split, in the model's class order.
    public var predictedClasses: [Double]?

    enum CodingKeys: String, CodingKey {
        case images, features, formats, predictedClasses = "predicted_classes"
    }

    /// From the training images' feature rows (`DriftFeatures.measure`) and formats.
    public init(rows: [[Double]], formats: [String], predictedClasses: [Double]?) {
        images = rows.count
        features = DriftFeatures.names.indices.map { index in
            let values = rows.map { $0[index] }.sorted()
            var edges: [Double] = []
            for decile in 1..<10 where !values.isEmpty {
                let edge = values[min(values.count - 1, decile * values.count / 10)]
                if edges.last.map({ edge > $0 }) ?? true { edges.append(edge) }
            }
            let shares = Self.shares(values, edges: edges)
            let step = max(1, (values.count + 199) / 200)
            let sample = stride(from: 0, to: values.count, by: step).map { (values[$0] * 10_000).rounded() / 10_000 }
            return Feature(name: DriftFeatures.names[index], edges: edges, shares: shares, sample: sample)
        }
        var counts: [String: Double] = [:]
        for format in formats { counts[format, default: 0] += 1 }
        self.formats = counts.mapValues { $0 / Double(max(formats.count, 1)) }
        self.predictedClasses = predictedClasses
    }

    /// The share of `values` in each bin the edges make.
    static func shares(_ values: [Double], edges: [Double]) -> [Double] {
        var counts = [Double](repeating: 0, count: edges.count + 1)
        for value in values {
            var bin = 0
            while bin < edges.count && value > edges[bin] { bin += 1 }
            counts[bin] += 1
        }
        let total = Double(max(values.count, 1))
        return counts.map { $0 / total }
    }
}
