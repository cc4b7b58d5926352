//! Single sign-on against a real OpenID provider (node-oidc-provider, started here): the whole
//! code flow through HTTP, and each way it must refuse: a wrong state, another browser's state, a
//! replayed code, an ID token tampered with, for another audience, expired, from another issuer
//! or with another nonce, and a provider account nobody here knows without an invite.

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::oidc::OidcTestProvider;
use crate::helpers::{TestApp, User};

struct Sso {
    app: TestApp,
    provider: OidcTestProvider,
    public_url: String,
}

impl Sso {
    async fn start() -> Sso {
        let provider = OidcTestProvider::start().await;
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("addr").port();
        let public_url = format!("http://localhost:{port}");
        let mut settings = provider.settings();
        settings.push(("PICUP_HTTP_ADDR".into(), format!("127.0.0.1:{port}")));
        settings.push(("PICUP_PUBLIC_URL".into(), public_url.clone()));
        let settings: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        Sso { app: TestApp::spawn_with(&settings).await, provider, public_url }
    }

    /// Leaves picup for the provider: the authorization URL and the state cookie picup set.
    async fn leave(&self, provider: &str, invite: Option<&str>) -> (String, String) {
        let query = invite.map(|invite| format!("?invite={invite}")).unwrap_or_default();
        let response = self
            .app
            .request(Method::GET, &format!("/auth/oidc/{provider}/start{query}"), None)
            .send()
            .await
            .expect("start");
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "off to the provider");
        (location(&response), cookie(&response, "picup_oidc_state").expect("the trip's state cookie"))
    }

    /// Comes back to picup's callback (`back` is the URL the provider sent the browser to) with
    /// the browser's state cookie: where picup sends the browser, and the session cookie if any.
    async fn come_back(&self, back: &str, state_cookie: Option<&str>) -> (String, Option<String>) {
        let path = back.strip_prefix(&self.public_url).expect("the provider sends the browser back to picup");
        let mut request = self.app.request(Method::GET, &format!("{}{path}", self.app.base), None);
        if let Some(state) = state_cookie {
            request = request.header(COOKIE, format!("picup_oidc_state={state}"));
        }
        let response = request.send().await.expect("callback");
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "the callback always sends the browser on");
        let target = location(&response);
        assert!(target.starts_with(&format!("{}/#/", self.public_url)), "only ever to PICUP_PUBLIC_URL: {target}");
        (target, cookie(&response, "picup_session").filter(|session| !session.is_empty()))
    }

    /// The whole trip for `login` at `provider`.
    async fn sign_in(&self, provider: &str, login: &str, invite: Option<&str>) -> (String, Option<String>) {
        let (authorization, state) = self.leave(provider, invite).await;
        let back = self.provider.sign_in(&self.app.client, &authorization, login).await;
        self.come_back(&back, Some(&state)).await
    }

    async fn me(&self, session: &str) -> Value {
        let response = self
            .app
            .request(Method::GET, "/me", None)
            .header(COOKIE, format!("picup_session={session}"))
            .send()
            .await
            .expect("me");
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("json")
    }

    async fn people(&self, admin: &User) -> usize {
        self.app.get("/admin/users", &admin.token).await.1["items"].as_array().map_or(0, Vec::len)
    }

    async fn invite(&self, admin: &User) -> String {
        let (status, invite) = self.app.post("/invites", &admin.token, json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{invite}");
        invite["token"].as_str().expect("token").to_owned()
    }
}

fn location(response: &reqwest::Response) -> String {
    response.headers()[LOCATION].to_str().expect("ascii").to_owned()
}

fn cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response.headers().get_all(SET_COOKIE).iter().find_map(|set| {
        let pair = set.to_str().ok()?.split(';').next()?;
        let (cookie_name, value) = pair.split_once('=')?;
        (cookie_name == name).then(|| value.to_owned())
    })
}

fn refused_with(target: &str, code: &str) -> bool {
    target.ends_with(&format!("/#/oidc-error/{code}"))
}

#[tokio::test]
async fn an_invited_grandson_joins_with_his_provider_account_and_comes_back_with_it() {
    let sso = Sso::start().await;
    let admin = sso.app.admin().await;
    let (_, methods) = sso.app.call(Method::GET, "/auth/methods", None, None).await;
    assert_eq!(methods["providers"][0], json!({ "name": "family", "label": "Family" }), "{methods}");

    let invite = sso.invite(&admin).await;
    let (target, session) = sso.sign_in("family", "minjun", Some(&invite)).await;
    assert!(target.ends_with("/#/albums"), "{target}");
    let me = sso.me(&session.expect("signed in")).await;
    assert_eq!((me["email"].as_str(), me["display_name"].as_str()), (Some("minjun@family.example"), Some("Minjun")));
    assert_eq!(sso.people(&admin).await, 2);

    // Later, on another device: the same provider account, no invite, the same person.
    let (target, session) = sso.sign_in("family", "minjun", None).await;
    assert!(target.ends_with("/#/albums"), "{target}");
    let session = session.expect("signed in again");
    assert_eq!(sso.me(&session).await["id"], me["id"], "no second account");
    assert_eq!(sso.people(&admin).await, 2);
    let (_, sessions) = sso.app.get("/sessions", &session).await;
    assert!(sessions["items"].as_array().expect("items").iter().all(|s| s["signed_in_with"] == "oidc"), "{sessions}");
    let (_, linked) = sso.app.get("/me/identities", &session).await;
    assert_eq!(linked["items"][0]["provider"], "family", "{linked}");
    assert_eq!(linked["items"][0]["email"], "minjun@family.example");

    // The invite was used up by joining.
    let (target, session) = sso.sign_in("family", "seoyeon", Some(&invite)).await;
    assert!(refused_with(&target, "oidc_invite_used") && session.is_none(), "{target}");

    // He has no password, so the provider is his only way in: it cannot be unlinked until he
    // chooses a password (no old one asked) or adds a passkey.
    assert_eq!(me["has_password"], false, "{me}");
    let (status, body) = sso.app.delete("/me/identities/family", &session_of_minjun(&sso).await).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("last_way_in")), "{body}");
    let minjun = session_of_minjun(&sso).await;
    let (status, body) = sso
        .app
        .call(Method::PUT, "/me/password", Some(&minjun), Some(json!({ "new_password": "minjun's own password" })))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "his first password: {body}");
    assert_eq!(sso.app.get("/me", &minjun).await.1["has_password"], true);
    assert_eq!(sso.app.delete("/me/identities/family", &minjun).await.0, StatusCode::NO_CONTENT);
    sso.app.stop().await;
}

async fn session_of_minjun(sso: &Sso) -> String {
    sso.sign_in("family", "minjun", None).await.1.expect("minjun signs in")
}

#[tokio::test]
async fn a_provider_account_nobody_here_knows_is_refused_without_an_invite() {
    let sso = Sso::start().await;
    let admin = sso.app.admin().await;
    let (target, session) = sso.sign_in("family", "stranger", None).await;
    assert!(refused_with(&target, "oidc_unknown"), "{target}");
    assert!(session.is_none(), "no session");
    assert_eq!(sso.people(&admin).await, 1, "nobody joined");
    sso.app.stop().await;
}

#[tokio::test]
async fn she_links_her_account_and_signs_in_with_it_and_nobody_else_can_take_it() {
    let sso = Sso::start().await;
    let admin = sso.app.admin().await;
    let aunt = sso.app.member(&admin, "aunt@family.test").await;

    let link = |user: &User| {
        sso.app.request(Method::POST, "/auth/oidc/family/link", Some(&user.token)).json(&json!({})).send()
    };
    let response = link(&aunt).await.expect("link");
    assert_eq!(response.status(), StatusCode::OK);
    let state = cookie(&response, "picup_oidc_state").expect("state cookie");
    let url = response.json::<Value>().await.expect("json")["url"].as_str().expect("url").to_owned();
    let back = sso.provider.sign_in(&sso.app.client, &url, "aunt").await;
    let (target, _) = sso.come_back(&back, Some(&state)).await;
    assert!(target.ends_with("/#/devices"), "linked, back to her settings: {target}");

    let (target, session) = sso.sign_in("family", "aunt", None).await;
    assert!(target.ends_with("/#/albums"), "{target}");
    assert_eq!(sso.me(&session.expect("session")).await["email"], "aunt@family.test");

    // The admin cannot link the aunt's provider account to himself.
    let response = link(&admin).await.expect("link");
    let state = cookie(&response, "picup_oidc_state").expect("state cookie");
    let url = response.json::<Value>().await.expect("json")["url"].as_str().expect("url").to_owned();
    let back = sso.provider.sign_in(&sso.app.client, &url, "aunt").await;
    let (target, _) = sso.come_back(&back, Some(&state)).await;
    assert!(refused_with(&target, "oidc_linked_elsewhere"), "{target}");

    assert_eq!(sso.app.delete("/me/identities/family", &aunt.token).await.0, StatusCode::NO_CONTENT);
    let (target, session) = sso.sign_in("family", "aunt", None).await;
    assert!(refused_with(&target, "oidc_unknown") && session.is_none(), "unlinked: {target}");
    sso.app.stop().await;
}

#[tokio::test]
async fn a_wrong_state_another_browsers_state_or_a_replayed_code_signs_nobody_in() {
    let sso = Sso::start().await;
    let admin = sso.app.admin().await;
    let invite = sso.invite(&admin).await;

    // The provider sends back a state picup never gave out.
    let (authorization, state) = sso.leave("family", Some(&invite)).await;
    let back = sso.provider.sign_in(&sso.app.client, &authorization, "minjun").await;
    let forged = back.replace("state=", "state=x");
    let (target, session) = sso.come_back(&forged, Some(&state)).await;
    assert!(refused_with(&target, "oidc_refused") && session.is_none(), "{target}");

    // A code and state sent to someone else's browser (without the state cookie) sign nobody in.
    let (authorization, _) = sso.leave("family", Some(&invite)).await;
    let back = sso.provider.sign_in(&sso.app.client, &authorization, "minjun").await;
    let (target, session) = sso.come_back(&back, None).await;
    assert!(refused_with(&target, "oidc_refused") && session.is_none(), "{target}");

    // The real trip works once; the same answer again does not, nor its code in a new trip.
    let (authorization, state) = sso.leave("family", Some(&invite)).await;
    let back = sso.provider.sign_in(&sso.app.client, &authorization, "minjun").await;
    let (target, session) = sso.come_back(&back, Some(&state)).await;
    assert!(target.ends_with("/#/albums") && session.is_some(), "{target}");
    let (target, session) = sso.come_back(&back, Some(&state)).await;
    assert!(refused_with(&target, "oidc_refused") && session.is_none(), "replayed answer: {target}");
    let (_, new_state) = sso.leave("family", None).await;
    let code = back.split("code=").nth(1).and_then(|rest| rest.split('&').next()).expect("code");
    let replayed = format!("{}/api/v1/auth/oidc/family/callback?code={code}&state={new_state}", sso.public_url);
    let (target, session) = sso.come_back(&replayed, Some(&new_state)).await;
    assert!(refused_with(&target, "oidc_refused") && session.is_none(), "replayed code: {target}");
    assert_eq!(sso.people(&admin).await, 2, "minjun joined once");
    sso.app.stop().await;
}

#[tokio::test]
async fn id_tokens_that_do_not_verify_are_refused_even_with_an_invite() {
    let sso = Sso::start().await;
    let admin = sso.app.admin().await;
    let invite = sso.invite(&admin).await;
    for provider in ["tampered", "wrongaudience", "expired", "wrongissuer", "wrongnonce"] {
        let (target, session) = sso.sign_in(provider, "mallory", Some(&invite)).await;
        assert!(refused_with(&target, "oidc_refused"), "{provider}: {target}");
        assert!(session.is_none(), "{provider}: no session");
    }
    assert_eq!(sso.people(&admin).await, 1, "nobody joined");
    // The same invite and provider with a token that verifies: the refusals were the tokens.
    let (target, session) = sso.sign_in("family", "mallory", Some(&invite)).await;
    assert!(target.ends_with("/#/albums") && session.is_some(), "{target}");
    sso.app.stop().await;
}

#[tokio::test]
async fn a_person_who_says_no_at_the_provider_is_told_so() {
    let sso = Sso::start().await;
    let back = format!("{}/api/v1/auth/oidc/family/callback?error=access_denied&state=whatever", sso.public_url);
    let (target, session) = sso.come_back(&back, Some("whatever")).await;
    assert!(refused_with(&target, "oidc_cancelled") && session.is_none(), "{target}");
    sso.app.stop().await;
}

#[tokio::test]
async fn a_provider_that_cannot_be_reached_sends_her_to_a_page_not_an_error() {
    let app = TestApp::spawn_with(&[
        ("PICUP_OIDC_PROVIDERS", "family"),
        ("PICUP_OIDC_FAMILY_ISSUER", "http://127.0.0.1:9"),
        ("PICUP_OIDC_FAMILY_CLIENT_ID", "picup"),
        ("PICUP_OIDC_FAMILY_CLIENT_SECRET", "secret"),
    ])
    .await;
    for (provider, code) in [("family", "oidc_unavailable"), ("nobody", "oidc_refused")] {
        let response =
            app.request(Method::GET, &format!("/auth/oidc/{provider}/start"), None).send().await.expect("start");
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{provider}");
        let target = location(&response);
        assert!(refused_with(&target, code), "{provider}: {target}");
    }
    app.stop().await;
}
