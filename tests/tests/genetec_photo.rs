//! `set-photo` end to end: a sign-in carrying the visitor's photo, posted to the real HTTP
//! intake, planned by a policy whose visitor type says `photo = true`, run by the job engine
//! through the built genetec.wasm in the runtime, uploaded as Genetec's multipart request to
//! the running Web SDK simulator; asserted by reading the picture back from the simulator.

mod genetec_common;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use gatehouse::domain::{InstallId, JobStatus, VisitId};
use gatehouse_demo::{Stack, GENETEC_INSTALL, TIME_ZONE};
use gatehouse_sim_genetec::model::Visitor;
use gatehouse_sim_genetec::well_known::VISITORS_GROUP;
use serde_json::{json, Value};
use std::path::PathBuf;

/// A 1×1 PNG, as a kiosk would send a (much larger) one.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

fn policy() -> String {
    format!(
        r#"
[visitors]
early_access_minutes = 30
access_duration_minutes = 240

[visitors.types.Guest]
groups = {{ groups = ["{VISITORS_GROUP}"] }}
photo = true
"#
    )
}

/// `hh:mm` in New York on Monday 3 March 2025.
fn at(hour: u32, minute: u32) -> DateTime<Utc> {
    let naive = NaiveDate::from_ymd_opt(2025, 3, 3).unwrap().and_hms_opt(hour, minute, 0).unwrap();
    TIME_ZONE.from_local_datetime(&naive).unwrap().with_timezone(&Utc)
}

async fn stack() -> Stack {
    let components = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/components");
    let stack = Stack::start(&components, at(8, 0)).await.expect("the stack starts (cargo xtask build-plugins first)");
    let install = InstallId::new(GENETEC_INSTALL);
    stack.service.put_policy("test", &stack.tenant, &install, &policy()).await.expect("the plugin supports set-photo");
    stack
}

fn event(event_id: &str, kind: &str, visit: Value, photo: bool) -> Value {
    let mut event = json!({ "event_id": event_id, "install_id": GENETEC_INSTALL, "type": kind, "visit": visit,
        "person": { "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com" } });
    if photo {
        event["person"]["photo"] = json!({ "content_type": "image/png", "data": PNG });
    }
    event
}

/// The one live visitor carrying the visit's marker.
fn visitor(stack: &Stack, visit: &str) -> Visitor {
    let mut found = genetec_common::visitors_with(&stack.genetec, visit);
    assert_eq!(found.len(), 1, "one visitor for {visit}");
    found.remove(0)
}

/// The visitor's picture as the simulator keeps it: the base64 of the bytes, as `Picture` reads.
fn picture(visitor: &Visitor) -> Option<&str> {
    visitor.person.picture.as_deref()
}

async fn statuses(stack: &Stack, visit: &str) -> Vec<JobStatus> {
    let install = InstallId::new(GENETEC_INSTALL);
    let jobs = stack.service.visit_jobs(&stack.tenant, &install, &VisitId::new(visit)).await.unwrap();
    jobs.into_iter().map(|j| j.status).collect()
}

#[tokio::test]
async fn a_walk_in_signing_in_with_a_photo_has_it_as_the_picture_of_their_genetec_visitor() {
    let stack = stack().await;

    let visit = json!({ "id": "walk-in-1", "visitor_type": "Guest" });
    let receipt = stack.post_event(&event("e-1", "visitor.signed_in", visit, true)).await.unwrap();
    stack.settle().await.unwrap();

    let steps = &receipt.events[0].job.as_ref().unwrap().steps;
    assert_eq!(steps[..2], ["upsert-person", "set-photo"]);
    let visitor = visitor(&stack, "walk-in-1");
    assert_eq!(picture(&visitor), Some(PNG), "the bytes the kiosk sent");
    assert_eq!(visitor.person.first_name, "Ada");
    assert_eq!(statuses(&stack, "walk-in-1").await, [JobStatus::Done]);
    stack.shutdown().await;
}

#[tokio::test]
async fn an_invited_visitor_gets_the_kiosk_photo_at_sign_in_and_keeps_the_window_the_invite_gave() {
    let stack = stack().await;
    let visit = json!({ "id": "invite-1", "visitor_type": "Guest", "expected_arrival": "2025-03-03 08:15" });
    stack.post_event(&event("e-1", "visit.invited", visit, false)).await.unwrap();
    stack.settle().await.unwrap();
    let invited = visitor(&stack, "invite-1");
    assert_eq!(picture(&invited), None, "the invite carried no photo");

    stack.advance_to(at(8, 10)).await.unwrap();
    let visit = json!({ "id": "invite-1", "visitor_type": "Guest", "invited": true });
    stack.post_event(&event("e-2", "visitor.signed_in", visit, true)).await.unwrap();
    stack.settle().await.unwrap();

    let signed_in = visitor(&stack, "invite-1");
    assert_eq!(signed_in.header.guid, invited.header.guid, "the same record, found by its marker");
    assert_eq!(picture(&signed_in), Some(PNG));
    assert_eq!((signed_in.arrival, signed_in.departure), (invited.arrival, invited.departure));
    assert_eq!(statuses(&stack, "invite-1").await, [JobStatus::Done, JobStatus::Done]);
    stack.shutdown().await;
}
