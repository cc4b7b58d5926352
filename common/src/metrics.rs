//! Prometheus metrics. Each process builds one `Metrics` (held by `Services`, so there is no global
//! registry) and serves it as OpenMetrics text on `PICUP_METRICS_ADDR`; a one-shot worker run pushes
//! it to a Pushgateway instead.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use tokio_util::sync::CancellationToken;

pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: String,
    /// The route's pattern (`/api/v1/media/{id}`), never the raw path, so ids do not become series.
    pub route: String,
    /// `2xx`, `4xx`, `5xx`…
    pub status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OperationLabels {
    pub operation: &'static str,
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabels {
    pub kind: &'static str,
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobLabels {
    pub job: &'static str,
    pub outcome: &'static str,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// The outcome label an operation's error is counted under: the code a client would see.
pub trait Outcome {
    fn outcome(&self) -> &'static str;
}

/// A job's error: what went wrong is in its log line.
impl Outcome for anyhow::Error {
    fn outcome(&self) -> &'static str {
        "failed"
    }
}

impl Outcome for crate::lock::LockError {
    fn outcome(&self) -> &'static str {
        "unavailable"
    }
}

impl Outcome for crate::db::DbError {
    fn outcome(&self) -> &'static str {
        match self {
            crate::db::DbError::NotFound => "not_found",
            crate::db::DbError::Conflict => "conflict",
            err if err.is_unavailable() => "unavailable",
            _ => "internal",
        }
    }
}

impl Outcome for crate::storage::StorageError {
    fn outcome(&self) -> &'static str {
        match self {
            crate::storage::StorageError::NotFound => "not_found",
            crate::storage::StorageError::Unavailable(_) => "unavailable",
            _ => "internal",
        }
    }
}

pub struct Metrics {
    registry: Registry,
    pub http_request_seconds: HistogramFamily<RouteLabels>,
    pub uploads_completed: Counter,
    pub upload_bytes: Counter,
    /// Reserve, complete and release, by outcome (`ok`, `over_quota`, `size_mismatch`…).
    pub quota_operations: Family<OperationLabels, Counter>,
    pub lock_wait_seconds: Histogram,
    pub lock_failures: Family<OperationLabels, Counter>,
    /// Events delivered to the thumbnailers' group but not yet read, and read but not acknowledged.
    pub queue_lag: Gauge,
    pub queue_pending: Gauge,
    pub dead_letters: Counter,
    /// Originals whose stored bytes were not the bytes their client declared (SHA-256).
    pub checksum_mismatches: Counter,
    /// Outbox rows not yet published, as the last relay run left them.
    pub outbox_backlog: Gauge,
    /// Originals in the store that no row names, as the last storage audit found them.
    pub orphan_originals: Gauge,
    pub thumbnail_seconds: HistogramFamily<KindLabels>,
    pub transcode_seconds: HistogramFamily<KindLabels>,
    /// Decode children that gave no result, by kind and cause (`rejected`, `crashed`,
    /// `out_of_memory`, `timed_out`).
    pub decode_failures: Family<KindLabels, Counter>,
    pub job_runs: Family<JobLabels, Counter>,
    pub job_items: Family<JobLabels, Counter>,
    pub job_seconds: HistogramFamily<JobLabels>,
}

fn request_histogram() -> Histogram {
    // 1 ms … 16 s
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

fn work_histogram() -> Histogram {
    // 10 ms … 5.5 min: a thumbnail, a transcode, a job run
    Histogram::new(exponential_buckets(0.01, 2.0, 16))
}

impl Metrics {
    pub fn new() -> Arc<Metrics> {
        let mut registry = Registry::with_prefix("picup");
        let metrics = Metrics {
            http_request_seconds: Family::new_with_constructor(request_histogram),
            uploads_completed: Counter::default(),
            upload_bytes: Counter::default(),
            quota_operations: Family::default(),
            lock_wait_seconds: request_histogram(),
            lock_failures: Family::default(),
            queue_lag: Gauge::default(),
            queue_pending: Gauge::default(),
            dead_letters: Counter::default(),
            checksum_mismatches: Counter::default(),
            outbox_backlog: Gauge::default(),
            orphan_originals: Gauge::default(),
            thumbnail_seconds: Family::new_with_constructor(work_histogram),
            transcode_seconds: Family::new_with_constructor(work_histogram),
            decode_failures: Family::default(),
            job_runs: Family::default(),
            job_items: Family::default(),
            job_seconds: Family::new_with_constructor(work_histogram),
            registry: Registry::default(),
        };
        let m = &metrics;
        registry.register("http_request_seconds", "HTTP request latency by route", m.http_request_seconds.clone());
        registry.register("uploads_completed", "Uploads completed and counted", m.uploads_completed.clone());
        registry.register("upload_bytes", "Bytes of completed uploads", m.upload_bytes.clone());
        registry.register(
            "quota_operations",
            "Quota reservations, completions and releases",
            m.quota_operations.clone(),
        );
        registry.register(
            "lock_wait_seconds",
            "Time spent waiting for a user's quota lock",
            m.lock_wait_seconds.clone(),
        );
        registry.register(
            "lock_failures",
            "Quota lock waits that timed out or found no lock service",
            m.lock_failures.clone(),
        );
        registry.register("queue_lag", "Events not yet delivered to a thumbnailer", m.queue_lag.clone());
        registry.register("queue_pending", "Events delivered but not yet acknowledged", m.queue_pending.clone());
        registry.register("dead_letters", "Events moved to the dead-letter stream", m.dead_letters.clone());
        registry.register(
            "checksum_mismatches",
            "Uploads whose stored bytes differed from the SHA-256 their client declared",
            m.checksum_mismatches.clone(),
        );
        registry.register(
            "decode_failures",
            "Uploads whose sandboxed decoder refused them, crashed, ran out of memory or time",
            m.decode_failures.clone(),
        );
        registry.register("outbox_backlog", "Outbox rows not yet published", m.outbox_backlog.clone());
        registry.register(
            "orphan_originals",
            "Originals no row names, left in place by the storage audit",
            m.orphan_originals.clone(),
        );
        registry.register("thumbnail_seconds", "Time to make a thumbnail and preview", m.thumbnail_seconds.clone());
        registry.register("transcode_seconds", "Time to make a browser-playable copy", m.transcode_seconds.clone());
        registry.register("job_runs", "Worker job runs by outcome", m.job_runs.clone());
        registry.register("job_items", "Items handled by worker jobs", m.job_items.clone());
        registry.register("job_seconds", "Worker job run time", m.job_seconds.clone());
        Arc::new(Metrics { registry, ..metrics })
    }

    /// The OpenMetrics text exposition.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }

    /// Prometheus' classic text format (0.0.4), which the Pushgateway reads: a counter's HELP and
    /// TYPE lines name its `_total` series, and there is no `# EOF`.
    pub fn encode_classic(&self) -> String {
        let text = self.encode();
        let counters: HashSet<&str> =
            text.lines().filter_map(|line| line.strip_prefix("# TYPE ")?.strip_suffix(" counter")).collect();
        let mut classic = String::with_capacity(text.len());
        for line in text.lines() {
            if line == "# EOF" || line.starts_with("# UNIT ") {
                continue;
            }
            let renamed = ["# HELP ", "# TYPE "].iter().find_map(|prefix| {
                let (name, rest) = line.strip_prefix(prefix)?.split_once(' ')?;
                counters.contains(name).then(|| format!("{prefix}{name}_total {rest}"))
            });
            classic.push_str(renamed.as_deref().unwrap_or(line));
            classic.push('\n');
        }
        classic
    }

    pub fn count_quota(&self, operation: &'static str, outcome: &'static str) {
        self.quota_operations.get_or_create(&OperationLabels { operation, outcome }).inc();
    }

    pub fn observe_job(&self, job: &'static str, outcome: &'static str, items: u64, took: Duration) {
        let labels = JobLabels { job, outcome };
        self.job_runs.get_or_create(&labels).inc();
        self.job_items.get_or_create(&labels).inc_by(items);
        self.job_seconds.get_or_create(&labels).observe(took.as_secs_f64());
    }
}

/// `2xx`, `4xx`… for a status code.
pub fn status_class(status: u16) -> String {
    format!("{}xx", status / 100)
}

/// Serves `GET /metrics` on `addr` until `shutdown`; returns the bound address (port 0 picks one).
pub async fn serve(
    metrics: Arc<Metrics>,
    addr: SocketAddr,
    shutdown: CancellationToken,
) -> anyhow::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    use axum::routing::get;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} (PICUP_METRICS_ADDR)"))?;
    let bound = listener.local_addr()?;
    let router = axum::Router::new().route(
        "/metrics",
        get(move || {
            let metrics = metrics.clone();
            async move { ([(axum::http::header::CONTENT_TYPE, CONTENT_TYPE)], metrics.encode()) }
        }),
    );
    let task = tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, router).with_graceful_shutdown(shutdown.cancelled_owned()).await {
            tracing::error!(error = %err, "metrics server stopped");
        }
    });
    tracing::info!(addr = %bound, "metrics on /metrics");
    Ok((bound, task))
}

/// Pushes the metrics to a Prometheus Pushgateway (for a one-shot CronJob run that ends before
/// any scrape could reach it).
pub async fn push(metrics: &Metrics, gateway: &str, job: &str, instance: &str) -> anyhow::Result<()> {
    let url = format!("{}/metrics/job/{job}/instance/{instance}", gateway.trim_end_matches('/'));
    let response = reqwest::Client::new()
        .put(&url)
        .header(reqwest::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
        .body(metrics.encode_classic())
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .with_context(|| format!("cannot reach the Pushgateway at {url}"))?;
    anyhow::ensure!(response.status().is_success(), "the Pushgateway answered {}", response.status());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_counters_with_labels_and_the_picup_prefix() {
        let metrics = Metrics::new();
        metrics.count_quota("reserve", "over_quota");
        metrics.observe_job("purge-trash", "ok", 3, Duration::from_millis(20));
        let text = metrics.encode();
        assert!(text.contains(r#"picup_quota_operations_total{operation="reserve",outcome="over_quota"} 1"#), "{text}");
        assert!(text.contains(r#"picup_job_items_total{job="purge-trash",outcome="ok"} 3"#), "{text}");
        assert!(text.contains(r#"picup_job_seconds_count{job="purge-trash",outcome="ok"} 1"#), "{text}");
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn the_classic_format_names_counter_series_and_has_no_eof() {
        let metrics = Metrics::new();
        metrics.observe_job("purge-trash", "failed", 0, Duration::from_millis(5));
        let text = metrics.encode_classic();
        assert!(text.contains("# TYPE picup_job_runs_total counter\n"), "{text}");
        assert!(text.contains(r#"picup_job_runs_total{job="purge-trash",outcome="failed"} 1"#), "{text}");
        assert!(text.contains("# TYPE picup_job_seconds histogram\n"), "{text}");
        assert!(!text.contains("# EOF"));
    }
}
