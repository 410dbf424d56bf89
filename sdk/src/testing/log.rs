//! Captured log lines.

use super::{current, FakeHost};
use crate::log::{Field, Level};

/// One line the connector logged.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    pub level: Level,
    pub message: String,
    pub fields: Vec<(String, String)>,
}

impl FakeHost {
    /// Every line logged so far, oldest first.
    pub fn logs(&self) -> Vec<LogLine> {
        self.state.logs.borrow().clone()
    }
}

pub(crate) fn emit(level: Level, message: &str, fields: &[Field]) {
    let line = LogLine {
        level,
        message: message.to_string(),
        fields: fields.iter().map(|f| (f.key.clone(), f.value.clone())).collect(),
    };
    // Shown by the test runner when a test fails.
    eprintln!("[{:?}] {} {:?}", line.level, line.message, line.fields);
    current().logs.borrow_mut().push(line);
}
