//! `set-photo`: the multipart upload of Genetec's sample, on the visitor found by its marker,
//! sent once.

use base64::Engine;
use gatehouse_sdk::http::{Method, Request};
use gatehouse_sdk::testing::samples::{call, visitor};
use gatehouse_sdk::{Action, Connector, ErrorKind, PersonKind, PersonRef, PhotoUpdate};
use serde_json::json;

use super::{config, host, ok, ok_write, q, url, visitor_reads, VISITOR};
use crate::Genetec;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01";

fn update(who: PersonRef) -> Action {
    Action::SetPhoto(PhotoUpdate { who, content_type: "image/png".into(), data: PNG.to_vec() })
}

fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn uploads(host: &gatehouse_sdk::testing::FakeHost) -> Vec<Request> {
    host.http_requests().into_iter().filter(|r| r.method == Method::Post).collect()
}

#[test]
fn the_picture_goes_as_a_base64_form_part_named_in_the_q_to_the_visitor_found_by_its_marker() {
    let host = host();
    host.on_http(Method::Get, &url("/report/EntityConfiguration"), |r| {
        assert!(q(r).contains("Description=gatehouse:visit-7"), "{}", q(r));
        ok(json!([{"Guid": VISITOR}]))
    })
    .on_http(Method::Post, &url("/entity"), |_| ok_write());
    visitor_reads(&host, json!({"Picture": null}));

    let outcome = Genetec::run(config(json!({})), call(json!({})), update(visitor("visit-7"))).unwrap();

    assert_eq!((outcome.pacs_id.as_deref(), outcome.changed), (Some(VISITOR), true));
    let [upload] = &uploads(&host)[..] else { panic!("one upload: {:?}", uploads(&host)) };
    assert_eq!(q(upload), format!("entity={VISITOR},Picture=$myPicture"));
    let boundary = "----gatehouse-picture-boundary";
    let content_type = format!("multipart/form-data; boundary={boundary}");
    assert_eq!(upload.header_value("content-type"), Some(content_type.as_str()));
    assert_eq!(upload.header_value("content-length"), None, "the host sets the length of a real body");
    let body = String::from_utf8(upload.body.clone().unwrap()).unwrap();
    let expected = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"$myPicture\"; filename=\"{VISITOR}.png\"\r\n\
         Content-Type: image/png\r\n\r\n{}\r\n--{boundary}--\r\n",
        base64(PNG)
    );
    assert_eq!(body, expected);
    let detail: serde_json::Value = serde_json::from_str(&outcome.detail).unwrap();
    assert_eq!(detail, json!({"visitor": VISITOR, "picture_bytes": PNG.len()}), "no image bytes on the job trail");
}

#[test]
fn a_picture_already_in_place_is_not_sent_again() {
    let host = host();
    host.set_kv("visitor/visit-7", VISITOR);
    visitor_reads(&host, json!({"Picture": base64(PNG)}));

    let outcome = Genetec::run(config(json!({})), call(json!({})), update(visitor("visit-7"))).unwrap();

    assert_eq!((outcome.pacs_id.as_deref(), outcome.changed), (Some(VISITOR), false));
    assert!(uploads(&host).is_empty());
}

#[test]
fn an_employee_picture_or_a_visitor_without_a_record_is_never_written() {
    let host = host();
    let employee = PersonRef {
        kind: PersonKind::Employee,
        external_id: "grace@example.com".into(),
        pacs_id: None,
        email: Some("grace@example.com".into()),
    };

    let refused = Genetec::run(config(json!({})), call(json!({})), update(employee)).unwrap_err();
    let missing = Genetec::run(config(json!({})), call(json!({})), update(visitor("visit-7"))).unwrap_err();

    assert_eq!((refused.kind, missing.kind), (ErrorKind::Permanent, ErrorKind::Permanent));
    assert!(refused.message.contains("belongs to Security Center"), "{}", refused.message);
    assert!(missing.message.contains("upsert the person first"), "{}", missing.message);
    assert!(uploads(&host).is_empty());
}

#[test]
fn security_center_refusing_the_upload_is_an_error_that_says_what_was_done() {
    let host = host();
    host.set_kv("visitor/visit-7", VISITOR);
    visitor_reads(&host, json!({"Picture": null}));
    host.on_http(Method::Post, &url("/entity"), |_| super::fail("InvalidValue", "The picture could not be read"));

    let error = Genetec::run(config(json!({})), call(json!({})), update(visitor("visit-7"))).unwrap_err();

    assert_eq!(error.kind, ErrorKind::Permanent);
    assert!(error.message.contains("uploading the picture"), "{}", error.message);
    assert!(error.message.contains("could not be read"), "{}", error.message);
}
