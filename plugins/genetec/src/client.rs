//! One conversation with the Web SDK: authentication, the request rules, redirects and
//! session keep-alive. Everything that speaks HTTP goes through [`WebSdk`].
//!
//! - Auth: HTTP Basic on every request, as `{user};{applicationId}:{password}` (spec
//!   §2). The password is revealed per request and never kept.
//! - Requests: `Accept: text/json`; POST carries no body but must say
//!   `Content-Length: 0`, or the role answers 411 (spec §3.2). The one exception is
//!   a [`Form`], the multipart upload of a picture (spec §3.2, [C S2]).
//! - Redirects: the host never follows them, so we do, at most a few hops and only to
//!   the same host, re-attaching the credentials (a client library would drop them on
//!   the change of port to the streaming endpoint, spec §8.2).
//! - Sessions: the role keeps a server-side session per user and application id that
//!   expires after 5 idle minutes; the first request of a new session is slow
//!   (Directory log-on, spec §2). When kv says our last request is older than
//!   [`SESSION_REFRESH_MS`], we first ping the base URL with a generous deadline, so
//!   that the slow log-on never eats the deadline of a write whose outcome we would
//!   then not know.

use std::cell::Cell;

use base64::Engine;
use gatehouse_sdk::http::{Method, Request, Response};
use gatehouse_sdk::{clock, kv, log, secrets};

use crate::config::{Connection, PASSWORD_SECRET};
use crate::envelope::{self, Envelope};
use crate::error::WebSdkError;
use crate::guid::Guid;
use crate::query::Query;

/// Ping first when the session may be gone or about to go (the role's idle timeout is
/// 5 minutes, spec §2).
pub const SESSION_REFRESH_MS: i64 = 4 * 60 * 1000;
/// kv key holding the time of our last answered request.
pub const LAST_REQUEST_KEY: &str = "session/last-request";
/// Deadline of the warming ping, which may pay for a Directory log-on.
const WARM_UP_TIMEOUT_MS: u32 = 30_000;
const MAX_REDIRECTS: usize = 3;

/// A multipart/form-data body whose parts the `q` names (`Picture=$part`).
pub struct Form {
    /// The `Content-Type` header, boundary included.
    pub content_type: String,
    pub body: Vec<u8>,
}

pub struct WebSdk<'a> {
    connection: &'a Connection,
    /// Whether this call already decided whether to warm the session.
    checked: Cell<bool>,
    /// Whether this call already recorded an answered request in kv.
    recorded: Cell<bool>,
}

impl<'a> WebSdk<'a> {
    pub fn new(connection: &'a Connection) -> Self {
        WebSdk { connection, checked: Cell::new(false), recorded: Cell::new(false) }
    }

    /// `GET {base}/`: answers Ok with valid credentials (spec §6 OP1).
    pub fn ping(&self) -> Result<(), WebSdkError> {
        self.checked.set(true);
        self.exchange(Method::Get, "/", WARM_UP_TIMEOUT_MS, None)?;
        self.record_answer();
        Ok(())
    }

    /// `GET entity?q=`: reads only.
    pub fn read(&self, query: &Query) -> Result<Envelope, WebSdkError> {
        self.call(Method::Get, &format!("/entity?q={}", query.encoded()), None)
    }

    /// `POST entity?q=`: anything that creates, writes, edits a collection or calls a
    /// method that changes state (the verb rule, spec §3.2).
    pub fn write(&self, query: &Query) -> Result<Envelope, WebSdkError> {
        self.call(Method::Post, &format!("/entity?q={}", query.encoded()), None)
    }

    /// `POST entity?q=` with a form carrying what the `q` refers to.
    pub fn write_form(&self, query: &Query, form: &Form) -> Result<Envelope, WebSdkError> {
        self.call(Method::Post, &format!("/entity?q={}", query.encoded()), Some(form))
    }

    /// `GET report/{type}?q=`.
    pub fn report(&self, report_type: &str, query: &Query) -> Result<Envelope, WebSdkError> {
        self.call(Method::Get, &format!("/report/{report_type}?q={}", query.encoded()), None)
    }

    /// `DELETE entity/{guid}` (spec §6 OP12).
    pub fn delete(&self, guid: &Guid) -> Result<Envelope, WebSdkError> {
        self.call(Method::Delete, &format!("/entity/{guid}"), None)
    }

    fn call(&self, method: Method, path: &str, form: Option<&Form>) -> Result<Envelope, WebSdkError> {
        self.keep_alive();
        let envelope = self.exchange(method, path, self.connection.timeout_ms, form)?;
        self.record_answer();
        Ok(envelope)
    }

    /// Pings first when the session is probably cold. A failed ping is not an error
    /// here: the real request follows and reports whatever is wrong.
    fn keep_alive(&self) {
        if self.checked.replace(true) {
            return;
        }
        let last: Option<i64> = kv::get_json(LAST_REQUEST_KEY).ok().flatten();
        if last.is_some_and(|last| clock::now() - last < SESSION_REFRESH_MS) {
            return;
        }
        if let Err(error) = self.ping() {
            log::debug!("warming the Web SDK session failed: {}", error);
        }
    }

    /// Records that the session answered, once per call (kv is best effort: losing it
    /// costs one extra ping).
    fn record_answer(&self) {
        if !self.recorded.replace(true) {
            if let Err(error) = kv::set_json(LAST_REQUEST_KEY, &clock::now()) {
                log::debug!("could not record the session time: {}", error.message);
            }
        }
    }

    fn exchange(
        &self,
        method: Method,
        path: &str,
        timeout_ms: u32,
        form: Option<&Form>,
    ) -> Result<Envelope, WebSdkError> {
        let url = format!("{}{path}", self.connection.base_url);
        let response = self.send_following_redirects(method, url, timeout_ms, form)?;
        if !(200..300).contains(&response.status) {
            return Err(status_error(&response, &self.connection.base_url));
        }
        envelope::parse(&response.body)
    }

    fn send_following_redirects(
        &self,
        mut method: Method,
        mut url: String,
        timeout_ms: u32,
        mut form: Option<&Form>,
    ) -> Result<Response, WebSdkError> {
        for _ in 0..=MAX_REDIRECTS {
            let response = self.request(method, &url, timeout_ms, form)?.send()?;
            if !matches!(response.status, 301 | 302 | 303 | 307 | 308) {
                return Ok(response);
            }
            let location = response
                .header("Location")
                .ok_or_else(|| WebSdkError::Redirect(format!("Security Center redirected {url} without a Location")))?;
            let next = resolve(&url, location);
            if host_of(&next) != host_of(&self.connection.base_url) {
                return Err(WebSdkError::Redirect(format!(
                    "Security Center redirected to another host ({next}); Gatehouse sends its credentials only to {}",
                    self.connection.base_url
                )));
            }
            if response.status == 303 {
                (method, form) = (Method::Get, None);
            }
            url = next;
        }
        Err(WebSdkError::Redirect(format!("Security Center redirected more than {MAX_REDIRECTS} times from {url}")))
    }

    fn request(&self, method: Method, url: &str, timeout_ms: u32, form: Option<&Form>) -> Result<Request, WebSdkError> {
        let password = secrets::get(PASSWORD_SECRET).map_err(|_| WebSdkError::MissingSecret(PASSWORD_SECRET.into()))?;
        let credentials =
            format!("{};{}:{}", self.connection.username, self.connection.application_id, password.reveal());
        let basic = base64::engine::general_purpose::STANDARD.encode(credentials);
        let mut request = Request::new(method, url)
            .header("Authorization", format!("Basic {basic}"))
            .header("Accept", "text/json")
            .timeout_ms(timeout_ms);
        match (method, form) {
            (Method::Post, Some(form)) => {
                request = request.header("Content-Type", &form.content_type).body(form.body.clone())
            }
            (Method::Post, None) => request = request.header("Content-Length", "0").body(Vec::new()),
            _ => {}
        }
        Ok(request)
    }
}

fn status_error(response: &Response, base_url: &str) -> WebSdkError {
    let text = String::from_utf8_lossy(&response.body);
    let excerpt: String = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("").chars().take(200).collect();
    let retry_after_ms = response
        .header("Retry-After")
        .and_then(|v| v.trim().parse::<u32>().ok())
        .map(|seconds| seconds.saturating_mul(1000));
    WebSdkError::Status { status: response.status, url: base_url.to_string(), excerpt, retry_after_ms }
}

/// An absolute `Location`, or one relative to the request URL's origin or directory.
fn resolve(url: &str, location: &str) -> String {
    if location.contains("://") {
        return location.to_string();
    }
    let origin_end = url.find("://").map_or(0, |i| i + 3);
    let path_start = url[origin_end..].find('/').map_or(url.len(), |i| i + origin_end);
    if location.starts_with('/') {
        return format!("{}{location}", &url[..path_start]);
    }
    let without_query = url.split('?').next().unwrap_or(url);
    let directory_end = without_query.rfind('/').filter(|&i| i >= path_start).map_or(without_query.len(), |i| i + 1);
    format!("{}{location}", &without_query[..directory_end])
}

/// The host name of a URL, without scheme, credentials or port, lower-cased.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let host = match authority.strip_prefix('[') {
        Some(ipv6) => ipv6.split(']').next().unwrap_or(""),
        None => authority.rsplit_once(':').map_or(authority, |(host, _)| host),
    };
    host.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_resolve_against_the_request_url() {
        let from = "https://sc:4590/WebSdk/events?x=1";
        assert_eq!(resolve(from, "https://sc:4591/WebSdk/events"), "https://sc:4591/WebSdk/events");
        assert_eq!(resolve(from, "/WebSdk/stream"), "https://sc:4590/WebSdk/stream");
        assert_eq!(resolve(from, "stream"), "https://sc:4590/WebSdk/stream");
    }

    #[test]
    fn the_host_ignores_scheme_port_and_case() {
        assert_eq!(host_of("https://SC.acme:4590/WebSdk"), "sc.acme");
        assert_eq!(host_of("http://[::1]:4591/x"), "::1");
        assert_eq!(host_of("http://10.0.0.5"), "10.0.0.5");
    }
}
