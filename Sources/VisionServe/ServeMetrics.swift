import Metrics
import Prometheus
import VisionWorkflow

/// The server's figures, through swift-metrics into a Prometheus registry of its own (no global
/// bootstrap, so that several servers, or tests, each keep their own): requests by route and
/// status, latency, batch sizes, queue depth, network runs, images decoded and refused.
public final class ServeMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let factory: PrometheusMetricsFactory

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(20), .milliseconds(50),
            .milliseconds(100), .milliseconds(200), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10),
        ]
        factory.valueHistogramBuckets = ["vision_batch_size": [1, 2, 4, 8, 16, 32, 64, 128, 256]]
        self.factory = factory
    }

    func request(route: String, status: Int, duration: Duration) {
        Counter(label: "vision_requests_total", dimensions: [("route", route), ("status", String(status))], factory: factory).increment()
        Metrics.Timer(label: "vision_request_duration_seconds", dimensions: [("route", route)], factory: factory)
            .recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    func batch(model: String, size: Int) {
        Recorder(label: "vision_batch_size", dimensions: [("model", model)], aggregate: true, factory: factory).record(size)
        Counter(label: "vision_network_runs_total", dimensions: [("model", model)], factory: factory).increment()
    }

    func queueDepth(model: String, _ depth: Int) {
        Gauge(label: "vision_queue_depth", dimensions: [("model", model)], factory: factory).record(depth)
    }

    func image(model: String, decoded: Bool) {
        Counter(label: decoded ? "vision_images_decoded_total" : "vision_images_refused_total", dimensions: [("model", model)], factory: factory)
            .increment()
    }

    func captureFailed(model: String) {
        Counter(label: "vision_capture_errors_total", dimensions: [("model", model)], factory: factory).increment()
    }

    /// The drift figures of a model: PSI and KS per feature, the class-mix PSI, and the verdict
    /// as a number (-1 insufficient data, 0 ok, 1 warn, 2 drift).
    func drift(model: String, _ report: DriftReport) {
        for feature in report.features {
            Gauge(label: "vision_drift_psi", dimensions: [("model", model), ("feature", feature.name)], factory: factory).record(feature.psi)
            Gauge(label: "vision_drift_ks", dimensions: [("model", model), ("feature", feature.name)], factory: factory).record(feature.ks)
        }
        if let psi = report.predictedClassesPSI {
            Gauge(label: "vision_drift_predicted_classes_psi", dimensions: [("model", model)], factory: factory).record(psi)
        }
        let verdict: Double = [.insufficientData: -1, .ok: 0, .warn: 1, .drift: 2][report.verdict] ?? -1
        Gauge(label: "vision_drift_verdict", dimensions: [("model", model)], factory: factory).record(verdict)
        Gauge(label: "vision_drift_window_images", dimensions: [("model", model)], factory: factory).record(report.images)
    }

    /// The Prometheus text exposition.
    public func text() -> String { registry.emitToString() }
}
