//! The api's one error type, mapped to HTTP in one place. Bodies are `{"code", "message"}` (plus
//! `fields` for validation); internal errors are logged once and never shown to the client.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use picup_common::db::{DbError, Refusal};
use picup_common::lock::LockError;
use picup_common::processing::{self, RotateError};
use picup_common::storage::StorageError;
use picup_common::uploads::{self, UploadError};
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("please sign in")]
    Unauthorized,
    #[error("wrong email or password")]
    InvalidCredentials,
    /// A way in that did not work (a passkey refused, a sign-in link used or expired); the
    /// message says what to do.
    #[error("{0}")]
    SignInRefused(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    /// Simple mode is on (#20): deleting and renaming photos and albums are off.
    #[error("simple mode is on, so photos and albums cannot be deleted or renamed; turn it off in Settings")]
    SimpleMode,
    #[error("not found")]
    NotFound,
    /// A share link with a password this browser has not given yet.
    #[error("this album is protected by a password; please enter it")]
    PasswordRequired,
    #[error("that is not the album's password; please try again")]
    WrongPassword,
    /// A share link revoked or past its end: it existed, and will not open again.
    #[error("{0}")]
    Gone(&'static str),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("{message}")]
    TooLarge { code: &'static str, message: String },
    #[error("please check the highlighted fields")]
    Validation(BTreeMap<&'static str, Vec<String>>),
    #[error("{message}")]
    Unprocessable { code: &'static str, message: String },
    #[error("{message}")]
    UnsupportedType { message: String },
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("too many requests; please wait a moment")]
    TooManyRequests { retry_after: Duration },
    #[error("the service is busy; please try again in a moment")]
    Unavailable(String),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn field(field: &'static str, message: impl Into<String>) -> Self {
        ApiError::Validation(BTreeMap::from([(field, vec![message.into()])]))
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::BadRequest { code, message: message.into() }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::Conflict { code, message: message.into() }
    }

    /// A change the access rules refused: `simple_mode`, or `forbidden` with `message`.
    pub fn refused(refusal: Refusal, message: &'static str) -> Self {
        match refusal {
            Refusal::SimpleMode => ApiError::SimpleMode,
            Refusal::NotAllowed => ApiError::Forbidden(message),
        }
    }

    /// The stable code clients (and metrics) see.
    pub fn code(&self) -> &'static str {
        self.status_and_code().1
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::InvalidCredentials => (StatusCode::UNAUTHORIZED, "invalid_credentials"),
            ApiError::SignInRefused(_) => (StatusCode::UNAUTHORIZED, "sign_in_refused"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::SimpleMode => (StatusCode::FORBIDDEN, "simple_mode"),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Gone(_) => (StatusCode::GONE, "gone"),
            ApiError::PasswordRequired => (StatusCode::UNAUTHORIZED, "password_required"),
            ApiError::WrongPassword => (StatusCode::UNAUTHORIZED, "wrong_password"),
            ApiError::Conflict { code, .. } => (StatusCode::CONFLICT, code),
            ApiError::TooLarge { code, .. } => (StatusCode::PAYLOAD_TOO_LARGE, code),
            ApiError::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
            ApiError::Unprocessable { code, .. } => (StatusCode::UNPROCESSABLE_ENTITY, code),
            ApiError::UnsupportedType { .. } => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_type"),
            ApiError::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, code),
            ApiError::TooManyRequests { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

/// Internal details travel to the logging middleware in the response's extensions, so they are
/// logged once, with the request's span, and never reach the client.
#[derive(Clone, Debug)]
pub struct InternalErrorDetail(pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = match &self {
            ApiError::Forbidden(message) | ApiError::SignInRefused(message) | ApiError::Gone(message) => {
                (*message).to_owned()
            }
            other => other.to_string(),
        };
        let mut body = json!({ "code": code, "message": message });
        if let ApiError::Validation(fields) = &self {
            body["fields"] = json!(fields);
        }
        let mut response = (status, Json(body)).into_response();
        match self {
            ApiError::TooManyRequests { retry_after } => {
                let seconds = retry_after.as_secs_f64().ceil().max(1.0).to_string();
                if let Ok(value) = HeaderValue::from_str(&seconds) {
                    response.headers_mut().insert(header::RETRY_AFTER, value);
                }
            }
            ApiError::Internal(err) => {
                response.extensions_mut().insert(InternalErrorDetail(format!("{err:#}")));
            }
            ApiError::Unavailable(detail) => {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
                response.extensions_mut().insert(InternalErrorDetail(detail));
            }
            _ => {}
        }
        response
    }
}

/// A handler that panics (a bug, or input nobody foresaw) answers this request with the usual
/// opaque 500, logged by `log_internal_errors`; the process and every other request carry on, and
/// no lock is left poisoned (every mutex here is taken with `PoisonError::into_inner`).
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into());
    ApiError::Internal(anyhow::anyhow!("handler panicked: {message}")).into_response()
}

impl From<DbError> for ApiError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::NotFound => ApiError::NotFound,
            DbError::Conflict => ApiError::conflict("conflict", "that already exists"),
            err if err.is_unavailable() => ApiError::Unavailable(err.to_string()),
            other => ApiError::Internal(other.into()),
        }
    }
}

impl From<StorageError> for ApiError {
    fn from(err: StorageError) -> Self {
        match err {
            StorageError::NotFound => ApiError::NotFound,
            StorageError::Unavailable(detail) => ApiError::Unavailable(format!("object store: {detail}")),
            other => ApiError::Internal(other.into()),
        }
    }
}

impl From<UploadError> for ApiError {
    fn from(err: UploadError) -> Self {
        let message = err.to_string();
        match err {
            UploadError::NotAContributor => ApiError::Forbidden(uploads::NOT_A_CONTRIBUTOR),
            UploadError::UnsupportedType(_) => ApiError::UnsupportedType { message },
            UploadError::Empty => ApiError::field("size", message),
            UploadError::BadFilename => ApiError::field("filename", message),
            UploadError::BadChecksum => ApiError::field("sha256", message),
            UploadError::NoSuchPart(_) => ApiError::field("part_number", message),
            UploadError::TooLarge { .. } => ApiError::TooLarge { code: "file_too_large", message },
            UploadError::QuotaExceeded { .. } => ApiError::TooLarge { code: "quota_exceeded", message },
            UploadError::PartsMissing { .. } | UploadError::NotArrived => {
                ApiError::Conflict { code: "upload_incomplete", message }
            }
            UploadError::LargerThanDeclared { .. } => ApiError::Unprocessable { code: "size_mismatch", message },
            UploadError::Lock(err) => err.into(),
            UploadError::Db(err) => err.into(),
            UploadError::Storage(err) => err.into(),
        }
    }
}

impl From<LockError> for ApiError {
    fn from(err: LockError) -> Self {
        ApiError::Unavailable(format!("user lock: {err}"))
    }
}

impl From<RotateError> for ApiError {
    fn from(err: RotateError) -> Self {
        let message = err.to_string();
        match err {
            RotateError::NotAllowed => ApiError::Forbidden(processing::NOT_AN_EDITOR),
            RotateError::InTrash => ApiError::conflict("in_trash", message),
            RotateError::Processing => ApiError::conflict("media_processing", message),
            RotateError::Failed => ApiError::conflict("media_failed", message),
            RotateError::Db(err) => err.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::extract::Request;
    use axum::routing::get;
    use tower::ServiceExt;
    use tower_http::catch_panic::CatchPanicLayer;

    use super::*;

    async fn boom() -> &'static str {
        panic!("input nobody foresaw")
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_500_and_the_next_request_is_served() {
        let app: Router = Router::new()
            .route("/boom", get(boom))
            .route("/fine", get(|| async { "fine" }))
            .layer(CatchPanicLayer::custom(panic_response));
        let boom = app.clone().oneshot(Request::get("/boom").body(Body::empty()).expect("request")).await;
        let boom = boom.expect("an answer, not a dropped connection");
        assert_eq!(boom.status(), axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        let detail = boom.extensions().get::<InternalErrorDetail>().map(|d| d.0.clone()).unwrap_or_default();
        assert!(detail.contains("input nobody foresaw"), "the log gets the detail: {detail}");
        let body = axum::body::to_bytes(boom.into_body(), 1 << 16).await.expect("body");
        let body: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(body["code"], "internal");
        assert!(!body.to_string().contains("foresaw"), "the client never sees the detail: {body}");
        let fine = app.oneshot(Request::get("/fine").body(Body::empty()).expect("request")).await.expect("answer");
        assert_eq!(fine.status(), axum::http::StatusCode::OK);
    }
}
