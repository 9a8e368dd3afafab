import VisionMetricAPI

/// Registers every built-in metric. The CLI calls it once at startup; importing VisionMetrics
/// registers nothing by itself. Throws `MetricError.duplicateName` if one is already there.
public func registerBuiltinMetrics(in registry: MetricRegistry) throws {
    // The one table of built-ins; a new metric is one file plus one line here.
    let builtins: [any ConfigurableMetric.Type] = [
        Accuracy.self,
        BalancedAccuracy.self,
        TopKAccuracy.self,
        Precision.self,
        Recall.self,
        F1Score.self,
        FBetaScore.self,
        ConfusionMatrixCounts.self,
        CohenKappa.self,
        MatthewsCorrelation.self,
        LogLoss.self,
        ROCAUC.self,
        AveragePrecision.self,
        ExpectedCalibrationError.self,
        RecallAtPrecision.self,
        PrecisionAtRecall.self,
    ]
    for metric in builtins { try registry.register(metric) }
}
