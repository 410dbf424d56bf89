//! PIN generation without a random number generator.
//!
//! Connectors import no RNG, and a PIN must be both repeatable and unguessable:
//! repeatable so that a retried issue-pin derives the same PIN and finds the credential
//! an interrupted attempt may have created (instead of creating a second one), and
//! unguessable so that knowing a visitor's id does not open a door.
//!
//! The PIN is therefore HMAC-SHA256 keyed with the install's password secret, over the
//! action's idempotency key, the person and an attempt counter, reduced to decimal
//! digits. Same action, same PIN; a new issue-pin action (a new key), a new PIN; nobody
//! without the password can compute one. PINs of a single repeated digit are skipped.

use gatehouse_sdk::{secrets, ConnectorError};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::PASSWORD_SECRET;

/// Derives the `attempt`-th PIN candidate of `length` digits (4–16).
pub fn derive(idempotency_key: &str, person: &str, attempt: u32, length: usize) -> Result<String, ConnectorError> {
    let key = secrets::get(PASSWORD_SECRET)?.reveal();
    let mut counter = attempt;
    loop {
        let digits = digits(key.as_bytes(), idempotency_key, person, counter, length);
        if !is_trivial(&digits) {
            return Ok(digits);
        }
        counter = counter.wrapping_add(1 << 16);
    }
}

fn digits(key: &[u8], idempotency_key: &str, person: &str, counter: u32, length: usize) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    for part in ["gatehouse-pin", idempotency_key, person, &counter.to_string()] {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part.as_bytes());
    }
    let hash = mac.finalize().into_bytes();
    // 128 bits reduced modulo 10^length (at most 10^16): the bias is below 2^-74.
    let value = u128::from_be_bytes(hash[..16].try_into().expect("a SHA-256 output has 32 bytes"));
    let modulus = 10u128.pow(length as u32);
    format!("{:0length$}", value % modulus)
}

/// `0000`, `777777`: the first PINs anyone tries.
fn is_trivial(digits: &str) -> bool {
    digits.chars().all(|c| digits.starts_with(c))
}

#[cfg(test)]
mod tests {
    use gatehouse_sdk::testing::FakeHost;

    use super::*;

    #[test]
    fn the_same_action_derives_the_same_pin_and_a_new_action_another() {
        let host = FakeHost::install();
        host.set_secret("password", "s3cret");
        let first = derive("job-1/step-4", "visitor/v-1", 0, 6).unwrap();
        assert_eq!(derive("job-1/step-4", "visitor/v-1", 0, 6).unwrap(), first);
        assert_ne!(derive("job-2/step-4", "visitor/v-1", 0, 6).unwrap(), first);
        assert_ne!(derive("job-1/step-4", "visitor/v-1", 1, 6).unwrap(), first);
        assert_eq!(first.len(), 6);
        assert!(first.chars().all(|c| c.is_ascii_digit()));
    }

    #[test]
    fn the_pin_depends_on_the_install_secret() {
        let host = FakeHost::install();
        host.set_secret("password", "one");
        let one = derive("k", "visitor/v-1", 0, 8).unwrap();
        host.set_secret("password", "two");
        assert_ne!(derive("k", "visitor/v-1", 0, 8).unwrap(), one);
    }

    #[test]
    fn short_pins_keep_their_leading_zeros_and_trivial_ones_are_skipped() {
        assert!(is_trivial("0000") && is_trivial("7") && !is_trivial("0001"));
        for counter in 0..200 {
            assert_eq!(digits(b"k", "key", "p", counter, 4).len(), 4);
        }
    }

    #[test]
    fn without_the_password_secret_no_pin_is_derived() {
        let _host = FakeHost::install();
        assert_eq!(derive("k", "p", 0, 6).unwrap_err().kind, gatehouse_sdk::ErrorKind::Config);
    }
}
