import VisionMetricAPI

/// Which number a per-class metric reports as its headline `value`. Every result carries all
/// per-class values and averages; this only picks one.
public enum Averaging: String, Sendable, CaseIterable, Equatable {
    case macro
    case micro
    case weighted
    /// The value of the positive class (`positive_class`); two-class problems only.
    case binary
}
