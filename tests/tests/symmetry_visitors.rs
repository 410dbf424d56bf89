//! Symmetry visitors (seed items B51, B52, B66–B74): every event goes through the real policy
//! planner, every step through the built component in the host, and every assertion reads the
//! simulator's databases back over TDS.

mod symmetry_support;

use chrono::{DateTime, Duration, Utc};
use gatehouse::domain::{InviteDetails, PersonDetails, SignIn, SignOut, VisitId, VisitorEvent};
use gatehouse_sdk_harness::contract::{Action, Credential};
use serde_json::json;
use symmetry_support::*;

const POLICY: &str = r#"
[visitors]
early_access_minutes = 30
access_duration_minutes = 240

[visitors.types.Visitor]
groups = { access_codes = [20] }
card = { facility_code = 100 }

[visitors.types.Interview]
groups = { access_codes = [20, "21"] }
card = { facility_code = 100 }
pin = { digits = 6 }
include_contact = true
access_duration_minutes = 90
"#;

fn ada() -> PersonDetails {
    PersonDetails {
        first_name: "Ada".into(),
        last_name: "Lovelace".into(),
        email: Some("ada@example.com".into()),
        phone: Some("+1 555 0100".into()),
        company: Some("Analytical Engines".into()),
        host_name: Some("Charles Babbage".into()),
        photo: None,
    }
}

fn walk_in(visit: &str, visitor_type: &str, at: DateTime<Utc>) -> VisitorEvent {
    VisitorEvent::VisitorSignedIn(SignIn {
        visit_id: VisitId::new(visit),
        visitor_type: visitor_type.into(),
        person: ada(),
        invited: false,
        occurred_at: at,
    })
}

fn invite(visit: &str, visitor_type: &str, arrival: DateTime<Utc>, registered: bool) -> InviteDetails {
    InviteDetails {
        visit_id: VisitId::new(visit),
        visitor_type: visitor_type.into(),
        person: ada(),
        expected_arrival: arrival,
        registration_complete: registered,
        occurred_at: start_time(),
    }
}

#[tokio::test]
async fn b51_a_visitor_signing_in_receives_a_symmetry_card_with_access() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;
    let mut flow = Flow::new(&connector, POLICY);

    let handled = flow.handle(walk_in("visit-1", "Visitor", start_time()), start_time()).await.unwrap();

    assert!(handled.ignored.is_none());
    // Card 1000 belongs to an earlier visitor in the fixture.
    let card = card(&sim, 1001).await.expect("the visitor's card");
    assert_eq!((card.first_name.as_deref(), card.last_name.as_deref()), (Some("Ada"), Some("Lovelace")));
    assert_eq!(card.company_id, Some(VISITOR_COMPANY as i32));
    assert!(!card.inactive);
    assert_eq!(card.active, Some(local("2025-01-01 07:00:00")));
    assert_eq!(card.expiry, Some(local("2025-01-01 11:00:00")));
    assert_eq!(access_rights(&sim, card.card_id).await, ["Visitor Lobby"]);
    let rows = import_rows(&sim).await;
    assert!(rows.iter().all(|r| r.batch_reference.as_deref().is_some_and(|b| b.starts_with("gatehouse:"))), "{rows:?}");
    assert!(rows.iter().all(|r| r.import_now == Some(true) && r.status != 0), "{rows:?}");
    assert_eq!(rows.iter().filter(|r| r.request == Some(0)).count(), 1, "one cardholder added");
}

#[tokio::test]
async fn b52_signing_out_expires_the_card_and_forces_it_inactive() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;
    let mut flow = Flow::new(&connector, POLICY);
    flow.handle(walk_in("visit-1", "Visitor", start_time()), start_time()).await.unwrap();
    let sign_out_at = start_time() + Duration::hours(1);
    connector.clock().set(sign_out_at);

    let sign_out =
        VisitorEvent::VisitorSignedOut(SignOut { visit_id: VisitId::new("visit-1"), occurred_at: sign_out_at });
    flow.handle(sign_out, sign_out_at).await.unwrap();

    let card = card(&sim, 1001).await.unwrap();
    assert!(card.inactive);
    assert_eq!(card.expiry, Some(local("2025-01-01 08:00:00")), "expired at the sign-out, New York time");
    assert!(access_rights(&sim, card.card_id).await.is_empty(), "the type's access codes are removed");
    assert_eq!(card_count(&sim).await, 9, "nothing deleted, nothing duplicated");
}

#[tokio::test]
async fn b66_each_visitor_type_gets_the_access_codes_mapped_to_it_and_unmapped_types_get_nothing() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;
    let (mut visitor, mut interview, mut delivery) =
        (Flow::new(&connector, POLICY), Flow::new(&connector, POLICY), Flow::new(&connector, POLICY));

    visitor.handle(walk_in("visit-1", "Visitor", start_time()), start_time()).await.unwrap();
    interview.handle(walk_in("visit-2", "Interview", start_time()), start_time()).await.unwrap();
    let ignored = delivery.handle(walk_in("visit-3", "Delivery", start_time()), start_time()).await.unwrap();

    let first = card(&sim, 1001).await.unwrap();
    let second = card(&sim, 1002).await.unwrap();
    assert_eq!(access_rights(&sim, first.card_id).await, ["Visitor Lobby"]);
    assert_eq!(access_rights(&sim, second.card_id).await, ["Visitor Lobby", "Visitor Meeting Rooms"]);
    assert!(ignored.ignored.is_some_and(|why| why.contains("not mapped")));
    assert!(card(&sim, 1003).await.is_none());
}

#[tokio::test]
async fn b67_early_access_opens_the_card_before_the_scheduled_arrival() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;
    let mut flow = Flow::new(&connector, POLICY);
    let arrival = start_time() + Duration::hours(3);

    flow.handle(VisitorEvent::VisitInvited(invite("visit-1", "Visitor", arrival, false)), start_time()).await.unwrap();

    let card = card(&sim, 1001).await.unwrap();
    // Arrival 15:00Z is 10:00 in New York; 30 minutes of early access.
    assert_eq!(card.active, Some(local("2025-01-01 09:30:00")));
}

#[tokio::test]
async fn b68_the_access_duration_sets_when_the_card_expires() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;
    let (mut invited, mut walk_in_flow) = (Flow::new(&connector, POLICY), Flow::new(&connector, POLICY));
    let arrival = start_time() + Duration::hours(3);

    invited
        .handle(VisitorEvent::VisitInvited(invite("visit-1", "Visitor", arrival, false)), start_time())
        .await
        .unwrap();
    walk_in_flow.handle(walk_in("visit-2", "Interview", start_time()), start_time()).await.unwrap();

    // 240 minutes after the 10:00 arrival; the Interview type overrides it with 90 minutes.
    assert_eq!(card(&sim, 1001).await.unwrap().expiry, Some(local("2025-01-01 14:00:00")));
    assert_eq!(card(&sim, 1002).await.unwrap().expiry, Some(local("2025-01-01 08:30:00")));
}

#[tokio::test]
async fn b69_invite_only_gives_credentials_to_invited_guests_and_none_to_walk_ins() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;
    let policy = POLICY.replace("[visitors]\n", "[visitors]\ninvite_only = true\n");
    let (mut walk_in_flow, mut invited_flow) = (Flow::new(&connector, &policy), Flow::new(&connector, &policy));

    let ignored = walk_in_flow.handle(walk_in("visit-1", "Visitor", start_time()), start_time()).await.unwrap();
    assert!(ignored.ignored.is_some_and(|why| why.contains("invite-only")));
    assert!(import_rows(&sim).await.is_empty(), "nothing was written for the walk-in");

    invited_flow
        .handle(VisitorEvent::VisitInvited(invite("visit-2", "Visitor", start_time(), false)), start_time())
        .await
        .unwrap();
    assert!(card(&sim, 1001).await.is_some_and(|c| c.last_name.as_deref() == Some("Lovelace")));
}

#[tokio::test]
async fn b70_registration_required_waits_for_a_completed_registration() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;
    let policy = POLICY.replace("[visitors]\n", "[visitors]\ninvite_only = true\nregistration_required = true\n");
    let mut flow = Flow::new(&connector, &policy);
    let arrival = start_time() + Duration::hours(1);

    let unregistered = flow
        .handle(VisitorEvent::VisitInvited(invite("visit-1", "Visitor", arrival, false)), start_time())
        .await
        .unwrap();
    assert!(unregistered.ignored.is_some_and(|why| why.contains("registration")));
    assert!(card(&sim, 1001).await.is_none());

    flow.handle(VisitorEvent::VisitUpdated(invite("visit-1", "Visitor", arrival, true)), start_time()).await.unwrap();
    assert!(card(&sim, 1001).await.is_some());
}

#[tokio::test]
async fn b71_issue_pin_puts_a_new_pin_on_the_visitors_card() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;
    let mut flow = Flow::new(&connector, POLICY);

    let handled = flow.handle(walk_in("visit-1", "Interview", start_time()), start_time()).await.unwrap();

    let pin = handled
        .outcomes
        .iter()
        .find_map(|(_, outcome)| match &outcome.credential {
            Some(Credential::Pin(pin)) => Some(pin.clone()),
            _ => None,
        })
        .expect("a PIN was issued");
    assert_eq!(pin.len(), 6);
    assert_eq!(card(&sim, 1001).await.unwrap().pin, Some(pin));
}

#[tokio::test]
async fn b72_contact_information_is_added_to_the_record_only_when_the_type_asks_for_it() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;
    let (mut interview, mut visitor) = (Flow::new(&connector, POLICY), Flow::new(&connector, POLICY));

    interview.handle(walk_in("visit-1", "Interview", start_time()), start_time()).await.unwrap();
    visitor.handle(walk_in("visit-2", "Visitor", start_time()), start_time()).await.unwrap();

    let with_contact = card(&sim, 1001).await.unwrap().card_id;
    assert_eq!(personal_data(&sim, with_contact, 20).await.as_deref(), Some("ada@example.com"));
    assert_eq!(personal_data(&sim, with_contact, 21).await.as_deref(), Some("+1 555 0100"));
    assert_eq!(personal_data(&sim, with_contact, 22).await.as_deref(), Some("Analytical Engines"));
    assert_eq!(personal_data(&sim, with_contact, 23).await.as_deref(), Some("Charles Babbage"));
    let without = card(&sim, 1002).await.unwrap().card_id;
    for field in 20..=23 {
        assert_eq!(personal_data(&sim, without, field).await, None);
    }
}

#[tokio::test]
async fn b73_b74_cards_come_from_the_range_with_the_configured_format_and_facility_code_and_are_returned() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;
    let mut flow = Flow::new(&connector, POLICY);

    let handled = flow.handle(walk_in("visit-1", "Visitor", start_time()), start_time()).await.unwrap();

    let issued = handled
        .outcomes
        .iter()
        .find_map(|(_, outcome)| match &outcome.credential {
            Some(Credential::Card(card)) => Some(card.clone()),
            _ => None,
        })
        .expect("a card credential");
    // 1000 is taken by an earlier visitor's card, so the lowest free number is 1001.
    assert_eq!(
        (issued.card_number, issued.facility_code, issued.format.as_str()),
        (1001, 100, "symmetry-card-format-4")
    );
    assert_eq!(card(&sim, 1001).await.unwrap().card_format, Some(4));
    assert_eq!(
        card(&sim, 1000).await.unwrap().last_name.as_deref(),
        Some("Visitor"),
        "the earlier visitor keeps card 1000"
    );
}

#[tokio::test]
async fn an_updated_invite_moves_the_window_without_a_second_card() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;
    let mut flow = Flow::new(&connector, POLICY);
    let arrival = start_time() + Duration::hours(3);
    flow.handle(VisitorEvent::VisitInvited(invite("visit-1", "Visitor", arrival, false)), start_time()).await.unwrap();

    let later = arrival + Duration::hours(2);
    flow.handle(VisitorEvent::VisitUpdated(invite("visit-1", "Visitor", later, false)), start_time()).await.unwrap();

    let moved = card(&sim, 1001).await.unwrap();
    assert_eq!(moved.active, Some(local("2025-01-01 11:30:00")));
    assert_eq!(moved.expiry, Some(local("2025-01-01 16:00:00")));
    assert!(card(&sim, 1002).await.is_none());
}

#[tokio::test]
async fn erasing_a_visitor_strips_the_card_and_frees_its_number() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;
    let mut flow = Flow::new(&connector, POLICY);
    flow.handle(walk_in("visit-1", "Interview", start_time()), start_time()).await.unwrap();

    connector.run(Action::ErasePerson(visitor("visit-1")), json!({})).await.unwrap();

    let card = card(&sim, 1001).await.unwrap();
    assert_eq!((card.first_name.as_deref(), card.last_name.as_deref()), (Some("Visitor"), Some("Erased")));
    assert!(card.inactive);
    assert!(access_rights(&sim, card.card_id).await.is_empty());
    assert_eq!(personal_data(&sim, card.card_id, 20).await, None, "contact details are blanked");
}
