//! The vocabulary of Gatehouse as types.
//!
//! Everything here is plain data with its invariants checked at construction,
//! so the store, the policy and the job engine can trust what they are handed:
//! an [`AccessWindow`] always starts before it ends, a [`JobStatus`] that
//! stopped always carries its reason, an [`ErrorKind`] always says whether a
//! retry can help.

mod action;
mod credential;
mod error;
mod event;
mod ids;
mod job;
mod person;
mod photo;
mod privacy;
mod tenant;
mod time;
mod token;
mod visit;

pub use action::{ActionKind, PlannedStep, StepAction};
pub use credential::{CardCredential, Credential, SealedPin};
pub use error::{DomainError, ErrorClass, ErrorKind};
pub use event::{EmployeeEvent, InviteDetails, SignIn, SignOut, VisitorEvent};
pub use ids::{
    AttachmentId, ErasureId, EventId, InstallId, JobId, LocationId, ScheduleEntryId, StepId, TenantId, VisitId,
};
pub use job::{IdempotencyKey, JobStatus, StepStatus, Subject};
pub use person::{PersonDetails, PersonKind, PersonRef};
pub use photo::{Photo, PhotoError, PhotoType, MAX_PHOTO_BYTES};
pub use privacy::{PrivacySettings, Retention, DEFAULT_RETENTION_DAYS, MAX_RETENTION_DAYS};
pub use tenant::{CardPool, Install, OutboundWebhook, SmtpRelay, SmtpSecurity, Tenant, TenantSettings};
pub use time::{from_millis, to_millis, AccessWindow, Location};
pub use token::{system_tenant, ApiToken, TokenAccess, TokenScope};
pub use visit::{Person, Visit, VisitState};
