//! Sample inputs for connector unit tests, so each plugin's tests start from the same visitor
//! and window instead of writing their own. Change a field with struct update syntax:
//! `Person { last_name: "O'Brien".into(), ..samples::person("v-1") }`.

use crate::testing::FakeHost;
use crate::{AccessWindow, Call, Person, PersonKind, PersonRef};

/// The idempotency key [`call`] uses.
pub const IDEMPOTENCY_KEY: &str = "job-1/step-1";

/// A call with these policy parameters and the key [`IDEMPOTENCY_KEY`].
pub fn call(params: serde_json::Value) -> Call {
    Call { params: params.to_string(), idempotency_key: IDEMPOTENCY_KEY.into() }
}

/// Visitor `external_id`, ada@example.com, not yet known to the PACS.
pub fn visitor(external_id: &str) -> PersonRef {
    PersonRef {
        kind: PersonKind::Visitor,
        external_id: external_id.into(),
        pacs_id: None,
        email: Some("ada@example.com".into()),
    }
}

/// Ada Lovelace, the [`visitor`], with a phone number and no company or host.
pub fn person(external_id: &str) -> Person {
    Person {
        identity: visitor(external_id),
        first_name: "Ada".into(),
        last_name: "Lovelace".into(),
        phone: Some("+44 20 0000".into()),
        company: None,
        host_name: None,
        include_contact: false,
    }
}

/// `hours` long, from the fake clock's [`FakeHost::DEFAULT_NOW`].
pub fn window(hours: i64) -> AccessWindow {
    AccessWindow { starts_at: FakeHost::DEFAULT_NOW, ends_at: FakeHost::DEFAULT_NOW + hours * 3_600_000 }
}
