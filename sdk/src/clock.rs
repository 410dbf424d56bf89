//! The only clock a connector may read: the host's, which tests control.

use crate::UtcMillis;

/// Now, in milliseconds since the Unix epoch, UTC.
pub fn now() -> UtcMillis {
    #[cfg(target_arch = "wasm32")]
    {
        crate::bindings::gatehouse::connector::clock::now()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        crate::testing::clock::now()
    }
}
