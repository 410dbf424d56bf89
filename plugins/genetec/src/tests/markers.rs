//! Fail closed: visitors are found by their marker only, and every action that takes
//! access away reaches every record carrying it, against the in-memory Security Center.

use gatehouse_sdk::testing::samples::{call, visitor, window};
use gatehouse_sdk::{Action, ConnectorError, Credential, ErrorKind, Outcome, Person, PersonKind, PersonRef, Windowed};
use serde_json::{json, Value};

use super::fake_sc::Sc;
use super::{config, host, ok, person, requests};
use crate::Genetec;
use gatehouse_sdk::http::Method;
use gatehouse_sdk::Connector;

const MARKER: &str = "gatehouse:visit-7";
const POOL: &str = "cards/wiegand-standard-26/101";

fn run_with(params: Value, action: Action) -> Result<Outcome, ConnectorError> {
    Genetec::run(config(json!({})), call(params), action)
}

fn run(action: Action) -> Result<Outcome, ConnectorError> {
    run_with(json!({}), action)
}

fn detail(outcome: &Outcome) -> Value {
    serde_json::from_str(&outcome.detail).unwrap()
}

fn issue_card() -> Outcome {
    run(Action::IssueCard(Windowed { who: visitor("visit-7"), window: window(1) })).unwrap()
}

#[test]
fn a_remembered_guid_whose_record_lacks_the_visit_marker_is_not_the_visitor() {
    let host = host();
    let sc = Sc::install(&host);
    let other = sc.borrow_mut().visitor("gatehouse:visit-8");
    host.set_kv("visitor/visit-7", other.as_str());

    let created = run(Action::UpsertPerson(person("visit-7"))).unwrap().pacs_id.unwrap();
    run(Action::Deactivate(visitor("visit-7"))).unwrap();

    assert_ne!(created, other);
    assert_eq!(sc.borrow().visitors[&created]["Description"], MARKER);
    assert_eq!(host.kv_value("visitor/visit-7"), Some(created.into_bytes()));
    assert_eq!(sc.borrow().state(&other), "Active", "another visit's record is never touched");
}

#[test]
fn upsert_finds_the_marked_visitor_when_kv_never_learnt_its_guid_and_ignores_prefix_matches() {
    let host = host();
    let sc = Sc::install(&host);
    sc.borrow_mut().visitor("gatehouse:visit-70");
    let existing = sc.borrow_mut().visitor(MARKER);

    let outcome = run(Action::UpsertPerson(person("visit-7"))).unwrap();

    assert_eq!(outcome.pacs_id.as_deref(), Some(existing.as_str()));
    assert!(requests(&host, Method::Post, "NewEntity").is_empty());
    assert_eq!(host.kv_value("visitor/visit-7"), Some(existing.into_bytes()));
}

#[test]
fn actions_that_take_access_away_succeed_unchanged_when_there_is_no_visitor() {
    let host = host();
    Sc::install(&host);
    let groups = json!({"groups": ["c9000000-0000-4000-8000-000000000003"]});
    let actions = [
        (json!({}), Action::RevokeCredentials(visitor("visit-7"))),
        (groups, Action::RemoveGroups(visitor("visit-7"))),
        (json!({}), Action::Deactivate(visitor("visit-7"))),
        (json!({}), Action::CheckOut(visitor("visit-7"))),
        (json!({}), Action::ErasePerson(visitor("visit-7"))),
    ];

    for (params, action) in actions {
        let name = format!("{action:?}");
        let outcome = run_with(params, action).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert!(!outcome.changed && outcome.pacs_id.is_none(), "{name}: {outcome:?}");
    }
    assert!(host.http_requests().iter().all(|r| r.method == Method::Get), "nothing was written");
}

#[test]
fn deactivate_and_remove_groups_reach_every_visitor_carrying_the_marker() {
    let host = host();
    let sc = Sc::install(&host);
    let group = "c9000000-0000-4000-8000-000000000003";
    let remembered = sc.borrow_mut().visitor(MARKER);
    let planted = sc.borrow_mut().visitor(MARKER);
    let other = sc.borrow_mut().visitor("gatehouse:visit-70");
    for guid in [&remembered, &planted, &other] {
        sc.borrow_mut().visitors.get_mut(guid).unwrap()["Groups"] = json!([group]);
    }
    host.set_kv("visitor/visit-7", remembered.as_str());

    let deactivated = run(Action::Deactivate(visitor("visit-7"))).unwrap();
    let again = run(Action::Deactivate(visitor("visit-7"))).unwrap();
    let removed = run_with(json!({"groups": [group]}), Action::RemoveGroups(visitor("visit-7"))).unwrap();

    assert!(deactivated.changed && !again.changed);
    assert_eq!(deactivated.pacs_id.as_deref(), Some(remembered.as_str()));
    assert_eq!(detail(&deactivated)["deactivated"], json!([remembered, planted]));
    assert!(removed.changed);
    let sc = sc.borrow();
    assert_eq!(
        (sc.state(&remembered), sc.state(&planted), sc.state(&other)),
        ("Inactive".into(), "Inactive".into(), "Active".into())
    );
    assert_eq!(sc.visitors[&planted]["Groups"], json!([]));
    assert_eq!(sc.visitors[&other]["Groups"], json!([group]));
}

#[test]
fn revocation_deletes_what_we_issued_and_cards_of_our_range_and_unassigns_an_operators_card() {
    let host = host();
    let sc = Sc::install(&host);
    let remembered = sc.borrow_mut().visitor(MARKER);
    let planted = sc.borrow_mut().visitor(MARKER);
    host.set_kv("visitor/visit-7", remembered.as_str());
    let issued = detail(&issue_card())["credential"].as_str().unwrap().to_string();
    // A card of the install's range kv never recorded, on the second record, and the
    // operator's pre-numbered card, handed over in Security Desk.
    let unrecorded = sc.borrow_mut().card(1002, Some(&planted));
    let operators = sc.borrow_mut().card(77, Some(&remembered));

    let revoked = run(Action::RevokeCredentials(visitor("visit-7"))).unwrap();
    let again = run(Action::RevokeCredentials(visitor("visit-7"))).unwrap();

    assert!(revoked.changed && !again.changed);
    assert_eq!(detail(&revoked)["credentials_revoked"], json!([issued, unrecorded]));
    assert_eq!(detail(&revoked)["credentials_unassigned"], json!([operators]));
    let sc = sc.borrow();
    assert!(sc.held_by(&remembered).is_empty() && sc.held_by(&planted).is_empty());
    assert_eq!(sc.credentials[&operators]["CardholderGuid"], Value::Null, "the operator's card stays, unassigned");
    assert!(host.pool_in_use(POOL).is_empty());
    assert_eq!(host.kv_value("credentials/visitor/visit-7"), None);
}

#[test]
fn upsert_keeps_the_remembered_visitor_and_retires_the_others_with_a_warning() {
    let host = host();
    let sc = Sc::install(&host);
    let remembered = sc.borrow_mut().visitor(MARKER);
    let planted = sc.borrow_mut().visitor(MARKER);
    host.set_kv("visitor/visit-7", remembered.as_str());
    let card = sc.borrow_mut().card(1001, Some(&planted));

    let outcome = run(Action::UpsertPerson(person("visit-7"))).unwrap();

    assert_eq!(outcome.pacs_id.as_deref(), Some(remembered.as_str()));
    let detail = detail(&outcome);
    assert_eq!(detail["duplicates"][0]["visitor"], planted);
    assert_eq!(detail["duplicates"][0]["credentials_revoked"], json!([card]));
    let warnings = detail["warnings"].as_array().unwrap();
    assert!(warnings.len() == 1 && warnings[0].as_str().unwrap().contains(&planted), "{warnings:?}");
    let sc = sc.borrow();
    assert_eq!((sc.state(&remembered), sc.state(&planted)), ("Active".into(), "Inactive".into()));
    assert!(!sc.credentials.contains_key(&card));
    assert_eq!(sc.visitors.len(), 2, "no visitor is created or deleted");
}

#[test]
fn issue_card_after_a_revocation_issues_a_new_card_and_replaces_one_the_visitor_no_longer_holds() {
    let host = host();
    let sc = Sc::install(&host);
    let guid = sc.borrow_mut().visitor(MARKER);
    let credential = |o: &Outcome| detail(o)["credential"].as_str().unwrap().to_string();

    let first = issue_card();
    let retried = issue_card();
    run(Action::RevokeCredentials(visitor("visit-7"))).unwrap();
    let after_revoke = issue_card();
    // Unassigned in Security Desk: it gives the visitor no access any more.
    sc.borrow_mut().credentials.get_mut(&credential(&after_revoke)).unwrap()["CardholderGuid"] = Value::Null;
    let replaced = issue_card();

    assert!(!retried.changed && detail(&retried)["already_issued"] == true);
    assert!(after_revoke.changed && credential(&after_revoke) != credential(&first));
    assert!(replaced.changed && credential(&replaced) != credential(&after_revoke));
    let sc = sc.borrow();
    assert_eq!(sc.held_by(&guid), vec![credential(&replaced)]);
    assert!(!sc.credentials.contains_key(&credential(&after_revoke)), "the replaced card is deleted");
    assert_eq!(sc.credentials.len(), 1);
    assert!(matches!(replaced.credential, Some(Credential::Card(_))));
    assert_eq!(host.pool_in_use(POOL).len(), 1);
}

#[test]
fn names_in_any_script_go_through_whole_and_a_name_too_long_is_cut_with_a_warning() {
    let host = host();
    let sc = Sc::install(&host);
    let unicode =
        Person { first_name: "李 😀".into(), last_name: "שלום مريم e\u{301}".into(), ..person("visit-7") };
    let long = Person { first_name: "Ada".into(), last_name: "L".repeat(200), ..person("visit-8") };

    let plain = run(Action::UpsertPerson(unicode)).unwrap();
    let cut = run(Action::UpsertPerson(long)).unwrap();

    let sc = sc.borrow();
    let written = &sc.visitors[plain.pacs_id.as_deref().unwrap()];
    assert_eq!(
        (written["FirstName"].as_str(), written["LastName"].as_str()),
        (Some("李 😀"), Some("שלום مريم e\u{301}"))
    );
    assert!(detail(&plain).get("warnings").is_none());
    let written = &sc.visitors[cut.pacs_id.as_deref().unwrap()];
    assert_eq!(written["LastName"], "L".repeat(100));
    assert_eq!(written["Name"].as_str().unwrap().chars().count(), 100);
    let warnings = detail(&cut)["warnings"].clone();
    assert!(warnings.as_array().is_some_and(|w| w.len() == 1 && w[0].is_string()), "{warnings}");
}

#[test]
fn an_employee_missing_from_security_center_has_nothing_to_take_away_but_cannot_be_activated() {
    let host = host();
    host.on_http(Method::Get, &super::url("/report/CardholderConfiguration"), |_| ok(json!([])));
    let config = || config(json!({"employees": {"method": "checkin-required"}}));
    let dan = || PersonRef {
        kind: PersonKind::Employee,
        external_id: "emp-9".into(),
        pacs_id: None,
        email: Some("dan@acme.example".into()),
    };
    let groups = json!({"groups": ["c9000000-0000-4000-8000-000000000003"]});

    let deactivated = Genetec::run(config(), call(json!({})), Action::Deactivate(dan())).unwrap();
    let revoked = Genetec::run(config(), call(json!({})), Action::RevokeCredentials(dan())).unwrap();
    let removed = Genetec::run(config(), call(groups), Action::RemoveGroups(dan())).unwrap();
    let activated = Genetec::run(config(), call(json!({})), Action::Activate(dan())).unwrap_err();

    assert!(!deactivated.changed && !revoked.changed && !removed.changed);
    assert_eq!(activated.kind, ErrorKind::Permanent);
}
