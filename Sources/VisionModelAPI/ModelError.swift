import Foundation
import VisionPluginAPI

/// Why a model could not be registered, found or built. Each case names the model.
public enum ModelError: Error, Equatable, Sendable {
    case unknownModel(name: String, available: [String], suggestion: String?)
    case duplicateName(name: String, source: String?)
    case invalidName(name: String)
    case inputTooSmall(model: String, minimum: InputSize, got: InputSize)
    case inputTooLarge(model: String, maximum: InputSize, got: InputSize)
    case invalidClassCount(model: String, classes: Int)
    case invalidChannelCount(model: String, channels: Int)
    case invalidConfiguration(model: String, key: String, expected: String, found: String)
    case buildFailed(model: String, detail: String)
    case pluginFolder(path: String, detail: String)
    case unknownFormat(model: String, format: String)
    case noFeatureMaps(model: String)
    /// `features(fromMaps:)` does not give what `features(_:)` does (a plugin that overrides
    /// `featureMaps` without it).
    case featurePathMismatch(model: String)
}

extension ModelError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .unknownModel(let name, let available, let suggestion):
            let hint = suggestion.map { "did you mean '\($0)'? " } ?? ""
            return "unknown model '\(name)'; \(hint)available: \(available.joined(separator: ", "))"
        case .duplicateName(let name, let source):
            return "\(source.map { "\($0): " } ?? "")a model named '\(name)' is already registered"
        case .invalidName(let name):
            return "cannot register model '\(name)': expected a name of lowercase letters, digits, '_', '-' or '.'"
        case .inputTooLarge(let model, let maximum, let got):
            return "model '\(model)': input \(got) is too large; it takes at most \(maximum) (height×width) before its weights or activations outgrow memory"
        case .inputTooSmall(let model, let minimum, let got):
            return "model '\(model)': input \(got) is too small; it takes at least \(minimum) (height×width)"
        case .invalidClassCount(let model, let classes):
            return "model '\(model)': expected at least 1 class, got \(classes)"
        case .invalidChannelCount(let model, let channels):
            return "model '\(model)': expected at least 1 input channel, got \(channels)"
        case .invalidConfiguration(let model, let key, let expected, let found):
            return "model '\(model)': configuration key '\(key)': expected \(expected), got \(found)"
        case .buildFailed(let model, let detail):
            return "model '\(model)' could not be built: \(detail)"
        case .pluginFolder(let path, let detail):
            return "plugin folder \(path): \(detail)"
        case .noFeatureMaps(let model):
            return "model '\(model)' has no convolutional feature maps (heat maps need a convolutional model)"
        case .featurePathMismatch(let model):
            return "model '\(model)': features(fromMaps:) does not reproduce features(_:), so heat maps would explain another network (the plugin must override features(fromMaps:) with what follows its featureMaps)"
        case .unknownFormat(let model, let format):
            return "model '\(model)' is written in '\(format)', a model definition format this vision does not know"
        }
    }
}

extension ModelError: LocalizedError {
    public var errorDescription: String? { description }
}
