//! Identifiers. Each is its own type so a tenant id can never be passed where
//! an install id is expected; all are opaque strings on the wire and in the
//! store (UUIDs for the ones Gatehouse mints, the sender's own for visits).

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A fresh random identifier.
            pub fn generate() -> Self {
                Self(uuid::Uuid::new_v4().to_string())
            }
            /// Wraps an identifier read from a request or the store.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// A customer. No query path mixes the data of two tenants.
    TenantId
);
string_id!(
    /// A site with its own time zone.
    LocationId
);
string_id!(
    /// One connector plugin bound to one location of one tenant.
    InstallId
);
string_id!(
    /// A stored intake event.
    EventId
);
string_id!(
    /// A job: the work one event (or one schedule entry) causes.
    JobId
);
string_id!(
    /// One step of a job.
    StepId
);
string_id!(
    /// A durable timer that creates a job when it falls due.
    ScheduleEntryId
);
string_id!(
    /// A card, PIN or QR image issued by a job.
    AttachmentId
);
string_id!(
    /// The visitor-management system's id of a visit (its invite id, or the
    /// entry id of a walk-in).
    VisitId
);
string_id!(
    /// A request to erase a person everywhere.
    ErasureId
);
