//! `gatehouse:connector/log`, and where WASI stdout/stderr end up.
//!
//! Every line a connector writes is tagged with tenant, install, plugin and
//! version, has the install's secret values replaced by `[redacted]`, is cut
//! to the payload cap, and counts towards the call's line budget, then goes
//! to a [`PluginLog`] sink (`tracing` by default, memory in tests).

use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::sync::OnceCell;

pub use crate::contract::bindings::gatehouse::connector::log::Level as LogLevel;
use crate::contract::bindings::gatehouse::connector::log::{Field, Host};
use crate::grant::InstallScope;
use crate::sealing::{SecretStore, SecretValue};
use crate::state::HostState;

/// Which channel a line came through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogSource {
    /// The `log` capability.
    Log,
    /// WASI stdout of a component built the common way.
    Stdout,
    /// WASI stderr (where Rust panic messages go).
    Stderr,
    /// The host itself, about the call (dropped lines).
    Host,
}

/// One tagged, redacted line of a connector.
#[derive(Clone, Debug, PartialEq)]
pub struct PluginLogLine {
    pub scope: InstallScope,
    pub plugin_id: String,
    pub version: String,
    pub level: LogLevel,
    pub source: LogSource,
    pub message: String,
    pub fields: Vec<(String, String)>,
}

/// Where connector log lines go.
pub trait PluginLog: Send + Sync {
    fn emit(&self, line: PluginLogLine);
}

/// Emits connector lines as `tracing` events with target `gatehouse::plugin`.
#[derive(Clone, Copy, Debug, Default)]
pub struct TracingLog;

impl PluginLog for TracingLog {
    fn emit(&self, line: PluginLogLine) {
        let fields: Vec<String> = line.fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let fields = fields.join(" ");
        macro_rules! event {
            ($level:expr) => {
                tracing::event!(
                    target: "gatehouse::plugin",
                    $level,
                    tenant = %line.scope.tenant_id,
                    install = %line.scope.install_id,
                    plugin = %line.plugin_id,
                    version = %line.version,
                    source = ?line.source,
                    fields = %fields,
                    "{}",
                    line.message
                )
            };
        }
        match line.level {
            LogLevel::Trace => event!(tracing::Level::TRACE),
            LogLevel::Debug => event!(tracing::Level::DEBUG),
            LogLevel::Info => event!(tracing::Level::INFO),
            LogLevel::Warn => event!(tracing::Level::WARN),
            LogLevel::Error => event!(tracing::Level::ERROR),
        }
    }
}

/// Keeps lines in memory; clones share them. For tests and the harness.
#[derive(Clone, Debug, Default)]
pub struct MemoryLog(Arc<Mutex<Vec<PluginLogLine>>>);

impl MemoryLog {
    pub fn lines(&self) -> Vec<PluginLogLine> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }
}

impl PluginLog for MemoryLog {
    fn emit(&self, line: PluginLogLine) {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(line);
    }
}

const REDACTED: &str = "[redacted]";

/// The log of one call: tags, budget, redaction and captured WASI output.
pub(crate) struct CallLogger {
    sink: Arc<dyn PluginLog>,
    scope: InstallScope,
    plugin_id: String,
    version: String,
    secrets: SecretStore,
    /// Loaded on the first line, so calls that do not log pay nothing.
    /// `None` when the secrets could not be read: lines are then withheld.
    redact: OnceCell<Option<Vec<SecretValue>>>,
    lines_left: AtomicU32,
    dropped: AtomicU32,
    max_bytes: usize,
    stdout: CapturedOutput,
    stderr: CapturedOutput,
}

impl CallLogger {
    pub(crate) fn new(
        sink: Arc<dyn PluginLog>,
        scope: InstallScope,
        plugin_id: String,
        version: String,
        secrets: SecretStore,
        max_lines: u32,
        max_bytes: usize,
    ) -> Self {
        Self {
            sink,
            scope,
            plugin_id,
            version,
            secrets,
            redact: OnceCell::new(),
            lines_left: AtomicU32::new(max_lines),
            dropped: AtomicU32::new(0),
            max_bytes,
            stdout: CapturedOutput::new(max_bytes),
            stderr: CapturedOutput::new(max_bytes),
        }
    }

    pub(crate) fn stdout(&self) -> CapturedOutput {
        self.stdout.clone()
    }

    pub(crate) fn stderr(&self) -> CapturedOutput {
        self.stderr.clone()
    }

    /// Emits one line if the call's budget allows.
    pub(crate) async fn emit(
        &self,
        level: LogLevel,
        source: LogSource,
        message: String,
        fields: Vec<(String, String)>,
    ) {
        let within_budget =
            self.lines_left.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| left.checked_sub(1)).is_ok();
        if !within_budget {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        self.emit_unbudgeted(level, source, message, fields).await;
    }

    async fn emit_unbudgeted(
        &self,
        level: LogLevel,
        source: LogSource,
        message: String,
        fields: Vec<(String, String)>,
    ) {
        let secrets = self.redact.get_or_init(|| async { self.secrets.values(&self.scope).await.ok() }).await;
        let (message, fields) = match secrets {
            Some(secrets) => {
                let message = redact(&message, secrets);
                let fields = fields.into_iter().map(|(k, v)| (redact(&k, secrets), redact(&v, secrets)));
                cap_line(message, fields.collect(), self.max_bytes)
            }
            None => ("[line withheld: the install's secrets could not be read to redact it]".into(), vec![]),
        };
        self.sink.emit(PluginLogLine {
            scope: self.scope.clone(),
            plugin_id: self.plugin_id.clone(),
            version: self.version.clone(),
            level,
            source,
            message,
            fields,
        });
    }

    /// Flushes captured WASI output and reports dropped lines. Runs when the
    /// call ends, however it ended.
    pub(crate) async fn finish(&self) {
        for (output, source, level) in
            [(&self.stdout, LogSource::Stdout, LogLevel::Info), (&self.stderr, LogSource::Stderr, LogLevel::Warn)]
        {
            for line in output.take_lines() {
                self.emit(level, source, line, vec![]).await;
            }
        }
        let dropped = self.dropped.load(Ordering::Relaxed);
        if dropped > 0 {
            let message = format!("{dropped} log lines dropped: the call exceeded its line limit");
            self.emit_unbudgeted(LogLevel::Warn, LogSource::Host, message, vec![]).await;
        }
    }
}

fn redact(text: &str, secrets: &[SecretValue]) -> String {
    let mut text = text.to_owned();
    for secret in secrets.iter().filter(|secret| !secret.expose().is_empty()) {
        if text.contains(secret.expose()) {
            text = text.replace(secret.expose(), REDACTED);
        }
    }
    text
}

/// Cuts a line to `max_bytes`: the message first, then whole fields.
fn cap_line(mut message: String, fields: Vec<(String, String)>, max_bytes: usize) -> (String, Vec<(String, String)>) {
    if message.len() > max_bytes {
        let mut cut = max_bytes;
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        message.truncate(cut);
        message.push_str("…[truncated]");
        return (message, vec![]);
    }
    let mut budget = max_bytes - message.len();
    let mut kept = Vec::new();
    for (key, value) in fields {
        let size = key.len() + value.len();
        if size > budget {
            break;
        }
        budget -= size;
        kept.push((key, value));
    }
    (message, kept)
}

/// WASI stdout or stderr of one call, kept until the call ends.
#[derive(Clone)]
pub(crate) struct CapturedOutput {
    bytes: Arc<Mutex<Vec<u8>>>,
    cap: usize,
}

impl CapturedOutput {
    fn new(cap: usize) -> Self {
        Self { bytes: Arc::default(), cap }
    }

    fn take_lines(&self) -> Vec<String> {
        let bytes = std::mem::take(&mut *self.bytes.lock().unwrap_or_else(|p| p.into_inner()));
        String::from_utf8_lossy(&bytes).lines().map(str::to_owned).collect()
    }
}

impl wasmtime_wasi::cli::IsTerminal for CapturedOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl wasmtime_wasi::cli::StdoutStream for CapturedOutput {
    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

impl tokio::io::AsyncWrite for CapturedOutput {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let mut bytes = self.bytes.lock().unwrap_or_else(|p| p.into_inner());
        // Output past the cap is swallowed, not refused: a chatty component
        // must not fail because of its prints.
        let room = self.cap.saturating_sub(bytes.len());
        bytes.extend_from_slice(&buf[..buf.len().min(room)]);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl Host for HostState {
    async fn emit(&mut self, level: LogLevel, message: String, fields: Vec<Field>) -> wasmtime::Result<()> {
        let fields = fields.into_iter().map(|field| (field.key, field.value)).collect();
        self.env.logger.emit(level, LogSource::Log, message, fields).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_at_a_char_boundary() {
        let (message, fields) = cap_line("ééééé".into(), vec![("k".into(), "v".into())], 5);
        assert_eq!(message, "éé…[truncated]");
        assert!(fields.is_empty());
    }

    #[test]
    fn fields_past_the_cap_are_dropped_whole() {
        let fields = vec![("a".into(), "12".into()), ("b".into(), "34567".into())];
        let (_, kept) = cap_line("msg".into(), fields, 8);
        assert_eq!(kept, vec![("a".to_owned(), "12".to_owned())]);
    }
}
