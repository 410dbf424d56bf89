//! Database engines behind the sql capability's [`SqlDriver`](crate::SqlDriver).

mod tds;

pub use tds::TdsDriver;
