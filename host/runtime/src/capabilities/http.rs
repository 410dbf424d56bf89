//! `gatehouse:connector/http`: outbound requests within the install's grant.
//!
//! The policy (`http_policy.rs`) decides where a request may go; this file
//! enforces the payload cap in both directions, caps the time at the call's
//! remaining budget, and maps every failure to a typed `http-error`.

use std::net::IpAddr;
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};
use reqwest::Url;

use super::http_policy::{check_url, AddressRules, Denied};
use crate::contract::bindings::gatehouse::connector::http::{Header, Host, HttpError, Method, Request, Response};
use crate::state::{CallEnv, HostState};

impl Host for HostState {
    async fn send(&mut self, request: Request) -> wasmtime::Result<Result<Response, HttpError>> {
        Ok(send(&self.env, request).await)
    }
}

async fn send(env: &CallEnv, request: Request) -> Result<Response, HttpError> {
    let cap = env.grant.limits.payload_bytes;
    let outgoing: u64 = request.body.as_ref().map_or(0, |body| body.len() as u64)
        + request.headers.iter().map(|h| (h.name.len() + h.value.len()) as u64).sum::<u64>();
    if outgoing > cap {
        return Err(HttpError::TooLarge(cap));
    }
    let url = Url::parse(&request.url).map_err(|error| HttpError::Invalid(format!("bad URL: {error}")))?;
    check_url(&url, &env.grant.http).map_err(|Denied(why)| HttpError::Denied(why))?;
    if let Some(ip) = literal_ip(&url) {
        AddressRules::of(&env.grant.http).check(ip).map_err(|Denied(why)| HttpError::Denied(why))?;
    }
    let client = env.services.http.client_for(&env.grant.scope, &env.grant.http).map_err(HttpError::Tls)?;

    let budget = env.remaining();
    let timeout = match request.timeout_ms {
        Some(ms) => budget.min(Duration::from_millis(ms.into())),
        None => budget,
    };
    if timeout.is_zero() {
        return Err(HttpError::Timeout);
    }
    let mut builder = client.request(method(request.method), url).timeout(timeout);
    for header in request.headers {
        let name = HeaderName::from_bytes(header.name.as_bytes())
            .map_err(|_| HttpError::Invalid(format!("bad header name `{}`", header.name)))?;
        if name == reqwest::header::HOST {
            return Err(HttpError::Invalid("the Host header is set by the host".into()));
        }
        let value = HeaderValue::from_str(&header.value)
            .map_err(|_| HttpError::Invalid(format!("bad value for header `{name}`")))?;
        builder = builder.header(name, value);
    }
    if let Some(body) = request.body {
        builder = builder.body(body);
    }
    let exchange = async {
        let response = builder.send().await.map_err(map_error)?;
        read_response(response, cap).await
    };
    tokio::time::timeout(timeout, exchange).await.unwrap_or(Err(HttpError::Timeout))
}

async fn read_response(mut response: reqwest::Response, cap: u64) -> Result<Response, HttpError> {
    if response.content_length().is_some_and(|length| length > cap) {
        return Err(HttpError::TooLarge(cap));
    }
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| Header {
            name: name.as_str().to_owned(),
            value: String::from_utf8_lossy(value.as_bytes()).into_owned(),
        })
        .collect();
    let status = response.status().as_u16();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(map_error)? {
        if (body.len() + chunk.len()) as u64 > cap {
            return Err(HttpError::TooLarge(cap));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Response { status, headers, body })
}

fn literal_ip(url: &Url) -> Option<IpAddr> {
    match url.host()? {
        url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        url::Host::Domain(_) => None,
    }
}

fn method(method: Method) -> reqwest::Method {
    match method {
        Method::Get => reqwest::Method::GET,
        Method::Head => reqwest::Method::HEAD,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Patch => reqwest::Method::PATCH,
        Method::Delete => reqwest::Method::DELETE,
        Method::Options => reqwest::Method::OPTIONS,
    }
}

/// Finds the most telling cause in a reqwest error's chain.
fn map_error(error: reqwest::Error) -> HttpError {
    if error.is_timeout() {
        return HttpError::Timeout;
    }
    if error.is_builder() {
        return HttpError::Invalid(error.to_string());
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    while let Some(current) = cause {
        if let Some(Denied(why)) = current.downcast_ref::<Denied>() {
            return HttpError::Denied(why.clone());
        }
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return HttpError::Tls(tls.to_string());
        }
        cause = next_cause(current);
    }
    HttpError::Connect(chain_text(&error))
}

/// The error under `error`. `io::Error::source()` skips the error it wraps
/// (it returns *that* error's source), so look inside io errors instead.
fn next_cause<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a (dyn std::error::Error + 'static)> {
    match error.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
        Some(wrapped) => Some(wrapped),
        None => error.source(),
    }
}

fn chain_text(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(current) = cause {
        text.push_str(": ");
        text.push_str(&current.to_string());
        cause = current.source();
    }
    text
}
