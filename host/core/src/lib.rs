//! What the runtime and the service must agree on, defined once: the clock
//! every layer reads (so a test moves connectors and schedules together) and
//! the sealer every secret at rest goes through (so one master key, one AEAD
//! and one nonce rule protect everything).

pub mod clock;
pub mod seal;

pub use clock::{Clock, ManualClock, SystemClock};
pub use seal::{MasterKey, MasterKeyError, SealError, Sealer, MASTER_KEY_ENV, MASTER_KEY_FILE_ENV};
