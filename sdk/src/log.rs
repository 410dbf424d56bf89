//! Structured logging through the host, which tags every line with tenant, install, plugin and
//! version and redacts the install's secrets.
//!
//! ```no_run
//! use gatehouse_sdk::log;
//! let (id, ext_id) = ("P-1", "visit-7");
//! log::info!("created cardholder {}", id; "external_id" => ext_id, "pacs_id" => id);
//! ```
//! Format arguments come first; structured fields follow a `;` as `"key" => value` pairs
//! (any `Display` value).

pub use crate::bindings::gatehouse::connector::log::{Field, Level};

/// Emits one log line.
pub fn emit(level: Level, message: &str, fields: &[Field]) {
    #[cfg(target_arch = "wasm32")]
    {
        crate::bindings::gatehouse::connector::log::emit(level, message, fields)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        crate::testing::log::emit(level, message, fields)
    }
}

#[doc(hidden)]
#[macro_export]
macro_rules! __gatehouse_log {
    ($level:expr, $fmt:literal $(, $arg:expr)* $(,)? ; $($key:literal => $value:expr),+ $(,)?) => {
        $crate::log::emit(
            $level,
            &::std::format!($fmt $(, $arg)*),
            &[$($crate::log::Field { key: ::std::string::String::from($key), value: ::std::string::ToString::to_string(&$value) }),+],
        )
    };
    ($level:expr, $fmt:literal $(, $arg:expr)* $(,)?) => {
        $crate::log::emit($level, &::std::format!($fmt $(, $arg)*), &[])
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __gatehouse_trace { ($($t:tt)+) => { $crate::__gatehouse_log!($crate::log::Level::Trace, $($t)+) }; }
#[doc(hidden)]
#[macro_export]
macro_rules! __gatehouse_debug { ($($t:tt)+) => { $crate::__gatehouse_log!($crate::log::Level::Debug, $($t)+) }; }
#[doc(hidden)]
#[macro_export]
macro_rules! __gatehouse_info { ($($t:tt)+) => { $crate::__gatehouse_log!($crate::log::Level::Info, $($t)+) }; }
#[doc(hidden)]
#[macro_export]
macro_rules! __gatehouse_warn { ($($t:tt)+) => { $crate::__gatehouse_log!($crate::log::Level::Warn, $($t)+) }; }
#[doc(hidden)]
#[macro_export]
macro_rules! __gatehouse_error { ($($t:tt)+) => { $crate::__gatehouse_log!($crate::log::Level::Error, $($t)+) }; }

pub use crate::__gatehouse_debug as debug;
pub use crate::__gatehouse_error as error;
pub use crate::__gatehouse_info as info;
pub use crate::__gatehouse_trace as trace;
pub use crate::__gatehouse_warn as warn;
