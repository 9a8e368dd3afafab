import Foundation
import VisionPluginAPI

/// Why a metric could not be made, updated, merged or computed. Each case names the metric.
public enum MetricError: Error, Equatable, Sendable {
    case unknownMetric(name: String, available: [String], suggestion: String?)
    case duplicateName(name: String)
    case invalidName(name: String)
    case invalidClassCount(metric: String, numClasses: Int, minimum: Int)
    case invalidConfiguration(metric: String, key: String, expected: String, found: String)
    case scoresRequired(metric: String)
    case invalidInput(metric: String, detail: String)
    case incompatibleMerge(metric: String, detail: String)
    case noSamples(metric: String)
    case undefined(metric: String, reason: String)
}

extension MetricError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .unknownMetric(let name, let available, let suggestion):
            let hint = suggestion.map { "did you mean '\($0)'? " } ?? ""
            return "unknown metric '\(name)'; \(hint)available: \(available.joined(separator: ", "))"
        case .duplicateName(let name):
            return "a metric named '\(name)' is already registered"
        case .invalidName(let name):
            return "cannot register metric '\(name)': expected a name of lowercase letters, digits, '_' or '-'"
        case .invalidClassCount(let metric, let numClasses, let minimum):
            return "metric '\(metric)': needs at least \(minimum) classes, got \(numClasses)"
        case .invalidConfiguration(let metric, let key, let expected, let found):
            return "metric '\(metric)': configuration key '\(key)': expected \(expected), got \(found)"
        case .scoresRequired(let metric):
            return "metric '\(metric)' needs class scores (probabilities), but only predicted labels were given"
        case .invalidInput(let metric, let detail):
            return "metric '\(metric)': \(detail)"
        case .incompatibleMerge(let metric, let detail):
            return "metric '\(metric)': cannot merge: \(detail)"
        case .noSamples(let metric):
            return "metric '\(metric)': no samples were added"
        case .undefined(let metric, let reason):
            return "metric '\(metric)' is undefined: \(reason)"
        }
    }
}

extension MetricError: LocalizedError {
    public var errorDescription: String? { description }
}
