//! Tenant isolation through the management API on a real socket: a tenant's
//! token is refused on every route of another tenant and on every admin
//! route, its lists never show another tenant's data, a read-only token
//! changes nothing, and no route but the open three works without a token.
//! Every route of `gatehouse::api::routes()` is walked; none is named here.

mod common;

use common::api::{changes_nothing_audited, sample, send, Ids, SECRET_VALUE};
use common::{post_event, Harness, POLICY};
use gatehouse::api::routes;
use gatehouse::domain::{CardPool, InstallId, LocationId, TenantId, TokenAccess, TokenScope, VisitId};
use gatehouse::service::{InstallSpec, PersonSelector};
use gatehouse::store::AuditFilter;
use serde_json::json;

struct TwoTenants {
    h: Harness,
    base: String,
    acme: Ids,
    globex: Ids,
    acme_read_only: String,
    globex_token: String,
}

const OPEN_ROUTES: [&str; 3] = ["/healthz", "/openapi.json", "/v1/installs/{install}/webhooks/envoy"];

/// Acme (the harness tenant) and Globex, each with a location, an install
/// with a policy and a secret, a job, an erasure request, and tokens.
async fn two_tenants() -> TwoTenants {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let s = &h.service;
    let globex = TenantId::new("globex");
    s.put_tenant("test", &globex, "Globex").await.unwrap();
    s.put_location("test", &globex, &LocationId::new("berlin"), "Berlin", "Europe/Berlin").await.unwrap();
    let spec = InstallSpec {
        id: InstallId::new("berlin-pacs"),
        location_id: LocationId::new("berlin"),
        plugin_id: "fake".into(),
        config: json!({}),
        grants: json!({}),
        enabled: true,
        card_pools: vec![CardPool { facility_code: 100, format: "wiegand-standard-26".into(), min: 7000, max: 7009 }],
        webhook_secret: None,
    };
    s.put_install("test", &globex, spec).await.unwrap();
    s.put_policy("test", &globex, &InstallId::new("berlin-pacs"), POLICY).await.unwrap();
    s.set_secret("test", &globex, &InstallId::new("berlin-pacs"), "api-key", SECRET_VALUE).await.unwrap();
    let token = |scope, access| async move { s.create_token("test", scope, access, "test").await.unwrap() };
    let globex_token = token(TokenScope::Tenant(globex.clone()), TokenAccess::ReadWrite).await.secret;
    let acme_read_only = token(TokenScope::Tenant(h.tenant.clone()), TokenAccess::ReadOnly).await.secret;
    let event = json!({ "event_id": "g1", "install_id": "berlin-pacs", "type": "visitor.signed_in",
        "visit": { "id": "globex-visit", "visitor_type": "Guest" }, "person": { "first_name": "Gisela", "last_name": "Globex" } });
    let globex_job = post_event(&base, &globex_token, event).await.events[0].job.clone().unwrap().job_id.to_string();
    let acme_event = common::sign_in("a1", "acme-visit", "Guest", false);
    let acme_job = post_event(&base, &h.token, acme_event).await.events[0].job.clone().unwrap().job_id.to_string();
    let erase = |tenant: TenantId, visit: &'static str| async move {
        s.erase_person("test", &tenant, &PersonSelector::VisitId(VisitId::new(visit))).await.unwrap().id.to_string()
    };
    let acme_erasure = erase(h.tenant.clone(), "acme-visit").await;
    let globex_erasure = erase(globex.clone(), "globex-visit").await;
    let admin_token = s.bootstrap_admin_token(TokenAccess::ReadWrite, "spare").await.unwrap().token.id;
    let acme = Ids {
        tenant: "acme".into(),
        location: "paris-hq".into(),
        install: "paris-pacs".into(),
        job: acme_job,
        visit: "acme-visit".into(),
        erasure: acme_erasure,
        tenant_token: token(TokenScope::Tenant(h.tenant.clone()), TokenAccess::ReadOnly).await.token.id,
        admin_token: admin_token.clone(),
    };
    let globex = Ids {
        tenant: "globex".into(),
        location: "berlin".into(),
        install: "berlin-pacs".into(),
        job: globex_job,
        visit: "globex-visit".into(),
        erasure: globex_erasure,
        tenant_token: token(TokenScope::Tenant(globex), TokenAccess::ReadOnly).await.token.id,
        admin_token,
    };
    TwoTenants { h, base, acme, globex, acme_read_only, globex_token }
}

async fn audit_count(t: &TwoTenants, tenant: &str) -> usize {
    let filter = AuditFilter { limit: 1000, ..Default::default() };
    t.h.service.audit_trail(&TenantId::new(tenant), &filter).await.unwrap().len()
}

#[tokio::test]
async fn a_tenant_token_is_refused_on_every_route_of_another_tenant_and_on_every_admin_route() {
    let t = two_tenants().await;
    let globex_audit = audit_count(&t, "globex").await;
    let system_audit = audit_count(&t, "_system").await;
    let globex_events = t.h.store.count_events(&TenantId::new("globex")).await.unwrap();
    let mut walked = 0;
    for route in routes() {
        let call = sample(&route.method, route.path, &t.globex);
        let (status, body) = send(&t.base, Some(&t.h.token), &call).await;
        match route.path {
            p if OPEN_ROUTES.contains(&p) => continue,
            "/v1/tenants" if route.method == "GET" => continue,
            // The intake finds the tenant from the install: another tenant's looks unknown.
            "/v1/events" => assert_eq!(status, 404, "{} {}: {body}", call.method, call.path),
            _ => assert_eq!(status, 403, "{} {}: {body}", call.method, call.path),
        }
        walked += 1;
    }
    assert!(walked >= 30, "only {walked} routes walked");
    assert_eq!(audit_count(&t, "globex").await, globex_audit, "globex's audit trail changed");
    assert_eq!(audit_count(&t, "_system").await, system_audit);
    assert_eq!(t.h.store.count_events(&TenantId::new("globex")).await.unwrap(), globex_events);
    assert_eq!(t.h.pacs.secret("berlin-pacs", "api-key").as_deref(), Some(SECRET_VALUE));
    let (install, _) = t.h.service.install(&TenantId::new("globex"), &InstallId::new("berlin-pacs")).await.unwrap();
    assert!(install.enabled);
}

#[tokio::test]
async fn every_list_and_read_of_a_tenant_shows_only_its_own_data() {
    let t = two_tenants().await;
    let (status, tenants) =
        send(&t.base, Some(&t.h.token), &sample(&"GET".parse().unwrap(), "/v1/tenants", &t.acme)).await;
    assert_eq!(status, 200);
    assert_eq!(tenants, json!([{ "id": "acme", "name": "Acme" }]));
    let (_, as_globex) =
        send(&t.base, Some(&t.globex_token), &sample(&"GET".parse().unwrap(), "/v1/tenants", &t.globex)).await;
    assert_eq!(as_globex, json!([{ "id": "globex", "name": "Globex" }]));
    let globex_marks = ["globex", "berlin", "Gisela", t.globex.job.as_str(), SECRET_VALUE];
    for route in routes().into_iter().filter(|r| r.method == "GET" && r.path.starts_with("/v1/tenants/{tenant}")) {
        let call = sample(&route.method, route.path, &t.acme);
        let (status, body) = send(&t.base, Some(&t.h.token), &call).await;
        assert_eq!(status, 200, "{} {}: {body}", call.method, call.path);
        let text = body.to_string();
        for mark in globex_marks {
            assert!(!text.contains(mark), "{} {} shows `{mark}`: {text}", call.method, call.path);
        }
    }
}

#[tokio::test]
async fn a_read_only_token_reads_everything_of_its_tenant_and_changes_nothing() {
    let t = two_tenants().await;
    let acme_audit = audit_count(&t, "acme").await;
    let acme_events = t.h.store.count_events(&t.h.tenant).await.unwrap();
    for route in routes().into_iter().filter(|r| !OPEN_ROUTES.contains(&r.path)) {
        let call = sample(&route.method, route.path, &t.acme);
        let (status, body) = send(&t.base, Some(&t.acme_read_only), &call).await;
        let admin_only = route.path.starts_with("/v1/tokens")
            || route.path.starts_with("/v1/plugins")
            || route.path == "/metrics"
            || (route.path == "/v1/tenants" && route.method == "POST");
        let expected =
            if admin_only || !changes_nothing_audited(&route.method, route.path) || route.path == "/v1/events" {
                403
            } else {
                200
            };
        assert_eq!(status, expected, "{} {}: {body}", call.method, call.path);
    }
    assert_eq!(audit_count(&t, "acme").await, acme_audit);
    assert_eq!(t.h.store.count_events(&t.h.tenant).await.unwrap(), acme_events);
}

#[tokio::test]
async fn no_route_but_health_the_document_and_the_signed_webhook_works_without_a_valid_token() {
    let t = two_tenants().await;
    let revoked =
        t.h.service.create_token("test", TokenScope::Admin, TokenAccess::ReadWrite, "soon revoked").await.unwrap();
    t.h.service.revoke_token("test", &TokenScope::Admin, &revoked.token.id).await.unwrap();
    for route in routes() {
        let call = sample(&route.method, route.path, &t.acme);
        for token in [None, Some("gh_not-a-token"), Some(revoked.secret.as_str())] {
            let (status, body) = send(&t.base, token, &call).await;
            if OPEN_ROUTES.contains(&route.path) {
                // The webhook wants its signature, never a token.
                assert_ne!(
                    body["error"]["code"], "unauthenticated",
                    "{} {} is open ({status}): {body}",
                    call.method, call.path
                );
            } else {
                assert_eq!(status, 401, "{} {} with {token:?}: {body}", call.method, call.path);
                assert_eq!(body["error"]["code"], "unauthenticated");
            }
        }
    }
}
