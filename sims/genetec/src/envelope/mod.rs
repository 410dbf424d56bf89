//! The `{"Rsp":…}` envelope and its other serialisations, chosen by `Accept`.
//!
//! Handlers produce an [`SdkResponse`]; this module alone decides how it looks on the
//! wire, so the BOM fault and content negotiation touch one place.

mod xml;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

/// `Rsp.Status` (spec §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RspStatus {
    Ok,
    Fail,
    TooManyResults,
    Partial,
}

impl RspStatus {
    fn name(self) -> &'static str {
        match self {
            RspStatus::Ok => "Ok",
            RspStatus::Fail => "Fail",
            RspStatus::TooManyResults => "TooManyResults",
            RspStatus::Partial => "Partial",
        }
    }
}

/// `Rsp.Result.SdkErrorCode` values.
///
/// ASSUMPTION: only `InvalidOperation` was seen on a real server; the others are
/// Platform SDK enum names used as guesses (spec §4.2 [I]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SdkErrorCode {
    InvalidOperation,
    InvalidValue,
    UnableToRetrieveEntity,
    InsufficientPrivileges,
    EntityAlreadyExists,
}

impl SdkErrorCode {
    pub fn name(self) -> &'static str {
        match self {
            SdkErrorCode::InvalidOperation => "InvalidOperation",
            SdkErrorCode::InvalidValue => "InvalidValue",
            SdkErrorCode::UnableToRetrieveEntity => "UnableToRetrieveEntity",
            SdkErrorCode::InsufficientPrivileges => "InsufficientPrivileges",
            SdkErrorCode::EntityAlreadyExists => "EntityAlreadyExists",
        }
    }
}

/// A request the Web SDK refuses inside the envelope (`Status: Fail`, HTTP 200).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", code.name())]
pub struct SdkFailure {
    pub code: SdkErrorCode,
    pub message: String,
}

impl SdkFailure {
    pub fn new(code: SdkErrorCode, message: impl Into<String>) -> Self {
        SdkFailure { code, message: message.into() }
    }

    pub fn invalid_operation(message: impl Into<String>) -> Self {
        Self::new(SdkErrorCode::InvalidOperation, message)
    }

    pub fn invalid_value(message: impl Into<String>) -> Self {
        Self::new(SdkErrorCode::InvalidValue, message)
    }

    /// ASSUMPTION: a missing privilege fails inside the envelope, with this wording [I].
    pub fn missing_privilege(privilege: crate::model::Privilege) -> Self {
        Self::new(
            SdkErrorCode::InsufficientPrivileges,
            format!("The user does not have the '{}' privilege", privilege.label()),
        )
    }

    /// ASSUMPTION: an unknown entity is `UnableToRetrieveEntity` (spec §6 OP4 [I]).
    pub fn unknown_entity(reference: impl std::fmt::Display) -> Self {
        Self::new(SdkErrorCode::UnableToRetrieveEntity, format!("Unable to retrieve entity {reference}"))
    }
}

impl From<crate::query::QueryError> for SdkFailure {
    fn from(error: crate::query::QueryError) -> Self {
        SdkFailure::invalid_operation(error.message)
    }
}

/// What a Web SDK handler answers, before serialisation.
#[derive(Debug, Clone, PartialEq)]
pub struct SdkResponse {
    pub status: RspStatus,
    pub result: Option<Value>,
}

impl SdkResponse {
    /// A write-only success: `{"Rsp":{"Status":"Ok"}}`.
    pub fn ok() -> Self {
        SdkResponse { status: RspStatus::Ok, result: None }
    }

    pub fn with_result(result: Value) -> Self {
        SdkResponse { status: RspStatus::Ok, result: Some(result) }
    }

    pub fn fail(failure: SdkFailure) -> Self {
        SdkResponse {
            status: RspStatus::Fail,
            result: Some(json!({ "SdkErrorCode": failure.code.name(), "Message": failure.message })),
        }
    }

    pub fn is_fail(&self) -> bool {
        self.status == RspStatus::Fail
    }

    /// The `text/json` document.
    pub fn to_text_json(&self) -> Value {
        let mut rsp = Map::new();
        rsp.insert("Status".into(), Value::String(self.status.name().into()));
        if let Some(result) = &self.result {
            rsp.insert("Result".into(), result.clone());
        }
        json!({ "Rsp": rsp })
    }
}

impl From<Result<SdkResponse, SdkFailure>> for SdkResponse {
    fn from(result: Result<SdkResponse, SdkFailure>) -> Self {
        result.unwrap_or_else(SdkResponse::fail)
    }
}

/// The serialisations of spec §4.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Representation {
    TextJson,
    TextXml,
    /// `application/jsonrequest`.
    LegacyJson,
    /// No `Accept`: the default.
    LegacyXml,
}

impl Representation {
    /// ASSUMPTION: any `Accept` other than `text/json`, `text/xml` and
    /// `application/jsonrequest` (including `*/*` and `application/json`) gets the
    /// legacy XML default, like a missing header [I].
    pub fn negotiate(headers: &HeaderMap) -> Representation {
        let accept = headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
            .collect::<Vec<_>>();
        let has = |mime: &str| accept.iter().any(|a| a == mime);
        if has("text/json") {
            Representation::TextJson
        } else if has("text/xml") {
            Representation::TextXml
        } else if has("application/jsonrequest") {
            Representation::LegacyJson
        } else {
            Representation::LegacyXml
        }
    }

    /// ASSUMPTION: `text/json; charset=utf-8` and the XML equivalents (spec §4.1 [I]).
    pub fn content_type(self) -> &'static str {
        match self {
            Representation::TextJson => "text/json; charset=utf-8",
            Representation::LegacyJson => "application/jsonrequest; charset=utf-8",
            Representation::TextXml | Representation::LegacyXml => "text/xml; charset=utf-8",
        }
    }
}

/// Serialises a response.
/// ASSUMPTION: HTTP 200 even for `Fail` (spec §4.2 [I, strong]).
pub fn render(response: &SdkResponse, representation: Representation, bom: bool) -> Response {
    let body = match representation {
        Representation::TextJson => response.to_text_json().to_string(),
        Representation::LegacyJson => legacy_json(response).to_string(),
        Representation::TextXml => xml::text_xml(response.status.name(), response.result.as_ref()),
        Representation::LegacyXml => xml::legacy_xml(response),
    };
    let body = if bom { format!("\u{feff}{body}") } else { body };
    let mut http = (StatusCode::OK, body).into_response();
    http.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(representation.content_type()));
    http
}

/// `{"rsp":{"status":"ok","entity":{…}}}`; a new GUID at `rsp.Guid` (spec §4.1, C3 S9).
fn legacy_json(response: &SdkResponse) -> Value {
    let mut rsp = Map::new();
    if response.is_fail() {
        let result = response.result.clone().unwrap_or_default();
        rsp.insert("status".into(), "fail".into());
        rsp.insert("error".into(), json!({ "Code": result["SdkErrorCode"], "Message": result["Message"] }));
    } else {
        rsp.insert("status".into(), "ok".into());
        match &response.result {
            Some(Value::Object(fields)) if fields.len() == 1 && fields.contains_key("Guid") => {
                rsp.insert("Guid".into(), fields["Guid"].clone());
            }
            Some(result) => {
                rsp.insert("entity".into(), result.clone());
            }
            None => {}
        }
    }
    json!({ "rsp": rsp })
}
