//! Prometheus metrics: what an operator reads on `/metrics` matches what users did.

use std::sync::{Arc, Mutex};

use axum::routing::put;
use picup_worker::jobs::Job;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, sample_photo};

async fn scrape(app: &TestApp) -> String {
    let addr = app.metrics_addr.expect("PICUP_METRICS_ADDR was set");
    let response = app.client.get(format!("http://{addr}/metrics")).send().await.expect("scrape");
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"].to_str().expect("ascii").to_owned();
    assert!(content_type.starts_with("application/openmetrics-text"), "{content_type}");
    response.text().await.expect("text")
}

/// The value of one sample line, `name{labels} value`.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn metrics_count_uploads_quota_operations_requests_thumbnails_and_jobs() {
    let app =
        TestApp::spawn_with(&[("PICUP_METRICS_ADDR", "127.0.0.1:0"), ("PICUP_DEFAULT_QUOTA_BYTES", "5000000")]).await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Metrics").await;
    let photo = sample_photo();
    app.upload(&admin, &album, &photo, "image/jpeg").await;
    let (status, body) = app
        .post(
            &format!("/albums/{album}/uploads"),
            &admin.token,
            json!({ "filename": "huge.mov", "size": 6_000_000, "content_type": "video/quicktime" }),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    app.settle(&admin, &album).await;
    Job::SweepUploads.run(&app.services).await.expect("sweep");

    let text = scrape(&app).await;
    assert_eq!(sample(&text, "picup_uploads_completed_total"), Some(1.0), "{text}");
    assert_eq!(sample(&text, "picup_upload_bytes_total"), Some(photo.len() as f64), "{text}");
    let ops = |operation: &str, outcome: &str| {
        sample(&text, &format!(r#"picup_quota_operations_total{{operation="{operation}",outcome="{outcome}"}}"#))
    };
    assert_eq!(ops("reserve", "ok"), Some(1.0), "{text}");
    assert_eq!(ops("reserve", "quota_exceeded"), Some(1.0), "{text}");
    assert_eq!(ops("complete", "ok"), Some(1.0), "{text}");
    assert!(sample(&text, "picup_lock_wait_seconds_count").expect("lock waits") >= 3.0, "{text}");
    let completes =
        r#"picup_http_request_seconds_count{method="POST",route="/api/v1/uploads/{id}/complete",status="2xx"}"#;
    assert_eq!(sample(&text, completes), Some(1.0), "{text}");
    let refused = r#"picup_http_request_seconds_count{method="POST",route="/api/v1/albums/{id}/uploads",status="4xx"}"#;
    assert_eq!(sample(&text, refused), Some(1.0), "{text}");
    assert_eq!(sample(&text, r#"picup_thumbnail_seconds_count{kind="photo",outcome="ready"}"#), Some(1.0), "{text}");
    let sweeps = r#"picup_job_runs_total{job="sweep-uploads",outcome="ok"}"#;
    assert!(sample(&text, sweeps).expect("sweep runs") >= 1.0, "{text}");
    app.stop().await;
}

#[tokio::test]
async fn a_one_shot_worker_run_pushes_its_metrics_to_the_pushgateway() {
    let pushed: Arc<Mutex<Vec<(String, String, String)>>> = Arc::default();
    let received = pushed.clone();
    let gateway = axum::Router::new().route(
        "/metrics/job/{job}/instance/{instance}",
        put(move |axum::extract::Path((job, instance)): axum::extract::Path<(String, String)>, body: String| {
            let received = received.clone();
            async move {
                received.lock().expect("lock").push((job, instance, body));
                StatusCode::ACCEPTED
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, gateway).await });

    let app = TestApp::spawn_with(&[("PICUP_PUSHGATEWAY_URL", &url)]).await;
    Job::PurgeTrash.run(&app.services).await.expect("purge");
    picup_worker::push_metrics(&app.services, Job::PurgeTrash).await;

    let pushed = pushed.lock().expect("lock").clone();
    assert_eq!(pushed.len(), 1, "one push");
    let (job, instance, body) = &pushed[0];
    assert_eq!((job.as_str(), instance.as_str()), ("picup-worker", "purge-trash"));
    assert!(body.contains("# TYPE picup_job_runs_total counter"), "{body}");
    // The standalone app's own worker loop may have run the purge too.
    let runs = sample(body, r#"picup_job_runs_total{job="purge-trash",outcome="ok"}"#).expect("purge runs");
    assert!(runs >= 1.0, "{body}");
    assert!(!body.contains("# EOF"), "the Pushgateway reads the classic text format");
    app.stop().await;
}
