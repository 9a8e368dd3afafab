import VisionPluginAPI
/// Per-class values reduced to the averages scikit-learn and torchmetrics report.
public enum ClassReduction {
    /// The mean of `values` over the classes in `included`, skipping NaN (undefined) values.
    /// NaN when nothing is left.
    public static func macro(_ values: [Double], included: [Bool]? = nil) -> Double {
        var sum = 0.0, count = 0
        for (index, value) in values.enumerated() where !value.isNaN && (included.map { index < $0.count && $0[index] } ?? true) {
            sum += value
            count += 1
        }
        return count == 0 ? .nan : sum / Double(count)
    }

    /// The mean of `values` weighted by `weights`, skipping NaN values; the plain mean when the
    /// remaining weights sum to 0 (as scikit-learn's `_nanaverage`), NaN when nothing is left.
    public static func weighted(_ values: [Double], weights: [Double]) -> Double {
        var sum = 0.0, total = 0.0
        for (value, weight) in zip(values, weights) where !value.isNaN {
            sum += value * weight
            total += weight
        }
        return total == 0 ? macro(values) : sum / total
    }
}
