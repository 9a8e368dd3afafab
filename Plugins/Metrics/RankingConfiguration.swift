import VisionMetricAPI

/// Configuration shared by ROC-AUC and average precision.
public struct RankingConfiguration: StrictDecodable, Sendable, Equatable {
    /// The headline for more than two classes (one-vs-rest): macro, weighted or micro.
    public var average: Averaging = .macro
    /// The positive class for two classes; its score column is ranked.
    public var positiveClass = 1

    enum CodingKeys: String, CodingKey, CaseIterable { case average, positiveClass = "positive_class" }
    public static let allowedKeys = CodingKeys.allCases.map(\.stringValue)

    public init(average: Averaging = .macro, positiveClass: Int = 1) {
        self.average = average
        self.positiveClass = positiveClass
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        average = try StrictDecoder.decodeChoice(Averaging.self, from: container, forKey: .average) ?? .macro
        positiveClass = try container.decodeIfPresent(Int.self, forKey: .positiveClass) ?? 1
    }

    func validate(numClasses: Int, metric: String) throws {
        try ConfigurationCheck.minimumClasses(numClasses, 2, metric: metric)
        try ConfigurationCheck.binaryAveraging(average, numClasses: numClasses, metric: metric)
        try ConfigurationCheck.positiveClass(positiveClass, numClasses: numClasses, metric: metric)
    }
}
