//! The embedded S3-compatible endpoint: s3s-fs over `data_dir/objects`, with SigV4 signatures
//! and SHA-256 checksums checked like S3 does, and CORS for the web origin (s3s-fs has none of
//! its own).

mod checksums;

use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context;
use axum::Router;
use axum::error_handling::HandleError;
use http::{HeaderName, Method, StatusCode};
use rand::Rng;
use rand::distributions::Alphanumeric;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::S3Config;

pub const BUCKET: &str = "picup";
const REGION: &str = "us-east-1";

pub struct EmbeddedS3 {
    pub addr: SocketAddr,
    /// The configuration the rest of picup uses to talk to it, as to any S3.
    pub config: S3Config,
}

/// The album's origin, and on this machine its other name: `localhost` and `127.0.0.1` are the
/// same album to a person, and either may be typed.
fn web_origins(web_origin: &str) -> Vec<String> {
    let alias = if let Some(port) = web_origin.strip_prefix("http://localhost:") {
        Some(format!("http://127.0.0.1:{port}"))
    } else {
        web_origin.strip_prefix("http://127.0.0.1:").map(|port| format!("http://localhost:{port}"))
    };
    std::iter::once(web_origin.to_owned()).chain(alias).collect()
}

/// Binds the endpoint and serves it until `shutdown` is cancelled.
pub async fn start(
    data_dir: &Path,
    addr: SocketAddr,
    public_endpoint: Option<String>,
    web_origin: &str,
    shutdown: CancellationToken,
) -> anyhow::Result<EmbeddedS3> {
    let root = data_dir.join("objects");
    std::fs::create_dir_all(root.join(BUCKET)).with_context(|| format!("cannot create {}", root.display()))?;
    let (access_key, secret_key) = credentials(data_dir)?;

    let fs =
        s3s_fs::FileSystem::new(&root).map_err(|e| anyhow::anyhow!("embedded S3 over {}: {e:?}", root.display()))?;
    let mut builder = S3ServiceBuilder::new(checksums::CheckedStore::new(fs));
    builder.set_auth(SimpleAuth::from_single(access_key.clone(), secret_key.clone()));
    let service = builder.build();
    let service = HandleError::new(service, |err: s3s::HttpError| async move {
        tracing::error!(error = ?err, "embedded S3 failed");
        StatusCode::INTERNAL_SERVER_ERROR
    });

    let origins = web_origins(web_origin)
        .iter()
        .map(|origin| origin.parse())
        .collect::<Result<Vec<_>, _>>()
        .context("PICUP_PUBLIC_URL is not a valid origin")?;
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::PUT, Method::POST, Method::HEAD, Method::DELETE])
        .allow_headers(tower_http::cors::Any)
        .expose_headers([HeaderName::from_static("etag")])
        .max_age(std::time::Duration::from_secs(3600));
    let app = Router::new().fallback_service(service).layer(cors);

    let listener =
        TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr} (PICUP_EMBEDDED_S3_ADDR)"))?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let served = axum::serve(listener, app).with_graceful_shutdown(shutdown.cancelled_owned()).await;
        if let Err(err) = served {
            tracing::error!(error = %err, "embedded S3 stopped");
        }
    });
    tracing::info!(%addr, root = %root.display(), "embedded S3 endpoint listening");
    // For `picup-api import`: it sends its bytes through this endpoint while it runs (see `running`).
    crate::private_files::write_private(&data_dir.join(ADDRESS_FILE), addr.to_string().as_bytes())
        .with_context(|| format!("cannot write {}", data_dir.join(ADDRESS_FILE).display()))?;

    let endpoint = format!("http://{addr}");
    Ok(EmbeddedS3 {
        addr,
        config: S3Config {
            public_endpoint: Some(public_endpoint.unwrap_or_else(|| endpoint.clone())),
            endpoint: Some(endpoint),
            bucket: BUCKET.to_owned(),
            region: REGION.to_owned(),
            credentials: Some((access_key, secret_key.into())),
            force_path_style: true,
        },
    })
}

/// Where the last embedded endpoint over a data folder listens.
const ADDRESS_FILE: &str = "embedded-s3-address";

/// The embedded endpoint a running album serves over `data_dir`, as a client's configuration;
/// `None` when none answers. A second endpoint over the same folder must not start beside it:
/// the file store names its temporary files with a counter each process starts at 0, and wipes
/// them all when it starts, so two would overwrite or delete each other's files in flight.
pub async fn running(data_dir: &Path) -> anyhow::Result<Option<S3Config>> {
    let Ok(text) = std::fs::read_to_string(data_dir.join(ADDRESS_FILE)) else { return Ok(None) };
    let Ok(addr) = text.trim().parse::<SocketAddr>() else { return Ok(None) };
    let reachable = tokio::time::timeout(std::time::Duration::from_secs(2), tokio::net::TcpStream::connect(addr)).await;
    if !matches!(reachable, Ok(Ok(_))) {
        return Ok(None);
    }
    let (access_key, secret_key) = credentials(data_dir)?;
    let endpoint = format!("http://{addr}");
    Ok(Some(S3Config {
        public_endpoint: Some(endpoint.clone()),
        endpoint: Some(endpoint),
        bucket: BUCKET.to_owned(),
        region: REGION.to_owned(),
        credentials: Some((access_key, secret_key.into())),
        force_path_style: true,
    }))
}

/// Keys made once per data folder, so URLs signed before a restart still work after it.
fn credentials(data_dir: &Path) -> anyhow::Result<(String, String)> {
    let path = data_dir.join("embedded-s3-credentials");
    if let Ok(text) = std::fs::read_to_string(&path)
        && let Some((id, secret)) = text.trim().split_once(':')
    {
        // Made world-readable by an older picup: the owner's alone from now on.
        crate::private_files::make_private(&path).with_context(|| format!("cannot protect {}", path.display()))?;
        return Ok((id.to_owned(), secret.to_owned()));
    }
    let random = |n| rand::thread_rng().sample_iter(&Alphanumeric).take(n).map(char::from).collect::<String>();
    let (id, secret) = (format!("PICUP{}", random(15).to_uppercase()), random(40));
    crate::private_files::write_private(&path, format!("{id}:{secret}\n").as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok((id, secret))
}
