//! A real OpenID Connect provider for tests: node-oidc-provider, run from `testkit/oidc-provider`
//! (its README says how it behaves), and a person signing in at it through HTTP.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The secret every test client of the provider shares.
pub const CLIENT_SECRET: &str = "picup-test-secret";

/// The provider's clients: a well-behaved one, and one per way an ID token can be wrong.
pub const CLIENTS: [(&str, &str); 6] = [
    ("family", "picup"),
    ("tampered", "picup-tampered"),
    ("wrongaudience", "picup-wrong-audience"),
    ("expired", "picup-expired"),
    ("wrongissuer", "picup-wrong-issuer"),
    ("wrongnonce", "picup-wrong-nonce"),
];

/// The provider, running until dropped (it also exits when the test process dies: its stdin
/// closes).
pub struct OidcTestProvider {
    pub issuer: String,
    _child: Child,
}

impl OidcTestProvider {
    /// Starts it on a free port; fails the test when it cannot (Node or its packages missing).
    pub async fn start() -> OidcTestProvider {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("oidc-provider");
        assert!(
            dir.join("node_modules/oidc-provider").exists(),
            "the test OpenID provider's packages are missing: `npm ci` in {} (`./picup test` does it)",
            dir.display()
        );
        let mut child = Command::new("node")
            .arg(dir.join("server.mjs"))
            .args(["--port", "0", "--exit-with-stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start the test OpenID provider with node: {err}"));
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).await.expect("the provider's first line");
        let started: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|_| panic!("the test OpenID provider did not start: {line:?}"));
        let issuer = started["issuer"].as_str().expect("issuer").to_owned();
        OidcTestProvider { issuer, _child: child }
    }

    /// picup's settings for every client of this provider (`PICUP_OIDC_*`).
    pub fn settings(&self) -> Vec<(String, String)> {
        let names: Vec<&str> = CLIENTS.iter().map(|(name, _)| *name).collect();
        let mut settings = vec![("PICUP_OIDC_PROVIDERS".to_owned(), names.join(","))];
        for (name, client_id) in CLIENTS {
            let var = |suffix: &str| format!("PICUP_OIDC_{}_{suffix}", name.to_uppercase());
            settings.push((var("ISSUER"), self.issuer.clone()));
            settings.push((var("CLIENT_ID"), client_id.to_owned()));
            settings.push((var("CLIENT_SECRET"), CLIENT_SECRET.to_owned()));
        }
        settings
    }

    /// A person signs in at the provider as `login`, starting from the authorization URL picup
    /// sent the browser to; returns the URL the provider sends the browser back to (picup's
    /// callback, with `code` and `state`).
    pub async fn sign_in(&self, client: &reqwest::Client, authorization_url: &str, login: &str) -> String {
        let mut cookies = BTreeMap::new();
        let mut url = authorization_url.to_owned();
        let mut posted = false;
        for _ in 0..8 {
            let absolute = if url.starts_with('/') { format!("{}{url}", self.issuer) } else { url.clone() };
            if !absolute.starts_with(&self.issuer) {
                return absolute;
            }
            let mut request = if !posted && absolute.contains("/interaction/") && url_has_login_form(&absolute) {
                posted = true;
                client.post(&absolute).form(&[("login", login), ("password", "any password")])
            } else {
                client.get(&absolute)
            };
            if !cookies.is_empty() {
                let header: Vec<String> = cookies.iter().map(|(name, value)| format!("{name}={value}")).collect();
                request = request.header(COOKIE, header.join("; "));
            }
            let response = request.send().await.expect("the provider answers");
            for set in response.headers().get_all(SET_COOKIE) {
                let pair = set.to_str().expect("ascii").split(';').next().unwrap_or_default();
                if let Some((name, value)) = pair.split_once('=') {
                    cookies.insert(name.trim().to_owned(), value.trim().to_owned());
                }
            }
            match response.status() {
                StatusCode::OK => {} // the login form: post it next, to the same URL
                status if status.is_redirection() => {
                    url = response.headers()[LOCATION].to_str().expect("ascii").to_owned();
                    continue;
                }
                status => panic!(
                    "the provider answered {status} at {absolute}: {}",
                    response.text().await.unwrap_or_default()
                ),
            }
        }
        panic!("the provider never sent the browser back")
    }
}

/// The login page is `/interaction/<uid>` itself (not `/interaction/<uid>/abort`).
fn url_has_login_form(url: &str) -> bool {
    url.split("/interaction/").nth(1).is_some_and(|rest| !rest.contains('/'))
}
