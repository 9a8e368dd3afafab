import VisionMetricAPI

/// Configuration shared by precision, recall and F1 (F-beta adds `beta`).
public struct ClassScoreConfiguration: StrictDecodable, Sendable, Equatable {
    /// Which average is the headline value.
    public var average: Averaging = .macro
    /// The per-class value when a denominator is zero.
    public var zeroDivision: ZeroDivision = .zero
    /// The class reported by `average: binary`.
    public var positiveClass = 1

    enum CodingKeys: String, CodingKey, CaseIterable {
        case average, zeroDivision = "zero_division", positiveClass = "positive_class"
    }
    public static let allowedKeys = CodingKeys.allCases.map(\.stringValue)

    public init(average: Averaging = .macro, zeroDivision: ZeroDivision = .zero, positiveClass: Int = 1) {
        self.average = average
        self.zeroDivision = zeroDivision
        self.positiveClass = positiveClass
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        average = try StrictDecoder.decodeChoice(Averaging.self, from: container, forKey: .average) ?? .macro
        zeroDivision = try container.decodeIfPresent(ZeroDivision.self, forKey: .zeroDivision) ?? .zero
        positiveClass = try container.decodeIfPresent(Int.self, forKey: .positiveClass) ?? 1
    }

    func validate(numClasses: Int, metric: String) throws {
        try ConfigurationCheck.minimumClasses(numClasses, 2, metric: metric)
        try ConfigurationCheck.binaryAveraging(average, numClasses: numClasses, metric: metric)
        try ConfigurationCheck.positiveClass(positiveClass, numClasses: numClasses, metric: metric)
    }
}
