//! The checker itself: each rule fires on a file that breaks it, and only there.

use super::*;

fn file(path: &str, text: &str) -> SourceFile {
    SourceFile::parse(path, text).unwrap()
}

fn broken(files: &[SourceFile]) -> Vec<&'static str> {
    check(files).into_iter().map(|v| v.rule).collect()
}

#[test]
fn the_runtime_named_outside_the_gateway_breaks_its_rule() {
    let outside = file("service/plugins.rs", "use gatehouse_runtime::Runtime;");
    assert_eq!(broken(&[outside]), ["only gateway/ names gatehouse_runtime"]);
    assert!(broken(&[file("gateway/runtime.rs", "use gatehouse_runtime::Runtime;")]).is_empty());
}

#[test]
fn http_crates_outside_the_api_break_their_rule_even_in_a_derive() {
    let derive = file("domain/tenant.rs", "#[derive(Clone, utoipa::ToSchema)] pub struct Tenant;");
    let handler = file("intake/mod.rs", "async fn post(body: axum::body::Bytes) {}");
    let violations = check(&[derive, handler]);
    assert_eq!(violations.len(), 2, "{violations:?}");
    assert!(violations.iter().all(|v| v.rule == "only api/ names axum or utoipa"));
    assert_eq!(
        violations[0].to_string(),
        "rule \"only api/ names axum or utoipa\" is broken: src/domain/tenant.rs names utoipa"
    );
    assert!(broken(&[file("api/events.rs", "use axum::Router; use utoipa::ToSchema;")]).is_empty());
}

#[test]
fn comments_and_doc_comments_are_not_code() {
    let text = "//! Wraps `gatehouse_runtime` for axum; not Genetec.\n/// utoipa\n// Symmetry\nfn f() {}";
    assert!(broken(&[file("domain/mod.rs", text)]).is_empty());
}

#[test]
fn the_domain_importing_an_outer_layer_breaks_its_rule_also_in_a_group() {
    let grouped = file("domain/job.rs", "use crate::{policy::Policy, gateway::{ConnectorAction}};");
    let violations = check(&[grouped]);
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0].rule, "domain/ imports no store, gateway or api");
    assert_eq!(violations[0].what, "imports crate::gateway");
    assert!(broken(&[file("domain/job.rs", "use crate::policy::Policy; use super::ids::JobId;")]).is_empty());
}

#[test]
fn a_vendor_in_an_identifier_or_a_string_breaks_its_rule() {
    assert_eq!(broken(&[file("jobs/badges.rs", "fn genetec_door() {}")]), ["the gatehouse crate names no vendor"]);
    assert_eq!(broken(&[file("api/mod.rs", r#"const P: &str = "AMAG";"#)]), ["the gatehouse crate names no vendor"]);
}

#[test]
fn the_store_reached_from_outside_the_service_and_the_engine_breaks_its_rule() {
    let api = file("api/jobs.rs", "use crate::store::JobRecord;");
    assert_eq!(broken(&[api]), ["store/ is reached only from service/, jobs/ and boot.rs"]);
    let allowed = ["service/ingest.rs", "jobs/execute.rs", "boot.rs", "store/jobs.rs"];
    for path in allowed {
        assert!(broken(&[file(path, "use crate::store::Store;")]).is_empty(), "{path}");
    }
}

#[test]
fn cycles_between_top_level_modules_are_found_through_any_length() {
    let files = [
        file("api/mod.rs", "use crate::intake::read_body;"),
        file("intake/error.rs", "use crate::api::ApiError;"),
        file("service/mod.rs", "use crate::metrics::render;"),
        file("metrics.rs", "use crate::jobs::Breakers;"),
        file("jobs/mod.rs", "use crate::service::Service; use crate::domain::Job;"),
        file("domain/job.rs", "use super::ids::JobId;"),
    ];
    let cycles = module_cycles(&files);
    assert_eq!(cycles, [vec!["api", "intake"], vec!["jobs", "metrics", "service"]]);
    assert!(module_cycles(&files[2..]).len() == 1 && module_cycles(&files[5..]).is_empty());
}
