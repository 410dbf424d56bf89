//! The OpenAPI document served at `/openapi.json`: it is OpenAPI 3.1, every
//! reference in it resolves, and it describes exactly the routes of
//! `gatehouse::api::routes()`, the table the router is built from.

mod common;

use common::Harness;
use serde_json::Value;
use std::collections::BTreeSet;

async fn document() -> Value {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let response = reqwest::get(format!("{base}/openapi.json")).await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn references(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                found.push(target.clone());
            }
            map.values().for_each(|v| references(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, found)),
        _ => {}
    }
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_every_reference_resolves() {
    let doc = document().await;
    let parsed: utoipa::openapi::OpenApi = serde_json::from_value(doc.clone()).expect("the document reads as OpenAPI");
    let version = serde_json::to_value(&parsed.openapi).unwrap();
    assert!(version.as_str().unwrap().starts_with("3.1."), "{version}");
    let mut found = Vec::new();
    references(&doc, &mut found);
    assert!(!found.is_empty());
    for target in found {
        let name = target
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("a reference outside the schemas: {target}"));
        assert!(doc["components"]["schemas"].get(name).is_some(), "`{target}` does not resolve");
    }
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
}

#[tokio::test]
async fn every_route_of_the_router_is_in_the_document_and_nothing_else() {
    let doc = document().await;
    let served: BTreeSet<(String, String)> =
        gatehouse::api::routes().iter().map(|r| (r.method.as_str().to_lowercase(), r.path.to_string())).collect();
    let mut described = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "put", "post", "delete", "patch"] {
            if item.get(method).is_some() {
                described.insert((method.to_string(), path.clone()));
            }
        }
    }
    let missing: Vec<_> = served.difference(&described).collect();
    let extra: Vec<_> = described.difference(&served).collect();
    assert!(missing.is_empty(), "served but not in /openapi.json: {missing:?}");
    assert!(extra.is_empty(), "in /openapi.json but not served: {extra:?}");
    // The open routes say so; the rest need the bearer token.
    for open in ["/healthz", "/openapi.json", "/v1/installs/{install}/webhooks/envoy"] {
        let operation = doc["paths"][open].as_object().unwrap().values().next().unwrap();
        assert_eq!(operation["security"], serde_json::json!([{}]), "{open}");
    }
    assert_eq!(doc["security"], serde_json::json!([{ "bearer": [] }]));
}
