//! Typed configuration, read once at start from `PICUP_*` environment variables.
//!
//! Every default is the embedded mode: SQLite and an S3 endpoint over the data folder, in-process
//! lock, cache and queue. Errors name the variable that is wrong.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

pub use secrecy::{ExposeSecret, SecretString};

#[derive(Debug, thiserror::Error)]
#[error("configuration: {var}: {message}")]
pub struct ConfigError {
    pub var: String,
    pub message: String,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub http_addr: SocketAddr,
    /// The address people type into the browser; used in invite links and cookies.
    pub public_url: String,
    pub data_dir: PathBuf,
    /// The web album's static files.
    pub web_dir: PathBuf,
    /// Carries a password in production: never printed (`SecretString`'s `Debug` says so).
    pub database_url: SecretString,
    pub redis_url: Option<SecretString>,
    /// Prefix for every Redis key, so several installations (or tests) can share one Redis.
    pub redis_prefix: String,
    pub storage: StorageConfig,
    pub storage_resilience: StorageResilience,
    pub limits: Limits,
    pub rate_limits: RateLimits,
    pub thumbnailer: ThumbnailerConfig,
    /// CloudFront for view URLs and invalidations; None serves presigned S3 URLs.
    pub cdn: Option<CdnConfig>,
    /// The reconcile-quota job corrects drift instead of only reporting it.
    pub reconcile_fix: bool,
    /// Trust `X-Forwarded-For` from the load balancer for the client address.
    pub trust_proxy: bool,
    pub log_json: bool,
    /// Where `GET /metrics` is served (Prometheus); None serves no metrics.
    pub metrics_addr: Option<SocketAddr>,
    /// A Prometheus Pushgateway that one-shot worker runs push their metrics to.
    pub pushgateway_url: Option<String>,
    /// OpenID Connect providers people may sign in with, in the order the sign-in page shows them.
    pub oidc: Vec<OidcProvider>,
    /// A MaxMind-format database (GeoLite2, DB-IP Lite) for the approximate place of a signed-in
    /// device; none shows no place.
    pub geoip_db: Option<PathBuf>,
    /// The credit its licence asks for, shown beside the places ("IP geolocation by DB-IP").
    pub geoip_credit: Option<String>,
}

/// An OpenID Connect provider (Google, Kakao, Naver, the family's own Authentik or Keycloak),
/// named in `PICUP_OIDC_PROVIDERS` and configured by `PICUP_OIDC_<NAME>_*`.
#[derive(Clone, Debug)]
pub struct OidcProvider {
    /// Lower case, as in `/api/v1/auth/oidc/{name}/callback` (the redirect URI to register).
    pub name: String,
    /// What the sign-in button says: "Google".
    pub label: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: SecretString,
    /// Always with `openid`.
    pub scopes: Vec<String>,
}

#[derive(Clone, Debug)]
pub enum StorageConfig {
    /// An S3-compatible endpoint served in-process over `data_dir/objects`.
    Embedded {
        addr: SocketAddr,
        /// Host the browser uses for presigned URLs; defaults to `http://{addr}`.
        public_endpoint: Option<String>,
    },
    S3(S3Config),
}

/// How picup rides out a failing object store: the SDK's retries (exponential backoff with
/// jitter), bounded waits, and a circuit breaker.
#[derive(Clone, Debug)]
pub struct StorageResilience {
    /// Tries per call, the first included.
    pub max_attempts: u32,
    pub connect_timeout: Duration,
    /// Longest silence while waiting for the store's answer.
    pub read_timeout: Duration,
    /// Calls in a row that could not reach the store before calls pause.
    pub breaker_threshold: u32,
    /// How long calls pause before one trial call.
    pub breaker_cooldown: Duration,
}

#[derive(Clone, Debug)]
pub struct S3Config {
    /// None means AWS itself (region endpoint).
    pub endpoint: Option<String>,
    /// Endpoint that browsers reach when it differs from the internal one.
    pub public_endpoint: Option<String>,
    pub bucket: String,
    pub region: String,
    /// None means the default AWS credential chain (environment, web identity, instance role).
    pub credentials: Option<(String, SecretString)>,
    pub force_path_style: bool,
}

#[derive(Clone, Debug)]
pub struct Limits {
    pub default_quota_bytes: i64,
    pub max_upload_bytes: i64,
    /// Uploads at least this big use S3 multipart.
    pub multipart_threshold_bytes: i64,
    /// The smallest part size; very big files get bigger parts (S3 allows 10 000 parts).
    pub part_size_bytes: i64,
    pub allowed_types: BTreeSet<String>,
    /// How long a presigned upload URL (single PUT or one part) is valid.
    pub upload_url_ttl: Duration,
    /// How long a reservation may wait for its complete before the sweeper releases it.
    pub reservation_ttl: Duration,
    /// View URLs are valid at least this long; they are signed per window so they stay stable.
    pub view_url_ttl: Duration,
    pub session_ttl: Duration,
    pub invite_ttl: Duration,
    /// Longest wait for a user's lock before answering 503.
    pub lock_wait: Duration,
    pub trash_retention: Duration,
}

#[derive(Clone, Debug)]
pub struct ThumbnailerConfig {
    /// Photos and video frames above this are refused before decoding (decompression bombs).
    pub max_megapixels: u64,
    /// Longest time one item may take (a video's playable copy included).
    pub item_timeout: Duration,
    /// Items processed at once by one thumbnailer.
    pub concurrency: usize,
    /// After this many attempts an item is marked failed and dead-lettered.
    pub max_attempts: i64,
    /// A message held this long by a consumer that stopped answering is taken over by another.
    pub claim_idle: Duration,
    /// The ffmpeg program used for browser-playable copies.
    pub ffmpeg: String,
    /// The program started (as `PROGRAM decode ...`) to decode each upload in a sandboxed child
    /// process; by default the running binary itself.
    pub decoder: PathBuf,
    /// Memory (heap and private mappings) one decode child, or ffmpeg, may use.
    pub decode_max_memory_bytes: u64,
    /// Longest wall-clock time for decoding one photo or video poster; the child is killed then.
    /// (A playable copy has the item's whole timeout.)
    pub decode_timeout: Duration,
}

#[derive(Clone, Debug)]
pub struct CdnConfig {
    pub domain: String,
    pub key_pair_id: String,
    pub private_key_pem: SecretString,
    /// For invalidations; without it deleted objects stay cached until they expire.
    pub distribution_id: Option<String>,
    /// Limits view URLs to a source range (custom policy). Off by default: phones change networks.
    pub ip_range: Option<String>,
}

#[derive(Clone, Debug)]
pub struct RateLimits {
    pub per_user_per_second: u32,
    pub per_user_burst: u32,
    pub per_ip_per_second: u32,
    pub per_ip_burst: u32,
    /// Password attempts (login, register) per IP per minute.
    pub auth_per_ip_per_minute: u32,
}

pub const DEFAULT_ALLOWED_TYPES: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/heic",
    "image/heif",
    "image/gif",
    "video/mp4",
    "video/quicktime",
    "video/webm",
];

const GIB: i64 = 1024 * 1024 * 1024;
const MIB: i64 = 1024 * 1024;

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let config = Self::from_lookup(|name| std::env::var(name).ok())?;
        // A provider configured but not listed would be silently missing from the sign-in page.
        for (name, _) in std::env::vars() {
            let provider = name.strip_prefix("PICUP_OIDC_").and_then(|rest| rest.strip_suffix("_ISSUER"));
            if let Some(provider) = provider
                && !config.oidc.iter().any(|listed| listed.name.eq_ignore_ascii_case(provider))
            {
                return Err(ConfigError::new("PICUP_OIDC_PROVIDERS", format!("{name} is set: list {provider} here")));
            }
        }
        Ok(config)
    }

    /// Builds the configuration from any variable source, so tests need not touch the process
    /// environment. Each section reads and checks its own variables.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let vars = Vars(&lookup);
        let http_addr: SocketAddr = vars.parse("PICUP_HTTP_ADDR", "127.0.0.1:8080".parse().expect("valid"))?;
        let data_dir = PathBuf::from(vars.string("PICUP_DATA_DIR").unwrap_or_else(|| "./data".into()));
        Ok(Config {
            public_url: public_url(&vars, http_addr)?,
            http_addr,
            database_url: database_url(&vars, &data_dir)?,
            redis_url: redis_url(&vars)?,
            data_dir,
            web_dir: PathBuf::from(vars.string("PICUP_WEB_DIR").unwrap_or_else(|| "./web".into())),
            redis_prefix: vars.string("PICUP_REDIS_PREFIX").unwrap_or_else(|| "picup".into()),
            storage: StorageConfig::read(&vars)?,
            storage_resilience: StorageResilience::read(&vars)?,
            limits: Limits::read(&vars)?,
            rate_limits: RateLimits::read(&vars)?,
            thumbnailer: ThumbnailerConfig::read(&vars)?,
            cdn: CdnConfig::read(&vars)?,
            reconcile_fix: vars.parse("PICUP_RECONCILE_FIX", false)?,
            trust_proxy: vars.parse("PICUP_TRUST_PROXY", false)?,
            log_json: vars.parse("PICUP_LOG_JSON", false)?,
            metrics_addr: vars.optional("PICUP_METRICS_ADDR")?,
            pushgateway_url: vars.string("PICUP_PUSHGATEWAY_URL"),
            oidc: OidcProvider::read_all(&vars)?,
            geoip_db: vars.string("PICUP_GEOIP_DB").map(PathBuf::from),
            geoip_credit: vars.string("PICUP_GEOIP_CREDIT"),
        })
    }

    /// Standalone mode runs the thumbnailer and worker loops inside the api process.
    pub fn standalone(&self) -> bool {
        self.redis_url.is_none()
    }

    pub fn cookie_secure(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// Where the album is opened when `PICUP_PUBLIC_URL` is not set: by the name `localhost` on this
/// machine (browsers make passkeys for names, not for IP addresses), else the address listened on.
fn default_public_url(http_addr: SocketAddr) -> String {
    if http_addr.ip().is_loopback() {
        format!("http://localhost:{}", http_addr.port())
    } else {
        format!("http://{http_addr}")
    }
}

fn public_url(vars: &Vars<'_>, http_addr: SocketAddr) -> Result<String, ConfigError> {
    let public_url = vars
        .string("PICUP_PUBLIC_URL")
        .unwrap_or_else(|| default_public_url(http_addr))
        .trim_end_matches('/')
        .to_owned();
    if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
        return Err(ConfigError::new("PICUP_PUBLIC_URL", "must start with http:// or https://"));
    }
    Ok(public_url)
}

fn scheme_of(url: &SecretString) -> &str {
    url.expose_secret().split(':').next().unwrap_or_default()
}

/// SQLite in the data folder unless `DATABASE_URL` names PostgreSQL.
fn database_url(vars: &Vars<'_>, data_dir: &std::path::Path) -> Result<SecretString, ConfigError> {
    let database_url = vars
        .secret("DATABASE_URL", "DATABASE_URL_FILE")?
        .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", data_dir.join("picup.db").display()).into());
    if !matches!(scheme_of(&database_url), "sqlite" | "postgres" | "postgresql") {
        return Err(ConfigError::new(
            "DATABASE_URL",
            "must start with sqlite: or postgres:// (no other database is supported)",
        ));
    }
    Ok(database_url)
}

fn redis_url(vars: &Vars<'_>) -> Result<Option<SecretString>, ConfigError> {
    let redis_url = vars.secret("REDIS_URL", "REDIS_URL_FILE")?;
    if let Some(url) = &redis_url
        && !matches!(scheme_of(url), "redis" | "rediss")
    {
        return Err(ConfigError::new("REDIS_URL", "must start with redis:// or rediss://"));
    }
    Ok(redis_url)
}

impl StorageConfig {
    /// The embedded store unless `PICUP_S3_BUCKET` names a bucket.
    fn read(vars: &Vars<'_>) -> Result<Self, ConfigError> {
        Ok(match vars.string("PICUP_S3_BUCKET") {
            None => StorageConfig::Embedded {
                addr: vars.parse("PICUP_EMBEDDED_S3_ADDR", "127.0.0.1:8081".parse().expect("valid"))?,
                public_endpoint: vars.string("PICUP_S3_PUBLIC_ENDPOINT"),
            },
            Some(bucket) => {
                let credentials = match (
                    vars.string("PICUP_S3_ACCESS_KEY_ID"),
                    vars.secret("PICUP_S3_SECRET_ACCESS_KEY", "PICUP_S3_SECRET_ACCESS_KEY_FILE")?,
                ) {
                    (Some(id), Some(secret)) => Some((id, secret)),
                    (None, None) => None,
                    _ => {
                        return Err(ConfigError::new(
                            "PICUP_S3_SECRET_ACCESS_KEY",
                            "set both PICUP_S3_ACCESS_KEY_ID and PICUP_S3_SECRET_ACCESS_KEY, or neither to use the AWS credential chain",
                        ));
                    }
                };
                StorageConfig::S3(S3Config {
                    endpoint: vars.string("PICUP_S3_ENDPOINT"),
                    public_endpoint: vars.string("PICUP_S3_PUBLIC_ENDPOINT"),
                    bucket,
                    region: vars.string("PICUP_S3_REGION").unwrap_or_else(|| "us-east-1".into()),
                    credentials,
                    force_path_style: vars.parse("PICUP_S3_FORCE_PATH_STYLE", false)?,
                })
            }
        })
    }
}

impl Limits {
    fn read(vars: &Vars<'_>) -> Result<Self, ConfigError> {
        let allowed_types = match vars.string("PICUP_ALLOWED_TYPES") {
            None => DEFAULT_ALLOWED_TYPES.iter().map(|t| (*t).to_owned()).collect(),
            Some(list) => list.split(',').map(|t| t.trim().to_ascii_lowercase()).filter(|t| !t.is_empty()).collect(),
        };
        let limits = Limits {
            default_quota_bytes: vars.positive("PICUP_DEFAULT_QUOTA_BYTES", 10 * GIB)?,
            max_upload_bytes: vars.positive("PICUP_MAX_UPLOAD_BYTES", 50 * GIB)?,
            multipart_threshold_bytes: vars.positive("PICUP_MULTIPART_THRESHOLD_BYTES", 64 * MIB)?,
            part_size_bytes: vars.positive("PICUP_PART_SIZE_BYTES", 16 * MIB)?,
            allowed_types,
            upload_url_ttl: vars.seconds("PICUP_UPLOAD_URL_TTL_SECS", 6 * 3600)?,
            reservation_ttl: vars.seconds("PICUP_RESERVATION_TTL_SECS", 24 * 3600)?,
            view_url_ttl: vars.seconds("PICUP_VIEW_URL_TTL_SECS", 6 * 3600)?,
            session_ttl: vars.seconds("PICUP_SESSION_TTL_SECS", 90 * 24 * 3600)?,
            invite_ttl: vars.seconds("PICUP_INVITE_TTL_SECS", 14 * 24 * 3600)?,
            lock_wait: vars.seconds("PICUP_LOCK_WAIT_SECS", 10)?,
            trash_retention: vars.seconds("PICUP_TRASH_RETENTION_SECS", 30 * 24 * 3600)?,
        };
        if limits.part_size_bytes < 5 * MIB {
            return Err(ConfigError::new("PICUP_PART_SIZE_BYTES", "S3 needs parts of at least 5 MiB (5242880)"));
        }
        if limits.allowed_types.is_empty() {
            return Err(ConfigError::new("PICUP_ALLOWED_TYPES", "lists no content type"));
        }
        Ok(limits)
    }
}

impl RateLimits {
    fn read(vars: &Vars<'_>) -> Result<Self, ConfigError> {
        Ok(RateLimits {
            per_user_per_second: vars.positive("PICUP_RATE_USER_PER_SECOND", 100)?,
            per_user_burst: vars.positive("PICUP_RATE_USER_BURST", 1000)?,
            per_ip_per_second: vars.positive("PICUP_RATE_IP_PER_SECOND", 200)?,
            per_ip_burst: vars.positive("PICUP_RATE_IP_BURST", 2000)?,
            auth_per_ip_per_minute: vars.positive("PICUP_RATE_AUTH_PER_MINUTE", 20)?,
        })
    }
}

impl ThumbnailerConfig {
    fn read(vars: &Vars<'_>) -> Result<Self, ConfigError> {
        Ok(ThumbnailerConfig {
            max_megapixels: vars.positive("PICUP_MAX_MEGAPIXELS", 100)?,
            item_timeout: vars.seconds("PICUP_ITEM_TIMEOUT_SECS", 30 * 60)?,
            concurrency: vars.positive("PICUP_THUMBNAILER_CONCURRENCY", 2)?,
            max_attempts: vars.positive("PICUP_MAX_ATTEMPTS", 3)?,
            claim_idle: vars.seconds("PICUP_CLAIM_IDLE_SECS", 40 * 60)?,
            ffmpeg: vars.string("PICUP_FFMPEG").unwrap_or_else(|| "ffmpeg".into()),
            decoder: match vars.string("PICUP_DECODER") {
                Some(path) => PathBuf::from(path),
                None => std::env::current_exe()
                    .map_err(|e| ConfigError::new("PICUP_DECODER", format!("cannot find this program ({e})")))?,
            },
            decode_max_memory_bytes: vars.positive("PICUP_DECODE_MAX_MEMORY_BYTES", 2 * GIB as u64)?,
            decode_timeout: vars.seconds("PICUP_DECODE_TIMEOUT_SECS", 5 * 60)?,
        })
    }
}

impl StorageResilience {
    fn read(vars: &Vars<'_>) -> Result<Self, ConfigError> {
        Ok(StorageResilience {
            max_attempts: vars.positive("PICUP_S3_MAX_ATTEMPTS", 3)?,
            connect_timeout: vars.seconds("PICUP_S3_CONNECT_TIMEOUT_SECS", 3)?,
            read_timeout: vars.seconds("PICUP_S3_READ_TIMEOUT_SECS", 20)?,
            breaker_threshold: vars.positive("PICUP_S3_BREAKER_THRESHOLD", 5)?,
            breaker_cooldown: vars.seconds("PICUP_S3_BREAKER_COOLDOWN_SECS", 10)?,
        })
    }
}

impl OidcProvider {
    fn read_all(vars: &Vars<'_>) -> Result<Vec<Self>, ConfigError> {
        const LIST: &str = "PICUP_OIDC_PROVIDERS";
        let names = vars.string(LIST).unwrap_or_default();
        let mut providers: Vec<OidcProvider> = Vec::new();
        for name in names.split(',').map(str::trim).filter(|name| !name.is_empty()) {
            let name = name.to_lowercase();
            if !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()) {
                return Err(ConfigError::new(LIST, format!("{name:?}: a name is letters and digits")));
            }
            if providers.iter().any(|provider| provider.name == name) {
                return Err(ConfigError::new(LIST, format!("{name} is listed twice")));
            }
            providers.push(Self::read(vars, name)?);
        }
        Ok(providers)
    }

    fn read(vars: &Vars<'_>, name: String) -> Result<Self, ConfigError> {
        let var = |suffix: &str| format!("PICUP_OIDC_{}_{suffix}", name.to_uppercase());
        let required = |suffix: &str| {
            vars.string(&var(suffix)).ok_or_else(|| ConfigError::new(var(suffix), format!("is needed for {name}")))
        };
        let issuer = required("ISSUER")?.trim_end_matches('/').to_owned();
        // Plain http only on this machine (a test provider); anywhere else the code and the
        // tokens would cross the network in the clear.
        let local = ["http://127.0.0.1:", "http://localhost:", "http://[::1]:"].iter().any(|p| issuer.starts_with(p));
        if !issuer.starts_with("https://") && !local {
            return Err(ConfigError::new(var("ISSUER"), "must start with https://"));
        }
        let client_id = required("CLIENT_ID")?;
        let client_secret = vars
            .secret(&var("CLIENT_SECRET"), &var("CLIENT_SECRET_FILE"))?
            .ok_or_else(|| ConfigError::new(var("CLIENT_SECRET_FILE"), format!("is needed for {name}")))?;
        let mut scopes: Vec<String> = vars
            .string(&var("SCOPES"))
            .unwrap_or_else(|| "openid email profile".into())
            .split([' ', ','])
            .filter(|scope| !scope.is_empty())
            .map(str::to_owned)
            .collect();
        if !scopes.iter().any(|scope| scope == "openid") {
            scopes.insert(0, "openid".into());
        }
        let label = vars.string(&var("LABEL")).unwrap_or_else(|| {
            let mut chars = name.chars();
            chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
        });
        Ok(OidcProvider { client_id, name, label, issuer, client_secret, scopes })
    }
}

impl CdnConfig {
    /// CloudFront when `PICUP_CLOUDFRONT_DOMAIN` is set; its key must be one CloudFront signs with.
    fn read(vars: &Vars<'_>) -> Result<Option<Self>, ConfigError> {
        Ok(match vars.string("PICUP_CLOUDFRONT_DOMAIN") {
            None => None,
            Some(domain) => {
                let key_pair_id = vars.string("PICUP_CLOUDFRONT_KEY_PAIR_ID").ok_or_else(|| {
                    ConfigError::new("PICUP_CLOUDFRONT_KEY_PAIR_ID", "is needed with PICUP_CLOUDFRONT_DOMAIN")
                })?;
                let private_key_pem = vars
                    .secret("PICUP_CLOUDFRONT_PRIVATE_KEY", "PICUP_CLOUDFRONT_PRIVATE_KEY_FILE")?
                    .ok_or_else(|| {
                        ConfigError::new(
                            "PICUP_CLOUDFRONT_PRIVATE_KEY",
                            "set it (PEM) or PICUP_CLOUDFRONT_PRIVATE_KEY_FILE with PICUP_CLOUDFRONT_DOMAIN",
                        )
                    })?;
                crate::cdn::CloudFrontSigner::new(&domain, &key_pair_id, private_key_pem.expose_secret(), None)
                    .map_err(|e| ConfigError::new("PICUP_CLOUDFRONT_PRIVATE_KEY", e.to_string()))?;
                Some(CdnConfig {
                    domain,
                    key_pair_id,
                    private_key_pem,
                    distribution_id: vars.string("PICUP_CLOUDFRONT_DISTRIBUTION_ID"),
                    ip_range: vars.string("PICUP_CLOUDFRONT_IP_RANGE"),
                })
            }
        })
    }
}

impl ConfigError {
    pub fn new(var: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError { var: var.into(), message: message.into() }
    }
}

struct Vars<'a>(&'a dyn Fn(&str) -> Option<String>);

impl Vars<'_> {
    fn string(&self, name: &str) -> Option<String> {
        (self.0)(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    /// A secret, given in the variable itself or, for secrets mounted as files (Kubernetes,
    /// Docker), in the file the `_FILE` variable names.
    fn secret(&self, name: &str, file_name: &str) -> Result<Option<SecretString>, ConfigError> {
        if let Some(value) = self.string(name) {
            return Ok(Some(value.into()));
        }
        match self.string(file_name) {
            None => Ok(None),
            Some(path) => match std::fs::read_to_string(&path) {
                Ok(value) => Ok(Some(value.trim().to_owned()).filter(|v| !v.is_empty()).map(SecretString::from)),
                Err(e) => Err(ConfigError::new(file_name, format!("cannot read {path}: {e}"))),
            },
        }
    }

    fn parse<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        Ok(self.optional(name)?.unwrap_or(default))
    }

    fn optional<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        match self.string(name) {
            None => Ok(None),
            Some(raw) => raw.parse().map(Some).map_err(|e| ConfigError::new(name, format!("cannot read {raw:?}: {e}"))),
        }
    }

    fn positive<T>(&self, name: &str, default: T) -> Result<T, ConfigError>
    where
        T: std::str::FromStr + PartialOrd + Default,
        T::Err: std::fmt::Display,
    {
        let value = self.parse(name, default)?;
        if value <= T::default() {
            return Err(ConfigError::new(name, "must be greater than zero"));
        }
        Ok(value)
    }

    fn seconds(&self, name: &str, default: u64) -> Result<Duration, ConfigError> {
        self.positive(name, default).map(Duration::from_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn oidc_providers_are_read_by_name_and_their_mistakes_named() {
        let read = |pairs: &[(&str, &str)]| {
            let vars: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
            Config::from_lookup(|name| vars.get(name).cloned())
        };
        let config = read(&[
            ("PICUP_OIDC_PROVIDERS", "google, family"),
            ("PICUP_OIDC_GOOGLE_ISSUER", "https://accounts.google.com/"),
            ("PICUP_OIDC_GOOGLE_CLIENT_ID", "picup.apps.googleusercontent.com"),
            ("PICUP_OIDC_GOOGLE_CLIENT_SECRET", "s3cret"),
            ("PICUP_OIDC_FAMILY_ISSUER", "http://127.0.0.1:9000/application/o/picup"),
            ("PICUP_OIDC_FAMILY_CLIENT_ID", "picup"),
            ("PICUP_OIDC_FAMILY_CLIENT_SECRET", "t0ps3cret"),
            ("PICUP_OIDC_FAMILY_SCOPES", "email"),
            ("PICUP_OIDC_FAMILY_LABEL", "Our family login"),
        ])
        .expect("valid");
        let [google, family] = &config.oidc[..] else { panic!("two providers: {:?}", config.oidc) };
        assert_eq!((google.name.as_str(), google.label.as_str()), ("google", "Google"));
        assert_eq!(google.issuer, "https://accounts.google.com");
        assert_eq!(google.scopes, ["openid", "email", "profile"]);
        assert_eq!(family.scopes, ["openid", "email"]);
        assert_eq!(family.label, "Our family login");
        assert!(!format!("{config:?}").contains("s3cret"), "secrets are not printed");

        let err = read(&[("PICUP_OIDC_PROVIDERS", "google"), ("PICUP_OIDC_GOOGLE_ISSUER", "https://x")])
            .expect_err("no client id");
        assert_eq!(err.var, "PICUP_OIDC_GOOGLE_CLIENT_ID");
        let err = read(&[
            ("PICUP_OIDC_PROVIDERS", "kakao"),
            ("PICUP_OIDC_KAKAO_ISSUER", "http://kauth.kakao.com"),
            ("PICUP_OIDC_KAKAO_CLIENT_ID", "id"),
            ("PICUP_OIDC_KAKAO_CLIENT_SECRET", "secret"),
        ])
        .expect_err("plain http");
        assert_eq!(err.var, "PICUP_OIDC_KAKAO_ISSUER", "no plain http off this machine");
        assert_eq!(read(&[("PICUP_OIDC_PROVIDERS", "a-b")]).expect_err("a bad name").var, "PICUP_OIDC_PROVIDERS");
    }

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_are_the_embedded_mode() {
        let config = config(&[]).expect("defaults are valid");
        assert!(config.database_url.expose_secret().starts_with("sqlite://"));
        assert!(matches!(config.storage, StorageConfig::Embedded { .. }));
        assert!(config.standalone());
        assert_eq!(config.limits.default_quota_bytes, 10 * GIB);
        assert!(config.limits.allowed_types.contains("video/quicktime"));
    }

    #[test]
    fn unknown_database_scheme_names_the_variable() {
        let err = config(&[("DATABASE_URL", "mysql://localhost/picup")]).expect_err("mysql is refused");
        assert_eq!(err.var, "DATABASE_URL");
    }

    #[test]
    fn bad_numbers_name_the_variable() {
        let err = config(&[("PICUP_DEFAULT_QUOTA_BYTES", "lots")]).expect_err("not a number");
        assert_eq!(err.var, "PICUP_DEFAULT_QUOTA_BYTES");
        let err = config(&[("PICUP_DEFAULT_QUOTA_BYTES", "0")]).expect_err("zero quota");
        assert_eq!(err.var, "PICUP_DEFAULT_QUOTA_BYTES");
    }

    #[test]
    fn half_credentials_are_refused_and_secrets_not_printed() {
        let err = config(&[("PICUP_S3_BUCKET", "b"), ("PICUP_S3_ACCESS_KEY_ID", "id")]).expect_err("secret missing");
        assert_eq!(err.var, "PICUP_S3_SECRET_ACCESS_KEY");
        let config = config(&[
            ("PICUP_S3_BUCKET", "b"),
            ("PICUP_S3_ACCESS_KEY_ID", "id"),
            ("PICUP_S3_SECRET_ACCESS_KEY", "hunter2"),
        ])
        .expect("valid");
        assert!(!format!("{config:?}").contains("hunter2"));
        let with_passwords = super::Config::from_lookup(|name| match name {
            "DATABASE_URL" => Some("postgres://picup:dbpass@db/picup".into()),
            "REDIS_URL" => Some("rediss://:redispass@cache:6379".into()),
            _ => None,
        })
        .expect("valid");
        let printed = format!("{with_passwords:?}");
        assert!(!printed.contains("dbpass") && !printed.contains("redispass"), "{printed}");
    }

    #[test]
    fn secrets_can_come_from_mounted_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = dir.path().join("database-url");
        std::fs::write(&database, "postgres://picup:s3cret@db/picup\n").expect("write");
        let path = database.display().to_string();
        let from_file = config(&[("DATABASE_URL_FILE", &path)]).expect("valid");
        assert_eq!(from_file.database_url.expose_secret(), "postgres://picup:s3cret@db/picup");
        assert!(!format!("{from_file:?}").contains("s3cret"), "a printed configuration shows no password");
        let err = config(&[("REDIS_URL_FILE", "/nonexistent/redis-url")]).expect_err("unreadable file");
        assert_eq!(err.var, "REDIS_URL_FILE");
    }
}

impl Limits {
    /// The part size for a multipart upload of `size` bytes: the configured size, or more when
    /// the file would otherwise need more than S3's 10 000 parts (rounded up to whole MiB).
    pub fn part_size_for(&self, size: i64) -> i64 {
        let needed = (size + 9_999) / 10_000;
        let needed = (needed + MIB - 1) / MIB * MIB;
        self.part_size_bytes.max(needed)
    }
}

#[cfg(test)]
mod part_size_tests {
    use super::*;

    #[test]
    fn huge_files_get_bigger_parts_so_they_fit_in_ten_thousand() {
        let limits = Config::from_lookup(|_| None).expect("defaults").limits;
        assert_eq!(limits.part_size_for(100 * MIB), limits.part_size_bytes);
        let huge = 500 * GIB;
        let part = limits.part_size_for(huge);
        assert!((huge + part - 1) / part <= 10_000);
        assert_eq!(part % MIB, 0);
    }
}
