//! Dry runs: the exact steps and due times a real run would use, for every
//! kind of event, without executing or storing anything.

mod common;

use common::{employee, invite, post_event, sign_in, visit_event, Harness};
use serde_json::{json, Value};

/// Posts a dry run; returns the answer's steps as `HH:MM action` (UTC), immediate first.
async fn dry_run(base: &str, token: &str, body: Value) -> (Value, Vec<String>) {
    let response = reqwest::Client::new()
        .post(format!("{base}/v1/tenants/acme/installs/paris-pacs/policy/dry-run"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let answer: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{answer}");
    let mut steps = Vec::new();
    let line = |s: &Value| {
        let due = s["due_at"].as_str().unwrap();
        let action = s["action"]["action"].as_str().or(s["action"]["kind"].as_str()).unwrap();
        format!("{} {action}", &due[11..16])
    };
    for step in answer["immediate"].as_array().unwrap() {
        steps.push(line(step));
    }
    for work in answer["scheduled"].as_array().unwrap() {
        for step in work["steps"].as_array().unwrap() {
            steps.push(format!("{} ({})", line(step), work["purpose"].as_str().unwrap()));
        }
    }
    (answer, steps)
}

#[tokio::test]
async fn an_invite_provisions_now_activates_before_arrival_and_revokes_at_the_end() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let (answer, steps) =
        dry_run(&base, &h.token, json!({ "event": invite("", "v1", "Guest", "2025-03-03 14:00") })).await;
    assert_eq!(answer["policy_version"], 1);
    assert_eq!(answer["ignored"], Value::Null);
    assert_eq!(
        steps,
        [
            "08:00 upsert-person",
            "08:00 add-groups",
            "08:00 set-access-window",
            "08:00 issue-card",
            "08:00 email-credential",
            "12:30 activate (activate)",
            "17:00 revoke-credentials (revoke)",
            "17:00 remove-groups (revoke)",
            "17:00 deactivate (revoke)",
        ]
    );
    assert_eq!(answer["immediate"][1]["params"], json!({ "groups": ["visitors-lobby"] }));
    assert_eq!(
        answer["immediate"][2]["window"],
        json!({ "starts_at": "2025-03-03T12:30:00Z", "ends_at": "2025-03-03T17:00:00Z" })
    );
    // Nothing ran and nothing was stored.
    assert!(h.pacs.calls().is_empty());
    assert_eq!(h.store.count_events(&h.tenant).await.unwrap(), 0);
}

#[tokio::test]
async fn a_walk_in_is_provisioned_for_the_access_duration_from_sign_in() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let (_, steps) = dry_run(&base, &h.token, json!({ "event": sign_in("", "w1", "Contractor", false) })).await;
    assert_eq!(
        steps,
        [
            "08:00 upsert-person",
            "08:00 add-groups",
            "08:00 set-access-window",
            "08:00 issue-pin",
            "08:00 activate",
            "12:00 revoke-credentials (revoke)",
            "12:00 remove-groups (revoke)",
            "12:00 deactivate (revoke)",
        ]
    );
}

#[tokio::test]
async fn sign_in_and_sign_out_of_an_invited_visit_depend_on_its_state() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    post_event(&base, &h.token, invite("e1", "v1", "Contractor", "2025-03-03 14:00")).await;
    // Arriving before early access opens the window at once.
    let (_, steps) = dry_run(&base, &h.token, json!({ "event": sign_in("", "v1", "Contractor", true) })).await;
    assert_eq!(
        steps,
        [
            "08:00 upsert-person",
            "08:00 set-access-window",
            "08:00 activate",
            "17:00 revoke-credentials (revoke)",
            "17:00 remove-groups (revoke)",
            "17:00 deactivate (revoke)",
        ]
    );
    // Arriving during the window changes nothing.
    let (answer, steps) = dry_run(
        &base,
        &h.token,
        json!({ "event": sign_in("", "v1", "Contractor", true), "at": "2025-03-03T13:05:00Z" }),
    )
    .await;
    assert!(steps.is_empty());
    assert_eq!(answer["ignored"], "already provisioned by the invite; access runs until 2025-03-03 17:00:00 UTC");
    let (_, steps) = dry_run(
        &base,
        &h.token,
        json!({ "event": visit_event("", "visitor.signed_out", "v1"), "at": "2025-03-03T15:00:00Z" }),
    )
    .await;
    assert_eq!(steps, ["15:00 revoke-credentials", "15:00 remove-groups", "15:00 deactivate"]);
}

#[tokio::test]
async fn employees_get_groups_until_the_access_duration_ends() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let (_, steps) =
        dry_run(&base, &h.token, json!({ "event": employee("", "employee.signed_in", "bob@example.com") })).await;
    assert_eq!(steps, ["08:00 add-groups", "18:00 remove-groups (revoke)"]);
    let (_, steps) =
        dry_run(&base, &h.token, json!({ "event": employee("", "employee.signed_out", "bob@example.com") })).await;
    assert_eq!(steps, ["08:00 remove-groups"]);
}

#[tokio::test]
async fn a_candidate_policy_can_be_tried_before_it_is_saved() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let candidate = "[visitors]\ninvite_only = true\n[visitors.types.Contractor]\n";
    let (answer, steps) =
        dry_run(&base, &h.token, json!({ "event": sign_in("", "w1", "Contractor", false), "policy": candidate })).await;
    assert!(steps.is_empty());
    assert_eq!(answer["policy_version"], Value::Null);
    assert_eq!(answer["ignored"], "the policy is invite-only and this visitor walked in without an invite");
    let response = reqwest::Client::new()
        .post(format!("{base}/v1/tenants/acme/installs/paris-pacs/policy/dry-run"))
        .bearer_auth(&h.token)
        .json(&json!({ "event": sign_in("", "w1", "Contractor", false), "policy": "[visitors]\nearly_acess = 1\n" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["details"][0]["path"], "line 2");
}
