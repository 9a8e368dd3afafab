import Foundation

/// Current inputs against the training fingerprint: per feature the population stability index
/// (PSI) and the Kolmogorov–Smirnov statistic, the shift of the predicted classes (PSI) and of the
/// format mix, and a verdict.
///
/// Thresholds, the usual ones for PSI: below 0.1 `ok`, 0.1 to 0.25 `warn`, 0.25 and above `drift`.
/// Small windows make PSI noisy, and ten features are tested at once, so a feature only counts
/// when its KS statistic is also significant (p < 0.001 for `drift`, p < 0.01 for `warn`); below
/// `minimumImages` the verdict is `insufficient_data`.
public struct DriftReport: Codable, Sendable, Equatable {
    public enum Verdict: String, Codable, Sendable, Comparable {
        case insufficientData = "insufficient_data", ok, warn, drift

        var rank: Int { [.insufficientData: 0, .ok: 1, .warn: 2, .drift: 3][self] ?? 0 }
        public static func < (a: Verdict, b: Verdict) -> Bool { a.rank < b.rank }
    }

    public struct Feature: Codable, Sendable, Equatable {
        public var name: String
        public var psi: Double
        public var ks: Double
        /// KS statistic above which the difference is significant at p < 0.01 for these sample sizes.
        public var ksCritical: Double
        public var trainingMean: Double
        public var currentMean: Double
        public var verdict: Verdict

        enum CodingKeys: String, CodingKey {
            case name, psi, ks, ksCritical = "ks_critical", trainingMean = "training_mean", currentMean = "current_mean", verdict
        }
    }

    public static let warnPSI = 0.1
    public static let driftPSI = 0.25
    public static let minimumImages = 50

    public var images: Int
    public var verdict: Verdict
    public var features: [Feature]
    public var predictedClassesPSI: Double?
    public var predictedClasses: [String: Double]?
    public var formats: [String: Double]
    public var thresholds: [String: Double]

    enum CodingKeys: String, CodingKey {
        case images, verdict, features, formats, thresholds
        case predictedClassesPSI = "predicted_classes_psi", predictedClasses = "predicted_classes"
    }

    /// Compares `rows` (feature rows of the current images), their formats and predicted classes
    /// with `fingerprint`.
    public init(fingerprint: DriftFingerprint, rows: [[Double]], formats: [String], predicted: [Int], classes: [String]) {
        images = rows.count
        thresholds = ["warn_psi": Self.warnPSI, "drift_psi": Self.driftPSI, "minimum_images": Double(Self.minimumImages)]
        let n = Double(max(rows.count, 1))
        features = fingerprint.features.enumerated().compactMap { index, reference in
            guard index < DriftFeatures.names.count else { return nil }
            let values = rows.map { $0[index] }.sorted()
            let psi = Self.psi(expected: reference.shares, actual: DriftFingerprint.shares(values, edges: reference.edges))
            let ks = Self.ks(reference.sample, values)
            let m = Double(max(reference.sample.count, 1))
            // c(α) √((n + m) / (n m)): 1.949 for α = 0.001, 1.628 for α = 0.01.
            let scale = ((n + m) / (n * m)).squareRoot()
            var verdict = Verdict.ok
            if psi >= Self.driftPSI && ks > 1.949 * scale {
                verdict = .drift
            } else if psi >= Self.warnPSI && ks > 1.628 * scale {
                verdict = .warn
            }
            return Feature(
                name: reference.name, psi: psi, ks: ks, ksCritical: 1.628 * scale,
                trainingMean: reference.sample.reduce(0, +) / m, currentMean: values.reduce(0, +) / n, verdict: verdict)
        }
        var counts: [String: Double] = [:]
        for format in formats { counts[format, default: 0] += 1 }
        self.formats = counts.mapValues { $0 / Double(max(formats.count, 1)) }
        var worst = features.map(\.verdict).max() ?? .ok
        if let expected = fingerprint.predictedClasses, expected.count == classes.count, !predicted.isEmpty {
            var shares = [Double](repeating: 0, count: classes.count)
            for label in predicted where label < shares.count { shares[label] += 1 / Double(predicted.count) }
            let psi = Self.psi(expected: expected, actual: shares)
            predictedClassesPSI = psi
            predictedClasses = Dictionary(uniqueKeysWithValues: zip(classes, shares))
            // The class mix moves with the data, but also with the world: it can warn, not decide
            // alone, and only when a chi-square test (p < 0.01) says the shift is not chance.
            let chiSquare = Double(predicted.count) * zip(expected, shares).reduce(0) { $0 + ($1.1 - $1.0) * ($1.1 - $1.0) / max($1.0, 1e-4) }
            if psi >= Self.warnPSI && chiSquare > Self.chiSquareCritical(degrees: max(classes.count - 1, 1)) { worst = max(worst, .warn) }
        }
        verdict = rows.count < Self.minimumImages ? .insufficientData : worst
    }

    /// The chi-square value above which p < 0.01 (Wilson–Hilferty's approximation).
    static func chiSquareCritical(degrees: Int) -> Double {
        let k = Double(degrees)
        let term = 1 - 2 / (9 * k) + 2.326 * (2 / (9 * k)).squareRoot()
        return k * term * term * term
    }

    /// Σ (a − e) ln(a / e), shares floored at 10⁻⁴ so that an empty bin is finite.
    static func psi(expected: [Double], actual: [Double]) -> Double {
        zip(expected, actual).reduce(0) { total, pair in
            let e = max(pair.0, 1e-4), a = max(pair.1, 1e-4)
            return total + (a - e) * log(a / e)
        }
    }

    /// The largest gap between the two empirical distribution functions (both sorted).
    static func ks(_ a: [Double], _ b: [Double]) -> Double {
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        var i = 0, j = 0, gap = 0.0
        while i < a.count && j < b.count {
            let x = min(a[i], b[j])
            while i < a.count && a[i] <= x { i += 1 }
            while j < b.count && b[j] <= x { j += 1 }
            gap = max(gap, abs(Double(i) / Double(a.count) - Double(j) / Double(b.count)))
        }
        return gap
    }
}
