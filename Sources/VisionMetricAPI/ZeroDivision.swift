import VisionPluginAPI
/// What a ratio is when its denominator is zero (precision of a class never predicted, recall of
/// a class absent from the targets). Written in configurations as `0`, `1` or `"nan"`.
public enum ZeroDivision: Sendable, Hashable, CaseIterable {
    case zero
    case one
    /// Undefined: the per-class value is NaN and averages leave it out (scikit-learn's `np.nan`).
    case undefined

    /// The value used in place of 0/0.
    public var value: Double {
        switch self {
        case .zero: return 0
        case .one: return 1
        case .undefined: return .nan
        }
    }

    /// `numerator / denominator`, or the policy's value when the denominator is zero.
    public func divide(_ numerator: Double, _ denominator: Double) -> Double {
        denominator == 0 ? value : numerator / denominator
    }
}

extension ZeroDivision: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            if number == 0 { self = .zero; return }
            if number == 1 { self = .one; return }
        } else if let text = try? container.decode(String.self), ["nan", "undefined"].contains(text.lowercased()) {
            self = .undefined
            return
        }
        throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected 0, 1 or \"nan\"")
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .zero: try container.encode(0)
        case .one: try container.encode(1)
        case .undefined: try container.encode("nan")
        }
    }
}
