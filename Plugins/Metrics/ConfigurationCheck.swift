import VisionMetricAPI

/// Shared checks for configuration values, with errors naming the metric and key.
enum ConfigurationCheck {
    static func minimumClasses(_ numClasses: Int, _ minimum: Int, metric: String) throws {
        if numClasses < minimum {
            throw MetricError.invalidClassCount(metric: metric, numClasses: numClasses, minimum: minimum)
        }
    }

    static func positiveClass(_ positiveClass: Int, numClasses: Int, metric: String) throws {
        guard (0..<numClasses).contains(positiveClass) else {
            throw MetricError.invalidConfiguration(
                metric: metric, key: "positive_class", expected: "a class index in 0..<\(numClasses)",
                found: String(positiveClass))
        }
    }

    static func binaryAveraging(_ average: Averaging, numClasses: Int, metric: String) throws {
        if average == .binary && numClasses != 2 {
            throw MetricError.invalidConfiguration(
                metric: metric, key: "average", expected: "'macro', 'micro' or 'weighted' for \(numClasses) classes ('binary' needs 2)",
                found: "\"binary\"")
        }
    }

    static func unitInterval(_ value: Double, key: String, metric: String) throws {
        guard value.isFinite, (0...1).contains(value) else {
            throw MetricError.invalidConfiguration(
                metric: metric, key: key, expected: "a number in [0, 1]", found: String(value))
        }
    }
}
