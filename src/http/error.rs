//! Every refusal is JSON `{"error": "...", "code": "..."}` with a fitting status; a 429
//! carries Retry-After. Internal failures are logged, and the visitor sees a plain apology.

use crate::engine::{AppError, ErrorKind};
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), retry_after: None }
    }

    pub fn rate_limited(secs: u64, what: &str) -> ApiError {
        ApiError {
            retry_after: Some(secs),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("Too many {what}; try again in {secs} s."),
            )
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        let message = e.to_string();
        match e.kind() {
            ErrorKind::Invalid => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message),
            ErrorKind::Auth | ErrorKind::SessionEnded => {
                ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
            }
            ErrorKind::Denied => ApiError::new(StatusCode::FORBIDDEN, "forbidden", message),
            ErrorKind::Conflict => ApiError::new(StatusCode::CONFLICT, "conflict", message),
            ErrorKind::NotFound => ApiError::new(StatusCode::NOT_FOUND, "not_found", message),
            ErrorKind::Busy => ApiError {
                retry_after: Some(1),
                ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", "The service is busy; try again in a moment.")
            },
            ErrorKind::Unavailable => {
                tracing::error!(error = %message, "visitor API: the database cannot take the request");
                ApiError {
                    retry_after: Some(5),
                    ..ApiError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "unavailable",
                        "The service is unavailable for a moment; nothing was lost on your side, try again shortly.",
                    )
                }
            }
            ErrorKind::Internal => {
                tracing::error!(error = %message, "visitor API store failure");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Something went wrong on our side; please try again.",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(serde_json::json!({ "error": self.message, "code": self.code }));
        let mut res = (self.status, body).into_response();
        if self.status == StatusCode::REQUEST_TIMEOUT {
            // The rest of a stalled body is not waited for: the connection ends here.
            res.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}
