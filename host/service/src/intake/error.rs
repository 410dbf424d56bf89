//! HTTP errors: a status and a JSON body `{"error": {"code", "message"}}`
//! that says what was wrong in words a sender can act on.

use crate::gateway::{PluginError, SecretError};
use crate::service::ServiceError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Structured details, e.g. every problem of an invalid policy.
    pub details: Option<serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), details: None }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "malformed", message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "bad-signature", message)
    }
    pub fn too_large(limit: usize) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too-large", format!("the body exceeds the limit of {limit} bytes"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = json!({ "code": self.code, "message": self.message });
        if let Some(details) = self.details {
            error["details"] = details;
        }
        (self.status, Json(json!({ "error": error }))).into_response()
    }
}

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::NotFound { .. } => ApiError::new(StatusCode::NOT_FOUND, "not-found", err.to_string()),
            ServiceError::InvalidInput(message) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message),
            ServiceError::InvalidPolicy(ref errors) => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "invalid-policy",
                message: err.to_string(),
                details: serde_json::to_value(errors).ok(),
            },
            ServiceError::Connector(_) => ApiError::new(StatusCode::BAD_GATEWAY, "connector", err.to_string()),
            ServiceError::Plugin(ref error) => ApiError::new(plugin_status(error), "plugin", err.to_string()),
            ServiceError::Conflict(message) => ApiError::new(StatusCode::CONFLICT, "conflict", message),
            ServiceError::Secret(SecretError::InvalidName(_)) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", err.to_string())
            }
            ServiceError::Secret(SecretError::Unavailable(_)) => {
                tracing::error!(error = %err, "the secret store failed");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the secret store is unavailable; retry later",
                )
            }
            ServiceError::Store(_) | ServiceError::Seal(_) => {
                tracing::error!(error = %err, "request failed inside the service");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the service could not store the request; retry later",
                )
            }
        }
    }
}

fn plugin_status(error: &PluginError) -> StatusCode {
    match error {
        PluginError::NotAComponent(_)
        | PluginError::UnsupportedImport(_)
        | PluginError::WrongWorld(_)
        | PluginError::InvalidManifest(_)
        | PluginError::SelfTestFailed { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        PluginError::VersionConflict { .. } | PluginError::NoPreviousVersion(_) => StatusCode::CONFLICT,
        PluginError::UnknownPlugin(_) | PluginError::UnknownVersion { .. } => StatusCode::NOT_FOUND,
        PluginError::NotManaged(_) => StatusCode::NOT_IMPLEMENTED,
        PluginError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}
