//! HTTP Basic as `{user};{appId}:{password}` (spec §2), and the session it opens.
//!
//! 401 means "who are you?" (no or wrong credentials), 403 means "you may not use the
//! SDK" (privilege or licence).
//! ASSUMPTION: every 401 carries `WWW-Authenticate: Basic realm="WebSdk"`, because .NET
//! clients only send credentials after being challenged (spec §2 [I, strong]).

use std::sync::Arc;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use uuid::Uuid;

use crate::live::SessionKey;
use crate::model::{Privilege, User};
use crate::state::SimState;

/// A request whose credentials were accepted, with its session.
pub struct Authenticated {
    pub key: SessionKey,
    pub user: User,
    pub session_id: Uuid,
}

/// Why a request is refused before reaching the Web SDK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No usable `Authorization: Basic` header.
    MissingCredentials,
    UnknownUserOrPassword,
    /// ASSUMPTION: an Active Directory user gets 401 like a wrong password (spec §2
    /// only says AD users cannot sign in) [I].
    ActiveDirectoryUser,
    /// ASSUMPTION: 403 for a user without "Log on using the SDK" (spec §2 [I]).
    NoSdkPrivilege,
    /// 403: the application id is missing, unknown, or its licence part is not
    /// activated (spec §2 [C]). ASSUMPTION: a username without `;appId` is refused
    /// the same way [I].
    ApplicationNotLicensed,
}

impl Refusal {
    /// ASSUMPTION: a wrong password is 401, not 403 (spec §2 [I]); bodies are short
    /// HTML pages naming the reason [I].
    pub fn into_response(self) -> Response {
        let (status, reason) = match self {
            Refusal::MissingCredentials => (StatusCode::UNAUTHORIZED, "Authorization required"),
            Refusal::UnknownUserOrPassword => (StatusCode::UNAUTHORIZED, "Invalid user name or password"),
            Refusal::ActiveDirectoryUser => {
                (StatusCode::UNAUTHORIZED, "Active Directory users cannot log on to the Web SDK")
            }
            Refusal::NoSdkPrivilege => {
                (StatusCode::FORBIDDEN, "The user does not have the 'Log on using the SDK' privilege")
            }
            Refusal::ApplicationNotLicensed => {
                (StatusCode::FORBIDDEN, "The application id is not licensed: its license part is not activated")
            }
        };
        let body = format!(
            "<html><head><title>{}</title></head><body><h1>{}</h1><p>{reason}</p></body></html>",
            status.as_u16(),
            status
        );
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"WebSdk\""));
        }
        response
    }
}

/// The three parts of the Basic credentials.
struct Credentials {
    user: String,
    application_id: Option<String>,
    password: String,
}

fn parse_basic(headers: &HeaderMap) -> Option<Credentials> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("Basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (username, password) = decoded.split_once(':')?;
    // Split on the *first* ';' (spec §10.2): application ids may contain anything else.
    let (user, application_id) = match username.split_once(';') {
        Some((user, application_id)) => (user, Some(application_id.to_string())),
        None => (username, None),
    };
    Some(Credentials { user: user.to_string(), application_id, password: password.to_string() })
}

/// Checks the credentials and opens or refreshes the session.
pub async fn authenticate(sim: &Arc<SimState>, headers: &HeaderMap) -> Result<Authenticated, Refusal> {
    let credentials = parse_basic(headers).ok_or(Refusal::MissingCredentials)?;
    let user = sim
        .read(|d| d.user(&credentials.user).cloned())
        .filter(|u| u.password == credentials.password)
        .ok_or(Refusal::UnknownUserOrPassword)?;
    if user.active_directory {
        return Err(Refusal::ActiveDirectoryUser);
    }
    if !user.has(Privilege::LogOnUsingSdk) {
        return Err(Refusal::NoSdkPrivilege);
    }
    let application_id = credentials.application_id.filter(|a| !a.is_empty()).ok_or(Refusal::ApplicationNotLicensed)?;
    if !sim.read(|d| d.licence.allows(&application_id)) {
        return Err(Refusal::ApplicationNotLicensed);
    }
    let key = SessionKey { user: user.name.to_lowercase(), application_id };
    let now = sim.clock.now();
    let (session_id, new) = sim.live().touch(&key, now, sim.settings.session_idle_timeout);
    if new && !sim.settings.session_start_latency.is_zero() {
        // The first request of a session logs on to the Directory: slow (spec §2).
        tokio::time::sleep(sim.settings.session_start_latency).await;
    }
    Ok(Authenticated { key, user, session_id })
}
