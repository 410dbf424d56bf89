//! The management API. `metrics` is served beside the intake for now.

pub mod metrics;
