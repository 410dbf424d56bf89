//! The audit trail through the API: every management change (every route
//! of the table that changes something) appends an entry naming the token,
//! with before and after, and no secret value, webhook key or token secret
//! appears in any entry or in any log line. The logs are captured from the
//! real tracing output of the whole process and grepped.

mod common;

use common::api::{changes_nothing_audited, sample, send, Call, Ids, SECRET_VALUE, WEBHOOK_SECRET_VALUE};
use common::{sign_in, Harness};
use gatehouse::api::routes;
use gatehouse::domain::{system_tenant, ActionKind, ErrorKind, JobStatus, TokenAccess, TokenScope, VisitId};
use gatehouse::service::PersonSelector;
use gatehouse::store::{AuditEntry, AuditFilter};
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

/// Every log line of this test process, as `gatehouse serve` writes them (JSON).
#[derive(Clone, Default)]
struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for CapturedLogs {
    type Writer = CapturedLogs;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

fn captured_logs() -> &'static CapturedLogs {
    static LOGS: OnceLock<CapturedLogs> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = CapturedLogs::default();
        tracing_subscriber::fmt().json().with_max_level(tracing::Level::TRACE).with_writer(logs.clone()).init();
        logs
    })
}

impl CapturedLogs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// The whole trail: every tenant's and the system's.
async fn whole_trail(h: &Harness) -> Vec<AuditEntry> {
    let filter = AuditFilter { limit: 1000, ..Default::default() };
    let mut tenants: Vec<_> = h.service.tenants(&TokenScope::Admin).await.unwrap().into_iter().map(|t| t.id).collect();
    tenants.push(system_tenant());
    let mut trail = Vec::new();
    for tenant in tenants {
        trail.extend(h.service.audit_trail(&tenant, &filter).await.unwrap());
    }
    trail
}

#[tokio::test]
async fn every_change_is_audited_under_its_token_and_no_secret_reaches_the_trail_or_the_logs() {
    let logs = captured_logs();
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let admin = h.service.bootstrap_admin_token(TokenAccess::ReadWrite, "operator").await.unwrap();
    let spare_admin = h.service.create_token("test", TokenScope::Admin, TokenAccess::ReadOnly, "spare").await.unwrap();
    let spare_tenant = h
        .service
        .create_token("test", TokenScope::Tenant(h.tenant.clone()), TokenAccess::ReadOnly, "spare")
        .await
        .unwrap();
    // A job that failed for good, to re-drive.
    h.pacs.fail_next(ActionKind::UpsertPerson, 1, ErrorKind::Permanent, "no such partition");
    let receipt = common::post_event(&base, &h.token, sign_in("e1", "v1", "Contractor", false)).await;
    let job = receipt.events[0].job.clone().unwrap().job_id;
    h.engine().tick().await.unwrap();
    assert!(matches!(h.service.job_view(&h.tenant, &job).await.unwrap().job.status, JobStatus::Failed(_)));
    // An earlier erasure request, for the routes that name one.
    common::post_event(&base, &h.token, sign_in("e2", "v2", "Guest", false)).await;
    let v2 = PersonSelector::VisitId(VisitId::new("v2"));
    let erasure = h.service.erase_person("test", &h.tenant, &v2).await.unwrap().id;
    let ids = Ids {
        tenant: "acme".into(),
        location: "paris-hq".into(),
        install: "paris-pacs".into(),
        job: job.to_string(),
        visit: "v1".into(),
        erasure: erasure.to_string(),
        tenant_token: spare_tenant.token.id.clone(),
        admin_token: spare_admin.token.id.clone(),
    };
    let mut token_secrets = vec![admin.secret.clone(), h.token.clone(), spare_admin.secret, spare_tenant.secret];
    let actor = format!("token:{}", admin.token.id);
    let (mut audited, mut walked) = (0, 0);
    // The plugin routes need the real runtime's catalog; tests/hot_swap.rs checks their audit entries.
    for route in routes()
        .into_iter()
        .filter(|r| !changes_nothing_audited(&r.method, r.path) && !r.path.starts_with("/v1/plugins"))
    {
        let call = sample(&route.method, route.path, &ids);
        let before = whole_trail(&h).await.len();
        let (status, body) = send(&base, Some(&admin.secret), &call).await;
        assert!((200..300).contains(&status), "{} {}: {status} {body}", call.method, call.path);
        if let Some(secret) = body["secret"].as_str() {
            token_secrets.push(secret.to_string());
        }
        let trail = whole_trail(&h).await;
        assert!(trail.len() > before, "{} {} left no audit entry", call.method, call.path);
        let by_us = trail.iter().filter(|e| e.actor == actor).count();
        assert!(by_us > audited, "{} {} was not audited under {actor}", call.method, call.path);
        audited = by_us;
        walked += 1;
    }
    assert!(walked >= 14, "only {walked} changing routes walked");

    // The secret reached the install's sealed store; the API shows only its name.
    let put = Call {
        method: reqwest::Method::PUT,
        path: "/v1/tenants/acme/installs/paris-pacs/secrets/api-key".into(),
        body: Some(serde_json::json!({ "value": SECRET_VALUE })),
    };
    assert_eq!(send(&base, Some(&admin.secret), &put).await.0, 204);
    assert_eq!(h.pacs.secret("paris-pacs", "api-key").as_deref(), Some(SECRET_VALUE));
    let list =
        Call { method: reqwest::Method::GET, path: "/v1/tenants/acme/installs/paris-pacs/secrets".into(), body: None };
    assert_eq!(send(&base, Some(&admin.secret), &list).await.1, serde_json::json!({ "names": ["api-key"] }));

    let trail = whole_trail(&h).await;
    let rotation = trail.iter().find(|e| e.action == "secret.rotate" || e.action == "secret.set").unwrap();
    assert_eq!(rotation.detail["value"], "[redacted]");
    let configured = trail
        .iter()
        .find(|e| e.action == "install.put" && e.actor == actor && e.subject == "install:paris-pacs")
        .unwrap();
    assert!(configured.detail["before"].is_object() && configured.detail["after"].is_object(), "{}", configured.detail);
    let trail_text = format!("{trail:?}");
    let log_text = logs.text();
    assert!(log_text.contains("\"request_id\""), "the captured logs carry no request ids");
    for secret in [SECRET_VALUE, WEBHOOK_SECRET_VALUE].iter().copied().chain(token_secrets.iter().map(String::as_str)) {
        assert!(!trail_text.contains(secret), "the audit trail contains a secret `{secret}`");
        assert!(!log_text.contains(secret), "the logs contain a secret `{secret}`");
    }
}

#[tokio::test]
async fn every_answer_carries_a_request_id_and_a_given_one_is_kept() {
    let logs = captured_logs();
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let client = reqwest::Client::new();
    let fresh = client.get(format!("{base}/v1/tenants/acme")).bearer_auth(&h.token).send().await.unwrap();
    let id = fresh.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let given =
        client.get(format!("{base}/healthz")).header("x-request-id", "req-from-caller-42").send().await.unwrap();
    assert_eq!(given.headers()["x-request-id"], "req-from-caller-42");
    let text = logs.text();
    assert!(text.contains(&id) && text.contains("req-from-caller-42"), "the request ids are not in the logs");
}
