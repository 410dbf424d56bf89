//! `/metrics` over a real socket: events received, jobs by status, action
//! latency per plugin/version, queue depth and an open circuit breaker.

mod common;

use common::{post_event, sign_in, Harness};

async fn scrape(base: &str, admin: &str) -> String {
    let response = reqwest::Client::new().get(format!("{base}/metrics")).bearer_auth(admin).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    response.text().await.unwrap()
}

fn has(text: &str, line: &str) -> bool {
    text.lines().any(|l| l == line)
}

#[tokio::test]
async fn metrics_report_events_jobs_latency_queue_depth_and_breakers() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let admin =
        h.service.bootstrap_admin_token(gatehouse::domain::TokenAccess::ReadOnly, "scraper").await.unwrap().secret;
    let denied = reqwest::Client::new().get(format!("{base}/metrics")).bearer_auth(&h.token).send().await.unwrap();
    assert_eq!(denied.status(), 403, "a tenant token cannot scrape every tenant's figures");
    let engine = h.engine();

    post_event(&base, &h.token, sign_in("e1", "walk-1", "Contractor", false)).await;
    let text = scrape(&base, &admin).await;
    assert!(has(&text, r#"gatehouse_events_received_total{source="gatehouse"} 1"#), "{text}");
    assert!(has(&text, r#"gatehouse_jobs{status="queued"} 1"#), "{text}");
    assert!(has(&text, "gatehouse_queue_depth 5"), "five steps of the walk-in's job are due: {text}");

    engine.tick().await.unwrap();
    let text = scrape(&base, &admin).await;
    assert!(has(&text, r#"gatehouse_jobs{status="done"} 1"#), "{text}");
    assert!(has(&text, "gatehouse_queue_depth 0"), "{text}");
    let count = r#"gatehouse_action_latency_seconds_count{plugin="fake",version="unknown",action="upsert-person",outcome="ok"} 1"#;
    assert!(has(&text, count), "{text}");
    assert!(has(&text, r#"gatehouse_circuit_breaker_state{install="paris-pacs"} 0"#), "{text}");

    // Three transient failures in a row open the breaker (the harness's threshold).
    h.pacs.go_down();
    for (n, visit) in ["walk-2", "walk-3", "walk-4"].into_iter().enumerate() {
        post_event(&base, &h.token, sign_in(&format!("e{}", n + 2), visit, "Contractor", false)).await;
    }
    engine.tick().await.unwrap();
    let text = scrape(&base, &admin).await;
    assert!(has(&text, r#"gatehouse_circuit_breaker_state{install="paris-pacs"} 2"#), "{text}");
    assert!(text.contains(r#"outcome="transient"} 3"#), "{text}");
}
