//! Installs over a real socket: an install body that the runtime could not
//! use (grants of the wrong shape, a misspelt HTTP, SQL or limits field, a
//! config that is not an object, card pools that overlap or lack a format)
//! is refused with its reason when it is saved, not when a visitor arrives,
//! and nothing of it is stored.

mod common;

use common::api::{send, Call};
use common::Harness;
use serde_json::{json, Value};

fn create(body: Value) -> Call {
    Call { method: reqwest::Method::POST, path: "/v1/tenants/acme/installs".into(), body: Some(body) }
}

fn install(extra: Value) -> Value {
    let mut body = json!({ "id": "lyon-pacs", "location_id": "paris-hq", "plugin_id": "fake" });
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    body
}

#[tokio::test]
async fn an_install_the_runtime_could_not_use_is_refused_when_saved_and_nothing_is_stored() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let pool = |facility_code: u32, format: &str| json!({ "facility_code": facility_code, "format": format, "min": 1, "max": 9 });
    let refused = [
        (json!({ "grants": [null, null] }), "the grants must be a JSON object"),
        (json!({ "grants": { "http": { "allow_loopbak": true } } }), "unknown field `allow_loopbak`"),
        (json!({ "grants": { "htp": {} } }), "unknown field `htp`"),
        (
            json!({ "grants": { "sql": { "multimax": { "host": "sms.lyon", "port": 1433, "database": "multiMAX", "user": "gh",
            "pasword_secret": "sql-password" } } } }),
            "unknown field `pasword_secret`",
        ),
        (json!({ "grants": { "limits": { "max_concurency": 4 } } }), "unknown field `max_concurency`"),
        (json!({ "config": "base_url=https://pacs" }), "config must be a JSON object"),
        (json!({ "card_pools": [pool(100, "wiegand-standard-26"), pool(100, "wiegand-standard-26")] }), "given twice"),
        (json!({ "card_pools": [pool(100, " ")] }), "the card format is empty"),
    ];
    for (extra, reason) in refused {
        let (status, answer) = send(&base, Some(&h.token), &create(install(extra.clone()))).await;
        assert_eq!(status, 422, "{extra}: {answer}");
        assert!(answer["error"]["message"].as_str().unwrap().contains(reason), "{extra}: {answer}");
    }
    let installs = h.service.installs(&h.tenant).await.unwrap();
    assert!(installs.iter().all(|i| i.id.as_str() != "lyon-pacs"), "nothing was stored: {installs:?}");

    // Left out, each grant is the safe choice: no loopback, no private ranges, no extra CA.
    let safe = install(json!({ "grants": { "http": { "base_urls": ["https://pacs.lyon.example/api"] } } }));
    let (status, answer) = send(&base, Some(&h.token), &create(safe)).await;
    assert_eq!(status, 201, "{answer}");
}
