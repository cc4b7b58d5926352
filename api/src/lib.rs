//! The picup HTTP api as a library: `app::start` builds and serves it, for `main` and for tests.

pub mod app;
pub mod auth;
pub mod error;
pub mod extract;
pub mod import;
pub mod media_json;
pub mod oidc;
pub mod passwords;
pub mod places;
pub mod rate_limit;
pub mod routes;
pub mod share;
pub mod sign_in;
pub mod state;
pub mod views;
pub mod zip;
