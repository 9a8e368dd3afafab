import VisionMetricAPI

/// How far confidence is from accuracy, averaged over equal-width confidence bins (Guo et al. 2017).
///
/// Confidence is a sample's highest class score and it is correct when that class (the lowest
/// index among ties) is the target; `predictions` are not used. Bin b holds confidences in
/// (b/B, (b+1)/B]; ECE = Σ_b (n_b / N)·|accuracy_b − mean confidence_b|.
public struct ExpectedCalibrationError: ConfigurableMetric {
    public struct Configuration: StrictDecodable, Sendable, Equatable {
        /// The number of equal-width bins over [0, 1].
        public var bins = 15

        enum CodingKeys: String, CodingKey, CaseIterable { case bins }
        public static let allowedKeys = CodingKeys.allCases.map(\.stringValue)

        public init(bins: Int = 15) { self.bins = bins }
        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            bins = try container.decodeIfPresent(Int.self, forKey: .bins) ?? 15
        }
    }

    public static let descriptor = MetricDescriptor(
        name: "expected_calibration_error",
        summary: "Mean gap between confidence and accuracy over equal-width confidence bins (bins: default 15).",
        goal: .minimize, inputs: .scores)

    public let numClasses: Int
    public let configuration: Configuration
    public let bins: Int
    /// Per bin: samples, summed confidence, correct samples. Sums merge exactly.
    public private(set) var counts: [Int]
    public private(set) var confidenceSums: [Double]
    public private(set) var correctCounts: [Int]

    public init(numClasses: Int, configuration: Configuration = Configuration()) throws {
        try ConfigurationCheck.minimumClasses(numClasses, 2, metric: Self.descriptor.name)
        guard (1...10_000).contains(configuration.bins) else {
            throw MetricError.invalidConfiguration(
                metric: Self.descriptor.name, key: "bins", expected: "an integer in 1...10000",
                found: String(configuration.bins))
        }
        self.numClasses = numClasses
        self.configuration = configuration
        bins = configuration.bins
        counts = Array(repeating: 0, count: bins)
        confidenceSums = Array(repeating: 0, count: bins)
        correctCounts = Array(repeating: 0, count: bins)
    }

    /// The bin of a confidence: (b/B, (b+1)/B], edges computed as b/B exactly.
    public static func bin(of confidence: Double, bins: Int) -> Int {
        let count = Double(bins)
        var index = min(max(Int((confidence * count).rounded(.up)) - 1, 0), bins - 1)
        while index > 0 && confidence <= Double(index) / count { index -= 1 }
        while index < bins - 1 && confidence > Double(index + 1) / count { index += 1 }
        return index
    }

    public mutating func update(predictions: [Int], scores: [Float]?, targets: [Int]) throws {
        try MetricInputCheck.check(
            metric: name, numClasses: numClasses, predictions: predictions, scores: scores, targets: targets,
            needsScores: true)
        guard let scores else { throw MetricError.scoresRequired(metric: name) }
        try MetricInputCheck.checkProbabilities(metric: name, numClasses: numClasses, scores: scores)
        for (row, target) in targets.enumerated() {
            var best = 0
            for k in 1..<numClasses where scores[row * numClasses + k] > scores[row * numClasses + best] { best = k }
            let confidence = Double(scores[row * numClasses + best])
            let index = Self.bin(of: confidence, bins: bins)
            counts[index] += 1
            confidenceSums[index] += confidence
            if best == target { correctCounts[index] += 1 }
        }
    }

    public func compute() throws -> MetricResult {
        let total = counts.reduce(0, +)
        guard total > 0 else { throw MetricError.noSamples(metric: name) }
        var ece = 0.0, worst = 0.0
        for b in 0..<bins where counts[b] > 0 {
            let n = Double(counts[b])
            let gap = abs(Double(correctCounts[b]) / n - confidenceSums[b] / n)
            ece += n / Double(total) * gap
            worst = max(worst, gap)
        }
        return MetricResult(value: ece, details: ["max_calibration_error": worst, "bins": Double(bins)])
    }

    public mutating func reset() {
        counts = Array(repeating: 0, count: bins)
        confidenceSums = Array(repeating: 0, count: bins)
        correctCounts = Array(repeating: 0, count: bins)
    }

    public mutating func merge(_ other: any MetricPlugin) throws {
        guard let other = other as? ExpectedCalibrationError, other.numClasses == numClasses, other.bins == bins else {
            throw MetricError.incompatibleMerge(
                metric: name, detail: "expected metric '\(name)' with \(numClasses) classes and \(bins) bins")
        }
        for b in 0..<bins {
            counts[b] += other.counts[b]
            confidenceSums[b] += other.confidenceSums[b]
            correctCounts[b] += other.correctCounts[b]
        }
    }

    public func state() -> MetricState {
        MetricState(
            metric: name, numClasses: numClasses,
            arrays: [
                "counts": counts.map(Double.init), "confidence_sums": confidenceSums, "correct_counts": correctCounts.map(Double.init),
            ])
    }

    public mutating func load(_ state: MetricState) throws {
        let counts = try state.counts("counts", of: name, numClasses: numClasses, count: bins)
        let sums = try state.array("confidence_sums", of: name, numClasses: numClasses, count: bins)
        let correct = try state.counts("correct_counts", of: name, numClasses: numClasses, count: bins)
        guard zip(correct, counts).allSatisfy({ $0 <= $1 }), sums.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw MetricError.incompatibleMerge(metric: name, detail: "the bins do not add up")
        }
        self.counts = counts
        confidenceSums = sums
        correctCounts = correct
    }
}
