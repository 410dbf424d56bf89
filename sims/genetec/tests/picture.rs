//! The cardholder picture (spec §3.2): the multipart upload of Genetec's sample stores it,
//! `Picture` reads it back as base64, and an upload the role cannot use fails inside the
//! envelope and changes nothing.

mod common;

use base64::Engine;
use common::{start, Reply, Sdk};
use gatehouse_sim_genetec::RunningSim;
use uuid::Uuid;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01";
const BOUNDARY: &str = "----------8d2b1c";

fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// One part named `name` holding `content`, as the sample's `MultipartFormDataPost` writes it.
fn form(name: &str, content: &str) -> String {
    format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"face.png\"\r\n\
         Content-Type: image/png\r\n\r\n{content}\r\n--{BOUNDARY}--\r\n"
    )
}

async fn upload(sdk: &Sdk, q: &str, body: String) -> Reply {
    let response = sdk
        .http
        .post(format!("{}/entity", sdk.base))
        .query(&[("q", q)])
        .basic_auth(&sdk.username, Some(&sdk.password))
        .header("Accept", "text/json")
        .header("Content-Type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(body)
        .send()
        .await
        .unwrap();
    Reply { status: response.status(), headers: response.headers().clone(), text: response.text().await.unwrap() }
}

fn picture(sim: &RunningSim, visitor: Uuid) -> Option<String> {
    sim.state().visitors[&visitor].person.picture.clone()
}

#[tokio::test]
async fn the_samples_upload_stores_the_picture_and_picture_reads_it_back() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    let visitor = sdk.create("entity=NewEntity(Visitor),Name=Ada Lovelace,Guid").await;
    assert_eq!(sdk.read(&format!("entity={visitor},Picture")).await.ok()["Picture"], serde_json::Value::Null);

    upload(&sdk, &format!("entity={visitor},Picture=$myPicture"), form("$myPicture", &base64(PNG))).await.ok();

    let read = sdk.read(&format!("entity={visitor},Picture")).await.ok();
    assert_eq!(read["Picture"], base64(PNG));
    let stored = base64::engine::general_purpose::STANDARD.decode(picture(&sim, visitor).unwrap()).unwrap();
    assert_eq!(stored, PNG);
    sim.shutdown().await;
}

#[tokio::test]
async fn an_upload_the_role_cannot_use_fails_in_the_envelope_and_keeps_the_old_picture() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    let visitor = sdk.create("entity=NewEntity(Visitor),Name=Ada Lovelace,Guid").await;
    let q = format!("entity={visitor},Picture=$myPicture");
    upload(&sdk, &q, form("$myPicture", &base64(PNG))).await.ok();
    let gif = base64(b"GIF89a\x01\0\x01\0");
    let unclosed = form("$myPicture", &base64(PNG)).replace(&format!("--{BOUNDARY}--"), "");

    let cases = [
        (form("$otherPicture", &base64(PNG)), "InvalidOperation", "no form-data part named '$myPicture'"),
        (form("$myPicture", "not base64!"), "InvalidValue", "not base64"),
        (form("$myPicture", &gif), "InvalidValue", "not a PNG or JPEG image"),
        (unclosed, "InvalidOperation", "multipart body could not be read"),
    ];
    for (body, code, message) in cases {
        let (got_code, got_message) = upload(&sdk, &q, body).await.fail();
        assert_eq!(got_code, code, "{got_message}");
        assert!(got_message.contains(message), "{got_message}");
    }
    let (code, _) = sdk.write(&format!("entity={visitor},Picture=face")).await.fail();
    assert_eq!(code, "InvalidValue", "a picture is never inline in the q");
    assert_eq!(picture(&sim, visitor), Some(base64(PNG)), "nothing changed");
    sim.shutdown().await;
}
