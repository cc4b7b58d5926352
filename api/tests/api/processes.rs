//! The product's real binaries, started as a family's machine runs them: for the tests that
//! kill processes or feed them files that kill decoders.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

use picup_common::config::ExposeSecret;

use crate::helpers::{Backends, on_redis};

pub fn binary(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_picup-api")).with_file_name(name);
    assert!(path.is_file(), "{} is missing: run `cargo build --workspace --bins` first (.ci/run does)", path.display());
    path
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("addr").port()
}

/// A started binary; SIGKILLed when dropped, so a failing test leaves no process behind.
pub struct Process {
    pub name: &'static str,
    pub child: Child,
}

impl Process {
    pub fn kill(&mut self) {
        self.child.kill().unwrap_or_else(|e| panic!("SIGKILL {}: {e}", self.name));
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The processes of one run, started on the same data and addresses every time. Their warnings
/// and errors go to `{name}.log` in the data folder.
pub fn start_processes(vars: &HashMap<String, String>, logs: &Path) -> Vec<Process> {
    let mut names = vec!["picup-api"];
    if on_redis() {
        names.extend(["picup-thumbnailer", "picup-worker"]);
    }
    names
        .into_iter()
        .map(|name| {
            let log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(logs.join(format!("{name}.log")))
                .expect("log file");
            let child = Command::new(binary(name))
                .envs(vars)
                .env("RUST_LOG", "warn")
                .stdout(log.try_clone().expect("log file"))
                .stderr(log)
                .spawn()
                .unwrap_or_else(|e| panic!("start {name}: {e}"));
            Process { name, child }
        })
        .collect()
}

pub async fn wait_until_up(base: &str, logs: &Path) {
    for _ in 0..300 {
        if reqwest::get(format!("{base}/readyz")).await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let log = std::fs::read_to_string(logs.join("picup-api.log")).unwrap_or_default();
    panic!("picup did not come up at {base}; its log:\n{log}");
}

/// Where the real binaries listen and what they are told, on these backends. With Redis the api,
/// thumbnailer and worker are three processes, and they share one store as they would share S3:
/// an embedded one in the test's process, which no test kills, running until this is dropped.
pub struct Setting {
    pub base: String,
    pub vars: HashMap<String, String>,
    _store: Option<tokio_util::sync::DropGuard>,
}

impl Setting {
    pub async fn new(backends: &Backends, settings: &[(&str, &str)]) -> Setting {
        let (http_port, store_port) = (free_port(), free_port());
        let base = format!("http://127.0.0.1:{http_port}");
        let mut vars = backends.vars();
        vars.insert("PICUP_HTTP_ADDR".into(), format!("127.0.0.1:{http_port}"));
        vars.insert("PICUP_EMBEDDED_S3_ADDR".into(), format!("127.0.0.1:{store_port}"));
        for (name, value) in settings {
            vars.insert((*name).into(), (*value).into());
        }
        let store = if on_redis() { Some(shared_store(backends, &base, store_port, &mut vars).await) } else { None };
        Setting { base, vars, _store: store }
    }
}

async fn shared_store(
    backends: &Backends,
    base: &str,
    store_port: u16,
    vars: &mut HashMap<String, String>,
) -> tokio_util::sync::DropGuard {
    let stop = tokio_util::sync::CancellationToken::new();
    let store = picup_common::embedded_s3::start(
        backends.data_dir.path(),
        format!("127.0.0.1:{store_port}").parse().expect("addr"),
        None,
        base,
        stop.clone(),
    )
    .await
    .expect("shared store");
    let (key_id, secret) = store.config.credentials.clone().expect("credentials");
    let secret = secret.expose_secret().to_owned();
    let endpoint = format!("http://{}", store.addr);
    for (name, value) in [
        ("PICUP_S3_BUCKET", picup_common::embedded_s3::BUCKET),
        ("PICUP_S3_ENDPOINT", &endpoint),
        ("PICUP_S3_FORCE_PATH_STYLE", "true"),
        ("PICUP_S3_ACCESS_KEY_ID", &key_id),
        ("PICUP_S3_SECRET_ACCESS_KEY", &secret),
    ] {
        vars.insert(name.into(), value.into());
    }
    stop.drop_guard()
}
