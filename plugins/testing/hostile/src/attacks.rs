//! The attacks. Those that should never return loop, grow or trap until the host stops them.

use std::hint::black_box;

use gatehouse_sdk::http::{HttpError, Request};
use gatehouse_sdk::kv::KvError;
use gatehouse_sdk::secrets::SecretsError;
use gatehouse_sdk::{clock, http, kv, log, secrets};
use serde::Deserialize;
use serde_json::{json, Value};

/// 64 MiB: far above any sane host payload cap.
const DEFAULT_OVERSIZED_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Deserialize)]
#[serde(tag = "attack", rename_all = "kebab-case")]
pub enum Attack {
    Noop,
    Spin,
    GrowMemory,
    DeepRecursion,
    Trap,
    Panic,
    Http { url: String },
    Secret { name: String },
    OversizedHttpBody { url: String, bytes: Option<u64> },
    OversizedKvValue { bytes: Option<u64> },
    HostCallLoop,
}

impl Attack {
    /// Performs the attack. `Err` carries a host-call error as "<variant>: <message>".
    pub fn perform(self) -> Result<Value, String> {
        match self {
            Attack::Noop => Ok(json!("noop")),
            Attack::Spin => spin(),
            Attack::GrowMemory => grow_memory(),
            Attack::DeepRecursion => Ok(json!(recurse(0))),
            Attack::Trap => trap(),
            Attack::Panic => panic!("the hostile plugin panics on purpose"),
            Attack::Http { url } => {
                let response = http::send(&Request::get(url)).map_err(|e| http_error(&e))?;
                Ok(json!(response.status))
            }
            Attack::Secret { name } => {
                let secret = secrets::get(&name).map_err(|e| secrets_error(&e))?;
                Ok(json!(secret.reveal()))
            }
            Attack::OversizedHttpBody { url, bytes } => {
                let body = vec![b'x'; size(bytes)];
                let response = http::send(&Request::post(url).body(body)).map_err(|e| http_error(&e))?;
                Ok(json!(response.status))
            }
            Attack::OversizedKvValue { bytes } => {
                let value = vec![b'x'; size(bytes)];
                kv::set("hostile-oversized", &value).map_err(|e| kv_error(&e))?;
                Ok(json!("stored"))
            }
            Attack::HostCallLoop => host_call_loop(),
        }
    }
}

fn size(bytes: Option<u64>) -> usize {
    usize::try_from(bytes.unwrap_or(DEFAULT_OVERSIZED_BYTES)).unwrap_or(usize::MAX)
}

fn spin() -> ! {
    let mut counter = 0u64;
    loop {
        counter = black_box(counter.wrapping_add(1));
    }
}

fn grow_memory() -> ! {
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    loop {
        // Touch every chunk so the allocation is real, not optimised away.
        hoard.push(black_box(vec![0xA5; 1024 * 1024]));
    }
}

/// Not a tail call (the result is used after the call), so it cannot become a loop.
#[allow(unconditional_recursion)]
fn recurse(depth: u64) -> u64 {
    let frame = black_box([depth; 32]);
    recurse(depth + 1).wrapping_add(frame[7])
}

fn trap() -> Result<Value, String> {
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
    #[cfg(not(target_arch = "wasm32"))]
    std::process::abort();
}

fn host_call_loop() -> ! {
    loop {
        let now = clock::now();
        log::debug!("host-call loop at {}", now);
    }
}

fn http_error(error: &HttpError) -> String {
    match error {
        HttpError::Denied(m) => format!("denied: {m}"),
        HttpError::Timeout => "timeout: the deadline passed".into(),
        HttpError::Connect(m) => format!("connect: {m}"),
        HttpError::Tls(m) => format!("tls: {m}"),
        HttpError::TooLarge(cap) => format!("too-large: {cap}"),
        HttpError::Invalid(m) => format!("invalid: {m}"),
    }
}

fn secrets_error(error: &SecretsError) -> String {
    match error {
        SecretsError::NotFound(m) => format!("not-found: {m}"),
        SecretsError::Invalid(m) => format!("invalid: {m}"),
    }
}

fn kv_error(error: &KvError) -> String {
    match error {
        KvError::TooLarge(cap) => format!("too-large: {cap}"),
        KvError::Exhausted => "exhausted: no free number".into(),
        KvError::Invalid(m) => format!("invalid: {m}"),
        KvError::Unavailable(m) => format!("unavailable: {m}"),
    }
}
