import VisionPluginAPI
/// What `compute()` returns. Every field but `value` is optional detail; `value` is the number
/// to rank by (nil only for metrics with no scalar, such as the confusion matrix). Undefined
/// numbers (zero division with the `nan` policy) are NaN in Swift and `null` in JSON.
public struct MetricResult: Sendable, Equatable {
    /// The headline number.
    public var value: Double?
    /// One value per class, indexed by class.
    public var perClass: [Double]?
    /// The averages over classes that the metric defines.
    public var averages: [MetricAverage: Double]
    /// For threshold metrics: the score threshold (a sample is positive when its score ≥ it).
    public var threshold: Double?
    /// A K×K matrix (rows: targets, columns: predictions).
    public var matrix: [[Double]]?
    /// `matrix` with each row divided by its sum (rows with no samples are zeros).
    public var normalizedMatrix: [[Double]]?
    /// Named extra numbers (e.g. the precision reached at the chosen threshold).
    public var details: [String: Double]

    public init(
        value: Double?, perClass: [Double]? = nil, averages: [MetricAverage: Double] = [:],
        threshold: Double? = nil, matrix: [[Double]]? = nil, normalizedMatrix: [[Double]]? = nil,
        details: [String: Double] = [:]
    ) {
        self.value = value
        self.perClass = perClass
        self.averages = averages
        self.threshold = threshold
        self.matrix = matrix
        self.normalizedMatrix = normalizedMatrix
        self.details = details
    }
}

extension MetricResult: Codable {
    private enum CodingKeys: String, CodingKey {
        case value, perClass = "per_class", averages, threshold, matrix
        case normalizedMatrix = "normalized_matrix", details
    }

    // JSON has no NaN or infinity: non-finite numbers travel as null.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(value.flatMap(Self.finite), forKey: .value)
        try container.encodeIfPresent(perClass?.map(Self.finite), forKey: .perClass)
        if !averages.isEmpty {
            try container.encode(
                Dictionary(uniqueKeysWithValues: averages.map { ($0.key.rawValue, Self.finite($0.value)) }),
                forKey: .averages)
        }
        try container.encodeIfPresent(threshold.flatMap(Self.finite), forKey: .threshold)
        try container.encodeIfPresent(matrix?.map { $0.map(Self.finite) }, forKey: .matrix)
        try container.encodeIfPresent(normalizedMatrix?.map { $0.map(Self.finite) }, forKey: .normalizedMatrix)
        if !details.isEmpty { try container.encode(details.mapValues(Self.finite), forKey: .details) }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        value = try container.decodeIfPresent(Double?.self, forKey: .value).map { $0 ?? .nan }
        perClass = try container.decodeIfPresent([Double?].self, forKey: .perClass)?.map { $0 ?? .nan }
        let rawAverages = try container.decodeIfPresent([String: Double?].self, forKey: .averages) ?? [:]
        var averages: [MetricAverage: Double] = [:]
        for (key, value) in rawAverages {
            guard let average = MetricAverage(rawValue: key) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .averages, in: container, debugDescription: "unknown average '\(key)'")
            }
            averages[average] = value ?? .nan
        }
        self.averages = averages
        threshold = try container.decodeIfPresent(Double.self, forKey: .threshold)
        matrix = try container.decodeIfPresent([[Double?]].self, forKey: .matrix)?.map { $0.map { $0 ?? .nan } }
        normalizedMatrix = try container.decodeIfPresent([[Double?]].self, forKey: .normalizedMatrix)?
            .map { $0.map { $0 ?? .nan } }
        details = (try container.decodeIfPresent([String: Double?].self, forKey: .details) ?? [:])
            .mapValues { $0 ?? .nan }
    }

    private static func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }
}
