//! Policy validation: every problem reported at once, each at its place, in
//! words a reviewer can act on.

use gatehouse::domain::{ActionKind, CardPool};
use gatehouse::gateway::{ActionDescriptor, Manifest};
use gatehouse::policy::{parse, validate, PolicyErrors};
use serde_json::json;

fn manifest(actions: &[ActionKind]) -> Manifest {
    let schema = |kind: ActionKind| match kind {
        ActionKind::AddGroups | ActionKind::RemoveGroups => json!({
            "type": "object", "required": ["groups"], "additionalProperties": false,
            "properties": { "groups": { "type": "array", "items": { "type": "string" } } } }),
        ActionKind::IssuePin => json!({ "type": "object", "additionalProperties": false,
            "properties": { "length": { "type": "integer", "maximum": 9 } } }),
        _ => json!({ "type": "object" }),
    };
    Manifest {
        plugin_id: "symmetry".into(),
        version: "0.1.0".into(),
        actions: actions
            .iter()
            .map(|&kind| ActionDescriptor { kind, description: String::new(), params_schema: schema(kind) })
            .collect(),
        emits_events: false,
    }
}

fn pools() -> Vec<CardPool> {
    vec![CardPool { facility_code: 12, format: "wiegand-standard-26".into(), min: 1000, max: 1999 }]
}

fn problems(source: &str, actions: &[ActionKind]) -> Vec<(String, String)> {
    let policy = match parse(source) {
        Ok(policy) => policy,
        Err(PolicyErrors(issues)) => return issues.into_iter().map(|i| (i.path, i.message)).collect(),
    };
    match validate(&policy, &manifest(actions), &pools()) {
        Ok(_) => Vec::new(),
        Err(PolicyErrors(issues)) => issues.into_iter().map(|i| (i.path, i.message)).collect(),
    }
}

fn has(problems: &[(String, String)], path: &str, words: &str) -> bool {
    problems.iter().any(|(p, m)| p == path && m.contains(words))
}

#[test]
fn a_complete_policy_validates_and_reports_the_supported_actions() {
    let source = r#"
        [params.upsert-person]
        partition = "visitors"
        [visitors]
        early_access_minutes = 15
        [visitors.types.Guest]
        groups = { groups = ["lobby"] }
        card = { facility_code = 12 }
        qr_email = true
        pin = { length = 6 }
    "#;
    let policy = parse(source).unwrap();
    let supported = validate(&policy, &manifest(&ActionKind::ALL), &pools()).unwrap();
    assert!(supported.contains(&ActionKind::Activate));
    assert_eq!(policy.params[&ActionKind::UpsertPerson]["partition"], "visitors");
}

#[test]
fn syntax_errors_and_unknown_keys_name_their_line() {
    let found = problems("[visitors]\ninvite_only = true\nearly_acess_minutes = 5\n", &ActionKind::ALL);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "line 3");
    assert!(found[0].1.contains("early_acess_minutes"), "{found:?}");
    let found = problems("[visitors\n", &ActionKind::ALL);
    assert_eq!(found[0].0, "line 1", "{found:?}");
}

#[test]
fn every_problem_is_reported_at_its_place() {
    let source = r#"
        [params.erase-person]
        reason = "gdpr"
        [visitors]
        access_duration_minutes = 0
        registration_required = true
        [visitors.types.Guest]
        groups = { groups = "lobby" }
        card = { facility_code = 99 }
        pin = { length = 12 }
        [visitors.types.Courier]
        qr_email = true
        [employees]
        mode = "check-in-required"
        excluded = ["not-an-email"]
    "#;
    let found = problems(
        source,
        &[
            ActionKind::UpsertPerson,
            ActionKind::SetAccessWindow,
            ActionKind::RevokeCredentials,
            ActionKind::AddGroups,
            ActionKind::IssuePin,
        ],
    );
    assert!(has(&found, "params.erase-person", "has no `erase-person` action"), "{found:#?}");
    assert!(has(&found, "visitors.access_duration_minutes", "at least 1 minute"), "{found:#?}");
    assert!(has(&found, "visitors.registration_required", "invite_only"), "{found:#?}");
    assert!(has(&found, "visitors.types.Guest.groups", "/groups"), "{found:#?}");
    assert!(has(&found, "visitors.types.Guest.card", "no card pool for facility code 99"), "{found:#?}");
    assert!(has(&found, "visitors.types.Guest.pin", "/length"), "{found:#?}");
    assert!(has(&found, "visitors.types.Courier.qr_email", "needs a `card`"), "{found:#?}");
    assert!(has(&found, "employees.method", "toggle-status"), "{found:#?}");
    assert!(has(&found, "employees.excluded[0]", "not an e-mail"), "{found:#?}");
}

#[test]
fn a_policy_needing_an_action_the_plugin_lacks_is_refused() {
    let source = r#"
        [visitors]
        on_sign_out = "check-out"
        [visitors.types.Guest]
        card = { facility_code = 12 }
        [employees]
        mode = "check-in-required"
        method = "toggle-status"
    "#;
    let found =
        problems(source, &[ActionKind::UpsertPerson, ActionKind::SetAccessWindow, ActionKind::RevokeCredentials]);
    assert!(
        has(&found, "visitors.types.Guest.card", "`issue-card` action, which plugin `symmetry` does not support"),
        "{found:#?}"
    );
    assert!(has(&found, "visitors.on_sign_out", "`check-out`"), "{found:#?}");
    assert!(has(&found, "employees", "`activate`"), "{found:#?}");
}
