//! What can go wrong talking to the Web SDK, and what each failure means for a retry.
//!
//! The Web SDK fails in two layers: HTTP (401/403 before the role even looks at the
//! request, 5xx, dropped connections) and the `{"Rsp":{"Status":"Fail"}}` envelope on
//! HTTP 200 (spec §4.2). Callers match on [`WebSdkError`] where a failure is an
//! answer (an entity that no longer exists, a card number already taken); everywhere
//! else `?` turns it into the [`ConnectorError`] kind that tells the host whether
//! retrying can help.

use gatehouse_sdk::http::HttpError;
use gatehouse_sdk::ConnectorError;

/// The licence part Security Center must have activated for this integration (seed A1).
pub const LICENCE_PART: &str = "GSC-1SDK-ENVOY-Visitors";

/// `Rsp.Result.SdkErrorCode` of a `Fail` envelope.
///
/// ASSUMPTION: only `InvalidOperation` has been seen on a real server; the other names
/// are the Platform SDK's enum members, used by the simulator too (spec §4.2 [I]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailCode {
    /// The GUID names no (live) entity: deleted, or a visitor archived by check-out.
    UnableToRetrieveEntity,
    /// A unique value (a card number, a PIN) is already used by another entity.
    EntityAlreadyExists,
    InsufficientPrivileges,
    InvalidValue,
    InvalidOperation,
    Other(String),
}

impl FailCode {
    pub fn parse(code: &str) -> FailCode {
        let known = [
            ("UnableToRetrieveEntity", FailCode::UnableToRetrieveEntity),
            ("EntityAlreadyExists", FailCode::EntityAlreadyExists),
            ("InsufficientPrivileges", FailCode::InsufficientPrivileges),
            ("InvalidValue", FailCode::InvalidValue),
            ("InvalidOperation", FailCode::InvalidOperation),
        ];
        known
            .into_iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(code.trim()))
            .map_or_else(|| FailCode::Other(code.trim().to_string()), |(_, known)| known)
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WebSdkError {
    /// The host could not complete the exchange (timeout, connection, TLS, grant).
    #[error("{0:?}")]
    Transport(HttpError),
    /// The install has no password secret.
    #[error("the secret {0:?} is not set for this install")]
    MissingSecret(String),
    /// An HTTP status outside 2xx, after redirects were followed.
    #[error("HTTP {status} from {url}: {excerpt}")]
    Status { status: u16, url: String, excerpt: String, retry_after_ms: Option<u32> },
    /// The request reached Security Center, which refused it.
    #[error("Security Center refused the request ({code:?}): {message}")]
    Fail { code: FailCode, message: String },
    /// A redirect we will not follow (no `Location`, a loop, another host).
    #[error("{0}")]
    Redirect(String),
    /// A 2xx body we cannot read as an envelope.
    #[error("{0}")]
    Malformed(String),
}

impl WebSdkError {
    pub fn is_fail(&self, wanted: &FailCode) -> bool {
        matches!(self, WebSdkError::Fail { code, .. } if code == wanted)
    }
}

impl From<HttpError> for WebSdkError {
    fn from(error: HttpError) -> Self {
        WebSdkError::Transport(error)
    }
}

impl From<WebSdkError> for ConnectorError {
    fn from(error: WebSdkError) -> Self {
        match error {
            WebSdkError::Transport(error) => ConnectorError::from(error),
            WebSdkError::MissingSecret(name) => ConnectorError::config(format!(
                "the secret {name:?} (the Security Center user's password) is not set for this install"
            )),
            WebSdkError::Status { status, url, excerpt, retry_after_ms } => {
                from_status(status, &url, &excerpt, retry_after_ms)
            }
            WebSdkError::Fail { code, message } => from_fail(code, message),
            WebSdkError::Redirect(why) => ConnectorError::config(why),
            WebSdkError::Malformed(why) => ConnectorError::permanent(why),
        }
    }
}

fn from_status(status: u16, url: &str, excerpt: &str, retry_after_ms: Option<u32>) -> ConnectorError {
    match status {
        // Spec §2: a wrong password (and no credentials at all) is 401.
        401 => ConnectorError::auth(format!(
            "Security Center refused the user name or password (HTTP 401 from {url}); check the install's username and its \"password\" secret"
        )),
        // Spec §2: 403 is the licence (application id) or the SDK log-on privilege.
        403 => ConnectorError::auth(format!(
            "Security Center refused the log-on (HTTP 403 from {url}): the integration's licence part ({LICENCE_PART}) is not \
             activated for this application id, or the user lacks the privilege 'Log on using the SDK'"
        )),
        404 => ConnectorError::config(format!(
            "nothing answers at {url} (HTTP 404); check the Web SDK URL and its base path (the role's default is /WebSdk)"
        )),
        408 | 429 | 500..=599 => {
            let error = ConnectorError::transient(format!("Security Center answered HTTP {status} from {url}: {excerpt}"));
            match retry_after_ms {
                Some(millis) => error.retry_after_ms(millis),
                None => error,
            }
        }
        _ => ConnectorError::permanent(format!("Security Center answered HTTP {status} from {url}: {excerpt}")),
    }
}

fn from_fail(code: FailCode, message: String) -> ConnectorError {
    match code {
        FailCode::EntityAlreadyExists => {
            ConnectorError::conflict(format!("Security Center already has this value on another entity: {message}"))
        }
        FailCode::InsufficientPrivileges => {
            ConnectorError::auth(format!("the Security Center user lacks a privilege this action needs: {message}"))
        }
        code => ConnectorError::permanent(format!("Security Center refused the request ({code:?}): {message}")),
    }
}

#[cfg(test)]
mod tests {
    use gatehouse_sdk::ErrorKind;

    use super::*;

    fn status(status: u16) -> ConnectorError {
        WebSdkError::Status {
            status,
            url: "https://sc:4590/WebSdk/".into(),
            excerpt: "x".into(),
            retry_after_ms: Some(2000),
        }
        .into()
    }

    fn fail(code: &str) -> ConnectorError {
        WebSdkError::Fail { code: FailCode::parse(code), message: "m".into() }.into()
    }

    #[test]
    fn refused_credentials_and_licence_are_auth_errors_that_say_what_to_fix() {
        let unauthorised = status(401);
        let forbidden = status(403);
        assert_eq!((unauthorised.kind, forbidden.kind), (ErrorKind::Auth, ErrorKind::Auth));
        assert!(unauthorised.message.contains("password"), "{}", unauthorised.message);
        assert!(forbidden.message.contains(LICENCE_PART), "{}", forbidden.message);
        assert!(forbidden.message.contains("Log on using the SDK"), "{}", forbidden.message);
    }

    #[test]
    fn server_faults_are_transient_and_keep_the_retry_hint() {
        for code in [500, 502, 503, 429, 408] {
            let error = status(code);
            assert_eq!((error.kind, error.retry_after_ms), (ErrorKind::Transient, Some(2000)), "HTTP {code}");
        }
    }

    #[test]
    fn a_wrong_base_path_is_a_config_error_and_other_client_errors_are_permanent() {
        assert_eq!(status(404).kind, ErrorKind::Config);
        assert_eq!(status(411).kind, ErrorKind::Permanent);
    }

    #[test]
    fn transport_failures_keep_the_sdk_mapping() {
        let timeout: ConnectorError = WebSdkError::Transport(HttpError::Timeout).into();
        let dropped: ConnectorError = WebSdkError::Transport(HttpError::Connect("reset".into())).into();
        let denied: ConnectorError = WebSdkError::Transport(HttpError::Denied("not granted".into())).into();
        assert_eq!(
            (timeout.kind, dropped.kind, denied.kind),
            (ErrorKind::Transient, ErrorKind::Transient, ErrorKind::Config)
        );
    }

    #[test]
    fn fail_envelopes_map_by_their_code() {
        assert_eq!(fail("EntityAlreadyExists").kind, ErrorKind::Conflict);
        assert_eq!(fail("InsufficientPrivileges").kind, ErrorKind::Auth);
        assert_eq!(fail("InvalidOperation").kind, ErrorKind::Permanent);
        assert_eq!(fail("UnableToRetrieveEntity").kind, ErrorKind::Permanent);
        assert_eq!(fail("SomethingNew").kind, ErrorKind::Permanent);
    }

    #[test]
    fn fail_codes_parse_case_insensitively_and_keep_unknown_ones() {
        assert_eq!(FailCode::parse("unabletoretrieveentity"), FailCode::UnableToRetrieveEntity);
        assert_eq!(FailCode::parse("Busy"), FailCode::Other("Busy".into()));
    }

    #[test]
    fn a_missing_password_is_a_config_error() {
        let error: ConnectorError = WebSdkError::MissingSecret("password".into()).into();
        assert_eq!(error.kind, ErrorKind::Config);
    }
}
