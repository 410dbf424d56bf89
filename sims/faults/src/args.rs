//! The command-line flags every simulator flattens into its own (`#[command(flatten)]`), so a
//! bench or a test starts either one slow, flaky or out of time with the same words.

use crate::clock::{ClockError, ClockSettings};
use crate::plan::{FaultPlan, FaultRule};

/// Faults and clock at start; the control API (`/fault-plan`, `/clock`) changes both later.
#[derive(Debug, Clone, Default, PartialEq, clap::Args)]
#[command(next_help_heading = "Faults and clock (the same for every simulator)")]
pub struct FaultArgs {
    /// Wait this many milliseconds before each request runs.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Add a random 0..=N milliseconds to the latency (drawn from --fault-seed).
    #[arg(long, default_value_t = 0)]
    pub jitter_ms: u64,
    /// Run each request at once but answer no sooner than this many seconds after it arrived.
    #[arg(long)]
    pub answer_after_secs: Option<f64>,
    /// Fail this fraction of requests (0 to 1) with the vendor's transient server error.
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,
    /// Close the connection after this many bytes of each response.
    #[arg(long)]
    pub drop_after_bytes: Option<u64>,
    /// Apply the faults only to requests containing this text (Genetec: path and query;
    /// Symmetry: SQL text), case-insensitively.
    #[arg(long)]
    pub fault_matching: Option<String>,
    /// Let the first N matching requests through untouched.
    #[arg(long, default_value_t = 0)]
    pub fault_skip: u32,
    /// Apply the faults to this many matching requests only, then stop.
    #[arg(long)]
    pub fault_count: Option<u32>,
    /// Seed of the error-rate and jitter draws: the same seed fails the same requests.
    #[arg(long, default_value_t = 0)]
    pub fault_seed: u64,
    /// Run the simulator's clock this many seconds from real time (negative: behind).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub clock_offset_secs: f64,
    /// Stop the simulator's clock at start (it moves only through the control API).
    #[arg(long)]
    pub clock_frozen: bool,
}

impl FaultArgs {
    /// The plan these flags describe: one rule, or none when no fault flag is set.
    pub fn plan(&self) -> FaultPlan {
        FaultPlan::single(
            self.fault_seed,
            FaultRule {
                matching: self.fault_matching.clone(),
                skip: self.fault_skip,
                count: self.fault_count,
                latency_ms: self.latency_ms,
                jitter_ms: self.jitter_ms,
                answer_after_secs: self.answer_after_secs,
                error_rate: self.error_rate,
                drop_after_bytes: self.drop_after_bytes,
            },
        )
    }

    pub fn clock(&self) -> Result<ClockSettings, ClockError> {
        ClockSettings::from_secs(self.clock_offset_secs, self.clock_frozen)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        faults: FaultArgs,
    }

    fn parse(args: &[&str]) -> FaultArgs {
        Cli::try_parse_from(std::iter::once("sim").chain(args.iter().copied())).unwrap().faults
    }

    #[test]
    fn no_flags_no_faults_and_real_time() {
        let args = parse(&[]);
        assert!(args.plan().is_empty());
        assert_eq!(args.clock().unwrap(), ClockSettings::default());
    }

    #[test]
    fn the_flags_make_one_rule_and_the_clock_settings() {
        let args = parse(&[
            "--latency-ms=20",
            "--jitter-ms",
            "5",
            "--answer-after-secs",
            "1.5",
            "--error-rate",
            "0.1",
            "--drop-after-bytes",
            "64",
            "--fault-matching",
            "DataImportTable",
            "--fault-skip",
            "2",
            "--fault-count",
            "3",
            "--fault-seed",
            "99",
            "--clock-offset-secs",
            "-86400",
            "--clock-frozen",
        ]);
        let rule = FaultRule {
            matching: Some("DataImportTable".into()),
            skip: 2,
            count: Some(3),
            latency_ms: 20,
            jitter_ms: 5,
            answer_after_secs: Some(1.5),
            error_rate: 0.1,
            drop_after_bytes: Some(64),
        };
        assert_eq!(args.plan(), FaultPlan { seed: 99, rules: vec![rule] });
        assert_eq!(args.clock().unwrap(), ClockSettings { offset: TimeDelta::days(-1), frozen: true });
    }
}
