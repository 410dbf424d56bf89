//! Outbound HTTP through the host, limited to the install's granted base URLs.
//!
//! [`send`] returns the raw [`HttpError`] so a connector can tell a denial from a timeout; `?`
//! turns it into the right [`ConnectorError`] kind (see `error.rs`). A response is never an
//! error by itself: call [`Response::error_for_status`] to map 4xx/5xx to error kinds.

use serde::de::DeserializeOwned;
use serde::Serialize;

pub use crate::bindings::gatehouse::connector::http::{Header, HttpError, Method, Request, Response};
use crate::ConnectorError;

/// Sends one request and waits for the whole response. Redirects are never followed.
pub fn send(request: &Request) -> Result<Response, HttpError> {
    #[cfg(target_arch = "wasm32")]
    {
        crate::bindings::gatehouse::connector::http::send(request)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        crate::testing::http::send(request)
    }
}

impl Request {
    /// A request without headers or body.
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        Request { method, url: url.into(), headers: Vec::new(), body: None, timeout_ms: None }
    }

    pub fn get(url: impl Into<String>) -> Self {
        Self::new(Method::Get, url)
    }

    pub fn post(url: impl Into<String>) -> Self {
        Self::new(Method::Post, url)
    }

    pub fn put(url: impl Into<String>) -> Self {
        Self::new(Method::Put, url)
    }

    pub fn delete(url: impl Into<String>) -> Self {
        Self::new(Method::Delete, url)
    }

    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push(Header { name: name.into(), value: value.into() });
        self
    }

    /// Adds `Authorization: Bearer <token>`.
    pub fn bearer(self, token: &str) -> Self {
        self.header("Authorization", format!("Bearer {token}"))
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Serialises `value` as the JSON body and sets `Content-Type: application/json`.
    pub fn json<T: Serialize + ?Sized>(self, value: &T) -> Self {
        let body = serde_json::to_vec(value).expect("serialising a request body to JSON cannot fail");
        self.header("Content-Type", "application/json").body(body)
    }

    /// A deadline for this request; the host caps it at the call's remaining budget.
    pub fn timeout_ms(mut self, millis: u32) -> Self {
        self.timeout_ms = Some(millis);
        self
    }

    /// The first header named `name` (case-insensitive).
    pub fn header_value(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// Shorthand for [`send`].
    pub fn send(&self) -> Result<Response, HttpError> {
        send(self)
    }
}

impl Response {
    /// A response with a status and no headers or body (for fakes).
    pub fn status(status: u16) -> Self {
        Response { status, headers: Vec::new(), body: Vec::new() }
    }

    /// A JSON response (for fakes).
    pub fn json<T: Serialize + ?Sized>(status: u16, value: &T) -> Self {
        Response {
            status,
            headers: vec![Header { name: "Content-Type".into(), value: "application/json".into() }],
            body: serde_json::to_vec(value).expect("serialising a response body to JSON cannot fail"),
        }
    }

    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push(Header { name: name.into(), value: value.into() });
        self
    }

    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as text, lossily decoded.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Parses the body as JSON. A body we cannot read is the vendor's fault and will not improve
    /// by retrying, so it is a `permanent` error.
    pub fn parse_json<T: DeserializeOwned>(&self) -> Result<T, ConnectorError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            ConnectorError::permanent(format!(
                "the vendor's response (HTTP {}) is not the JSON we expect: {e}",
                self.status
            ))
        })
    }

    /// Keeps 2xx responses; maps every other status to the error kind that says what to do:
    /// 401/403 `auth`, 409 `conflict`, 408/429/5xx `transient` (with `Retry-After` when given),
    /// any other status `permanent`.
    pub fn error_for_status(self) -> Result<Response, ConnectorError> {
        if self.is_success() {
            return Ok(self);
        }
        let message = format!("the vendor answered HTTP {}: {}", self.status, excerpt(&self.text()));
        Err(match self.status {
            401 | 403 => ConnectorError::auth(message),
            409 => ConnectorError::conflict(message),
            408 | 429 | 500..=599 => {
                let error = ConnectorError::transient(message);
                match self.header("Retry-After").and_then(|v| v.trim().parse::<u32>().ok()) {
                    Some(seconds) => error.retry_after_ms(seconds.saturating_mul(1000)),
                    None => error,
                }
            }
            _ => ConnectorError::permanent(message),
        })
    }
}

fn find_header<'a>(headers: &'a [Header], name: &str) -> Option<&'a str> {
    headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value.as_str())
}

/// Error bodies can be large HTML pages; operators need the first line, not the page.
fn excerpt(text: &str) -> String {
    const MAX: usize = 200;
    let line = text.lines().next().unwrap_or("").trim();
    match line.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_string(),
    }
}
