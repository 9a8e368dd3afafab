import Metrics
import Prometheus

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

    /// The Prometheus text exposition.
    public func text() -> String { registry.emitToString() }
}
