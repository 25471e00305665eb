//! Prometheus metrics: requests by route and status, latencies, verifications by outcome,
//! signatures made. Served at `/metrics` in the text exposition format.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

type Labels = Vec<(String, String)>;

/// The service's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<Labels, Counter>,
    latency: Family<Labels, Histogram>,
    verifications: Family<Labels, Counter>,
    signatures: Family<Labels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Register the metrics.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("yinxin");
        let requests = Family::<Labels, Counter>::default();
        let latency = Family::<Labels, Histogram>::new_with_constructor(|| {
            Histogram::new([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0])
        });
        let verifications = Family::<Labels, Counter>::default();
        let signatures = Family::<Labels, Counter>::default();
        registry.register("http_requests", "HTTP requests by method, route and status", requests.clone());
        registry.register("http_request_duration_seconds", "HTTP request latency by route", latency.clone());
        registry.register("verifications", "Verifications by kind and indication", verifications.clone());
        registry.register("signatures", "Signatures made, by purpose", signatures.clone());
        Self { registry, requests, latency, verifications, signatures }
    }

    /// Count a request.
    pub fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&vec![
                ("method".into(), method.into()),
                ("route".into(), route.into()),
                ("status".into(), status.to_string()),
            ])
            .inc();
        self.latency.get_or_create(&vec![("route".into(), route.into())]).observe(seconds);
    }

    /// Count a verification.
    pub fn verification(&self, kind: &str, indication: &str) {
        self.verifications
            .get_or_create(&vec![("kind".into(), kind.into()), ("indication".into(), indication.into())])
            .inc();
    }

    /// Count signatures made.
    pub fn signed(&self, purpose: &str, n: u64) {
        self.signatures.get_or_create(&vec![("purpose".into(), purpose.into())]).inc_by(n);
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = encode(&mut s, &self.registry);
        s
    }
}
