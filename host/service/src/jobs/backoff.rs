//! When to try a failed step again: exponential backoff with jitter, so a
//! recovering vendor is not hit by every retry at the same instant.

use chrono::Duration;
use rand::Rng;

#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; after the last the job is dead.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_attempts: 8, base_delay: Duration::seconds(2), max_delay: Duration::minutes(10) }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt number `attempt` (1-based): the capped
    /// exponential delay, of which a random half is kept ("equal jitter"),
    /// and never less than what the vendor asked for.
    pub fn delay(&self, attempt: u32, vendor_asked: Option<Duration>) -> Duration {
        let exponent = attempt.saturating_sub(1).min(30);
        let ceiling = self.base_delay.checked_mul(1 << exponent).unwrap_or(self.max_delay).min(self.max_delay);
        let half = ceiling.num_milliseconds() / 2;
        let jittered = Duration::milliseconds(half + rand::thread_rng().gen_range(0..=half.max(0)));
        vendor_asked.map_or(jittered, |asked| jittered.max(asked))
    }

    pub fn exhausted(&self, attempts: u32) -> bool {
        attempts >= self.max_attempts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_exponentially_within_their_jitter_band_and_are_capped() {
        let policy =
            RetryPolicy { max_attempts: 10, base_delay: Duration::seconds(2), max_delay: Duration::seconds(60) };
        for (attempt, ceiling) in [(1, 2), (2, 4), (3, 8), (6, 60), (20, 60)] {
            for _ in 0..50 {
                let delay = policy.delay(attempt, None);
                assert!(
                    delay >= Duration::milliseconds(ceiling * 500) && delay <= Duration::seconds(ceiling),
                    "{attempt}: {delay}"
                );
            }
        }
        assert!(policy.delay(1, Some(Duration::seconds(30))) >= Duration::seconds(30));
    }
}
