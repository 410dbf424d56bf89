//! `gatehouse tenants|installs|policies|plugins|jobs|tokens ...`: the operator's
//! commands, each one call of the REST API (the same rules, audit and scope
//! checks as any other client). A command is translated into one
//! [`ApiRequest`] and the answer is printed as pretty JSON; a refusal prints
//! the API's message and exits non-zero.

mod commands;

pub use commands::{InstallCommand, JobCommand, PluginCommand, PolicyCommand, TenantCommand, TokenApiCommand};

use anyhow::{bail, Context};
use clap::Args;
use reqwest::Method;
use std::path::Path;

/// Where the API is and who is calling.
#[derive(Args, Clone, Debug)]
pub struct Remote {
    /// The Gatehouse API's base URL.
    #[arg(long, env = "GATEHOUSE_URL", default_value = "http://127.0.0.1:8080", global = true)]
    pub url: String,
    /// A bearer token (`gatehouse token create` makes the first admin one).
    #[arg(long, env = "GATEHOUSE_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
}

/// One API call a command stands for.
#[derive(Debug, PartialEq)]
pub struct ApiRequest {
    pub method: Method,
    pub path: String,
    /// Query parameters, encoded by the client.
    pub query: Vec<(&'static str, String)>,
    pub body: Body,
}

#[derive(Debug, PartialEq)]
pub enum Body {
    None,
    Json(serde_json::Value),
    Wasm(Vec<u8>),
}

impl ApiRequest {
    fn new(method: Method, path: String) -> Self {
        Self { method, path, query: Vec::new(), body: Body::None }
    }
    fn json(mut self, body: serde_json::Value) -> Self {
        self.body = Body::Json(body);
        self
    }
}

/// Reads a JSON file given on the command line.
fn read_json(path: &Path) -> anyhow::Result<serde_json::Value> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))
}

/// Sends `request` and returns the answer's JSON (or `null` for an empty one).
pub async fn send(remote: &Remote, request: ApiRequest) -> anyhow::Result<serde_json::Value> {
    let Some(token) = remote.token.as_deref().filter(|t| !t.is_empty()) else {
        bail!("no token: pass --token or set GATEHOUSE_TOKEN (`gatehouse token create --admin` makes the first one)");
    };
    let url = format!("{}{}", remote.url.trim_end_matches('/'), request.path);
    let builder = reqwest::Client::new().request(request.method.clone(), &url).query(&request.query).bearer_auth(token);
    let builder = match request.body {
        Body::None => builder,
        Body::Json(value) => builder.json(&value),
        Body::Wasm(bytes) => builder.header(reqwest::header::CONTENT_TYPE, "application/wasm").body(bytes),
    };
    let response = builder.send().await.with_context(|| format!("{} {url}", request.method))?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    let body: serde_json::Value = if text.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
    };
    if !status.is_success() {
        let message = body["error"]["message"].as_str().map(str::to_string).unwrap_or_else(|| body.to_string());
        bail!("{} {} answered {status}: {message}", request.method, request.path);
    }
    Ok(body)
}
