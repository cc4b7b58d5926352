//! CloudFront: signed view URLs and invalidations.
//!
//! No AWS Rust crate signs CloudFront URLs, so this does: RSA PKCS#1 v1.5 over the SHA-1 of the
//! policy JSON, in CloudFront's URL-safe base64 (`+` -> `-`, `=` -> `_`, `/` -> `~`). The expiry is
//! rounded up to a time window, so the same object gets the same URL for a whole window and the
//! browser cache works.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use sha1::{Digest, Sha1};

#[derive(Debug, thiserror::Error)]
pub enum CdnError {
    #[error("the CloudFront private key is not an RSA key in PEM (PKCS#1 or PKCS#8)")]
    BadKey,
    #[error("cannot sign: {0}")]
    Sign(String),
}

#[derive(Clone)]
pub struct CloudFrontSigner {
    domain: String,
    key_pair_id: String,
    key: RsaPrivateKey,
    /// When set, URLs use a custom policy limited to this source range (CIDR).
    ip_range: Option<String>,
}

impl std::fmt::Debug for CloudFrontSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudFrontSigner")
            .field("domain", &self.domain)
            .field("key_pair_id", &self.key_pair_id)
            .finish()
    }
}

impl CloudFrontSigner {
    pub fn new(
        domain: &str,
        key_pair_id: &str,
        private_key_pem: &str,
        ip_range: Option<String>,
    ) -> Result<Self, CdnError> {
        let key = RsaPrivateKey::from_pkcs8_pem(private_key_pem)
            .or_else(|_| RsaPrivateKey::from_pkcs1_pem(private_key_pem))
            .map_err(|_| CdnError::BadKey)?;
        let domain = domain.trim_end_matches('/');
        let domain = if domain.starts_with("https://") { domain.to_owned() } else { format!("https://{domain}") };
        Ok(CloudFrontSigner { domain, key_pair_id: key_pair_id.to_owned(), key, ip_range })
    }

    pub fn resource_url(&self, key: &str) -> String {
        format!("{}/{}", self.domain, key.trim_start_matches('/'))
    }

    /// A signed URL for `key`, valid until the end of the window after the current one (so at
    /// least `window` from now).
    pub fn sign(&self, key: &str, window: Duration, now: SystemTime) -> Result<String, CdnError> {
        let expires = window_expiry(window, now);
        let resource = self.resource_url(key);
        let (policy, canned) = match &self.ip_range {
            None => (canned_policy(&resource, expires), true),
            Some(range) => (custom_policy(&resource, expires, range), false),
        };
        let signature = cloudfront_base64(&self.sign_bytes(policy.as_bytes())?);
        Ok(if canned {
            format!("{resource}?Expires={expires}&Signature={signature}&Key-Pair-Id={}", self.key_pair_id)
        } else {
            format!(
                "{resource}?Policy={}&Signature={signature}&Key-Pair-Id={}",
                cloudfront_base64(policy.as_bytes()),
                self.key_pair_id
            )
        })
    }

    fn sign_bytes(&self, message: &[u8]) -> Result<Vec<u8>, CdnError> {
        let digest = Sha1::digest(message);
        self.key.sign(Pkcs1v15Sign::new::<Sha1>(), &digest).map_err(|e| CdnError::Sign(e.to_string()))
    }
}

/// The end of the window after the current one, in epoch seconds.
pub fn window_expiry(window: Duration, now: SystemTime) -> u64 {
    let window = window.as_secs().max(1);
    let now = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    (now / window + 2) * window
}

/// The canned policy exactly as CloudFront rebuilds it to check the signature (no whitespace).
pub fn canned_policy(resource: &str, expires: u64) -> String {
    format!(
        r#"{{"Statement":[{{"Resource":"{resource}","Condition":{{"DateLessThan":{{"AWS:EpochTime":{expires}}}}}}}]}}"#
    )
}

fn custom_policy(resource: &str, expires: u64, ip_range: &str) -> String {
    format!(
        r#"{{"Statement":[{{"Resource":"{resource}","Condition":{{"DateLessThan":{{"AWS:EpochTime":{expires}}},"IpAddress":{{"AWS:SourceIp":"{ip_range}"}}}}}}]}}"#
    )
}

/// Base64 with CloudFront's substitutions for characters that are special in URLs.
pub fn cloudfront_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes).replace('+', "-").replace('=', "_").replace('/', "~")
}

/// Sends invalidations; a trait so tests can record what would be sent.
#[async_trait::async_trait]
pub trait Invalidator: Send + Sync {
    async fn invalidate(&self, paths: &[String]) -> Result<(), InvalidateError>;
}

#[derive(Debug, thiserror::Error)]
pub enum InvalidateError {
    /// CloudFront allows a limited number of invalidations in progress; back off and retry.
    #[error("too many invalidations in progress")]
    Throttled,
    #[error("invalidation failed: {0}")]
    Failed(String),
}

/// CloudFront's `CreateInvalidation`.
pub struct CloudFrontInvalidator {
    client: aws_sdk_cloudfront::Client,
    distribution_id: String,
}

impl CloudFrontInvalidator {
    pub async fn new(distribution_id: &str) -> Self {
        let shared = aws_config::defaults(aws_config::BehaviorVersion::latest()).load().await;
        CloudFrontInvalidator {
            client: aws_sdk_cloudfront::Client::new(&shared),
            distribution_id: distribution_id.to_owned(),
        }
    }
}

/// The batch CloudFront receives: paths with a leading slash, and a caller reference derived from
/// them so a retried batch is the same invalidation, not a second one.
pub fn invalidation_batch(paths: &[String]) -> Result<aws_sdk_cloudfront::types::InvalidationBatch, InvalidateError> {
    use aws_sdk_cloudfront::types::{InvalidationBatch, Paths};
    let items: Vec<String> = paths.iter().map(|p| format!("/{}", p.trim_start_matches('/'))).collect();
    let reference = hex::encode(sha2::Sha256::digest(items.join("\n").as_bytes()));
    let paths = Paths::builder()
        .quantity(i32::try_from(items.len()).map_err(|e| InvalidateError::Failed(e.to_string()))?)
        .set_items(Some(items))
        .build()
        .map_err(|e| InvalidateError::Failed(e.to_string()))?;
    InvalidationBatch::builder()
        .paths(paths)
        .caller_reference(reference)
        .build()
        .map_err(|e| InvalidateError::Failed(e.to_string()))
}

#[async_trait::async_trait]
impl Invalidator for CloudFrontInvalidator {
    async fn invalidate(&self, paths: &[String]) -> Result<(), InvalidateError> {
        use aws_sdk_cloudfront::error::ProvideErrorMetadata;
        let batch = invalidation_batch(paths)?;
        match self
            .client
            .create_invalidation()
            .distribution_id(&self.distribution_id)
            .invalidation_batch(batch)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err) if err.code() == Some("TooManyInvalidationsInProgress") => Err(InvalidateError::Throttled),
            Err(err) => Err(InvalidateError::Failed(aws_sdk_cloudfront::error::DisplayErrorContext(&err).to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn cloudfront_base64_has_no_url_special_characters() {
        let encoded = cloudfront_base64(&[0xfb, 0xff, 0xfe, 0x3e, 0x3f]);
        assert!(!encoded.contains(['+', '=', '/']), "{encoded}");
        assert_eq!(encoded, "-~~-Pj8_");
    }

    #[test]
    fn the_expiry_is_the_same_for_a_whole_window() {
        let window = Duration::from_secs(3600);
        let at = |secs| UNIX_EPOCH + Duration::from_secs(secs);
        assert_eq!(window_expiry(window, at(7200)), 14_400);
        assert_eq!(window_expiry(window, at(10_799)), 14_400);
        assert_eq!(window_expiry(window, at(10_800)), 18_000);
        assert!(window_expiry(window, at(10_799)) - 10_799 >= 3600, "valid at least one window");
    }

    #[test]
    fn the_canned_policy_has_cloudfronts_exact_shape() {
        assert_eq!(
            canned_policy("https://d.example/a.jpg", 1_700_000_000),
            r#"{"Statement":[{"Resource":"https://d.example/a.jpg","Condition":{"DateLessThan":{"AWS:EpochTime":1700000000}}}]}"#
        );
    }

    fn openssl(args: &[&str], dir: &std::path::Path) -> std::process::Output {
        let output =
            std::process::Command::new("openssl").args(args).current_dir(dir).output().expect("openssl is installed");
        assert!(output.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&output.stderr));
        output
    }

    /// Signs with a PKCS#8 and a PKCS#1 key and checks each signature the way CloudFront does,
    /// with `openssl dgst -sha1 -verify` over the policy it rebuilds from the URL.
    #[test]
    fn signatures_verify_with_openssl_for_both_key_formats() {
        let dir = tempfile::tempdir().expect("temp dir");
        openssl(&["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "pkcs8.pem"], dir.path());
        openssl(&["rsa", "-in", "pkcs8.pem", "-traditional", "-out", "pkcs1.pem"], dir.path());
        openssl(&["rsa", "-in", "pkcs8.pem", "-pubout", "-out", "public.pem"], dir.path());
        for key_file in ["pkcs8.pem", "pkcs1.pem"] {
            let pem = std::fs::read_to_string(dir.path().join(key_file)).expect("key");
            let signer =
                CloudFrontSigner::new("d111111abcdef8.cloudfront.net", "K2JCJMDEHXQW5F", &pem, None).expect(key_file);
            let url =
                signer.sign("derivatives/1/2/thumb.webp", Duration::from_secs(3600), SystemTime::now()).expect("sign");
            let query: HashMap<&str, &str> =
                url.split_once('?').expect("query").1.split('&').filter_map(|kv| kv.split_once('=')).collect();
            assert_eq!(query["Key-Pair-Id"], "K2JCJMDEHXQW5F");
            let expires: u64 = query["Expires"].parse().expect("expires");
            let policy = canned_policy("https://d111111abcdef8.cloudfront.net/derivatives/1/2/thumb.webp", expires);
            let signature = base64::engine::general_purpose::STANDARD
                .decode(query["Signature"].replace('-', "+").replace('_', "=").replace('~', "/"))
                .expect("base64");
            std::fs::write(dir.path().join("policy"), &policy).expect("write");
            std::fs::write(dir.path().join("signature"), &signature).expect("write");
            let verified =
                openssl(&["dgst", "-sha1", "-verify", "public.pem", "-signature", "signature", "policy"], dir.path());
            assert_eq!(String::from_utf8_lossy(&verified.stdout).trim(), "Verified OK", "{key_file}");

            // A tampered policy (a later expiry) does not verify.
            std::fs::write(
                dir.path().join("policy"),
                canned_policy("https://d111111abcdef8.cloudfront.net/derivatives/1/2/thumb.webp", expires + 1),
            )
            .expect("write");
            let tampered = std::process::Command::new("openssl")
                .args(["dgst", "-sha1", "-verify", "public.pem", "-signature", "signature", "policy"])
                .current_dir(dir.path())
                .output()
                .expect("openssl");
            assert!(!tampered.status.success(), "{key_file}: a tampered policy must not verify");
        }
    }

    #[test]
    fn an_ip_range_uses_a_custom_policy() {
        let dir = tempfile::tempdir().expect("temp dir");
        openssl(&["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "key.pem"], dir.path());
        let pem = std::fs::read_to_string(dir.path().join("key.pem")).expect("key");
        let signer = CloudFrontSigner::new("cdn.example", "KID", &pem, Some("192.0.2.0/24".into())).expect("signer");
        let url = signer.sign("a.jpg", Duration::from_secs(60), SystemTime::now()).expect("sign");
        assert!(url.starts_with("https://cdn.example/a.jpg?Policy=") && !url.contains("Expires="), "{url}");
    }

    #[test]
    fn an_invalidation_batch_names_each_path_once_with_a_stable_reference() {
        let paths = vec!["derivatives/1/2/thumb.webp".to_owned(), "/originals/1/2.jpg".to_owned()];
        let batch = invalidation_batch(&paths).expect("batch");
        let items = batch.paths().map(|p| p.items().to_vec()).unwrap_or_default();
        assert_eq!(items, vec!["/derivatives/1/2/thumb.webp", "/originals/1/2.jpg"]);
        assert_eq!(batch.paths().map(|p| p.quantity()), Some(2));
        assert_eq!(batch.caller_reference(), invalidation_batch(&paths).expect("again").caller_reference());
    }
}
