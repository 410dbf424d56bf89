//! What every Gatehouse vendor simulator does the same way: a fault plan applied at its request
//! boundary (latency and jitter, "answer after N seconds", a seeded error rate, a connection cut
//! after N bytes of a response), a clock tests can move, the command-line flags that set both at
//! start, and the control routes that change them while it runs.
//!
//! Each simulator keeps its vendor's own faults (Genetec's envelopes and BOMs, Symmetry's denied
//! statements) and decides what an injected error looks like on its wire; this crate decides
//! *when*. So a test of retries, timeouts or reconciliation is written once and pointed at either
//! simulator, and the same plan with the same seed fails the same requests on both.
//!
//! ```
//! use gatehouse_sim_faults::{FaultInjector, FaultPlan, FaultRule};
//! let plan = FaultPlan { seed: 7, rules: vec![FaultRule { error_rate: 1.0, count: Some(1), ..FaultRule::default() }] };
//! let faults = FaultInjector::new(plan).unwrap();
//! assert!(faults.decide("SELECT 1").fail);
//! assert!(!faults.decide("SELECT 1").fail);
//! ```

mod args;
mod clock;
pub mod control;
mod cut;
mod injector;
mod plan;

pub use args::FaultArgs;
pub use clock::{ClockChange, ClockError, ClockSettings, ClockView, SimClock};
pub use cut::{CutOff, Cutting};
pub use injector::{Decision, FaultInjector};
pub use plan::{FaultPlan, FaultRule, PlanError};
