//! The policy layer: a reviewable TOML file per install ([`format`]),
//! validated against the plugin's manifest ([`validate`]), and the pure
//! [`planner`] that turns an event into planned steps.

pub mod cache;
pub mod format;
pub mod planner;
pub mod validate;

pub use cache::PolicyCache;
pub use format::Policy;
pub use planner::{compensation, plan, Plan, PlanContext, ScheduledWork};
pub use validate::{parse, validate, PolicyErrors, PolicyIssue};
