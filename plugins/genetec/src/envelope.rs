//! Reading Web SDK answers tolerantly.
//!
//! The `text/json` envelope is `{"Rsp":{"Status":…,"Result":…}}` (spec §4.2), but the
//! details vary between versions and are partly undocumented: a UTF-8 BOM may precede
//! the body (S11), `Result` is an object for one `entity=` segment and an array for
//! several, collections may be GUID strings, `{Guid}` objects or legacy
//! `{"item":[…]}` (S9), and key case differs between serialisers. This module accepts
//! all of them, so the rest of the connector reads one shape.

use chrono::{DateTime, NaiveDateTime};
use gatehouse_sdk::UtcMillis;
use serde_json::{Map, Value};

use crate::error::{FailCode, WebSdkError};
use crate::guid::Guid;

/// `Rsp.Status` values that carry a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    Ok,
    /// A report capped its rows (`TooManyResults`) or a task finished in part
    /// (`Partial`); the rows that came are still valid.
    Truncated,
}

/// A successful answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub completeness: Completeness,
    /// `Rsp.Result`; `None` for write-only requests.
    pub result: Option<Value>,
}

impl Envelope {
    /// The result as a list of objects: an array's objects, or a lone object as a
    /// list of one (one `entity=` segment), or nothing.
    pub fn objects(&self) -> Vec<Map<String, Value>> {
        match &self.result {
            Some(Value::Array(items)) => items.iter().filter_map(|i| i.as_object().cloned()).collect(),
            Some(Value::Object(object)) => match field(object, "item") {
                Some(Value::Array(items)) => items.iter().filter_map(|i| i.as_object().cloned()).collect(),
                _ => vec![object.clone()],
            },
            _ => Vec::new(),
        }
    }

    /// The first object of the result.
    pub fn object(&self) -> Option<Map<String, Value>> {
        self.objects().into_iter().next()
    }
}

/// Parses a 2xx body into an envelope, or the `Fail` it reports.
pub fn parse(body: &[u8]) -> Result<Envelope, WebSdkError> {
    let body = body.strip_prefix("\u{feff}".as_bytes()).unwrap_or(body);
    let document: Value = serde_json::from_slice(body).map_err(|e| {
        let start = String::from_utf8_lossy(&body[..body.len().min(120)]).into_owned();
        WebSdkError::Malformed(format!("Security Center's answer is not JSON ({e}); it starts with {start:?}"))
    })?;
    let rsp = document.as_object().and_then(|root| field(root, "Rsp")).and_then(Value::as_object).ok_or_else(|| {
        WebSdkError::Malformed(format!("Security Center's answer has no \"Rsp\" envelope: {document}"))
    })?;
    let status = field(rsp, "Status").and_then(Value::as_str).unwrap_or_default();
    let result = field(rsp, "Result").filter(|r| !r.is_null()).cloned();
    let completeness = match status.to_ascii_lowercase().as_str() {
        "ok" => Completeness::Ok,
        "toomanyresults" | "partial" => Completeness::Truncated,
        "fail" => return Err(fail(result.as_ref(), rsp)),
        other => return Err(WebSdkError::Malformed(format!("Security Center answered an unknown status {other:?}"))),
    };
    Ok(Envelope { completeness, result })
}

/// `Result: {SdkErrorCode, Message}`; the legacy shape puts `{Code, Message}` under
/// `error`.
fn fail(result: Option<&Value>, rsp: &Map<String, Value>) -> WebSdkError {
    let details = result.and_then(Value::as_object).or_else(|| field(rsp, "error").and_then(Value::as_object));
    let text = |names: &[&str]| {
        details
            .and_then(|d| names.iter().find_map(|n| field(d, n)))
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
            .unwrap_or_default()
    };
    WebSdkError::Fail { code: FailCode::parse(&text(&["SdkErrorCode", "Code"])), message: text(&["Message"]) }
}

/// A field by name, ignoring case (serialisers disagree on `Rsp`/`rsp`, `Guid`/`guid`).
pub fn field<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object.get(name).or_else(|| object.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
}

/// A text field; `None` when absent, null or not text.
pub fn text(object: &Map<String, Value>, name: &str) -> Option<String> {
    field(object, name).and_then(Value::as_str).map(str::to_string)
}

/// A GUID field; `None` when absent, unparsable or the nil GUID.
pub fn guid(object: &Map<String, Value>, name: &str) -> Option<Guid> {
    field(object, name).and_then(guid_of).filter(|g| !g.is_nil())
}

/// A collection of entity references in any of the shapes seen: `["g", …]`,
/// `[{"Guid":"g"}, …]` or `{"item":[…]}` (spec §6 OP4).
pub fn guids(value: Option<&Value>) -> Vec<Guid> {
    let items = match value {
        Some(Value::Array(items)) => items.as_slice(),
        Some(Value::Object(object)) => match field(object, "item") {
            Some(Value::Array(items)) => items.as_slice(),
            Some(single) => std::slice::from_ref(single),
            None => return guid_of(&Value::Object(object.clone())).into_iter().collect(),
        },
        _ => &[],
    };
    items.iter().filter_map(guid_of).filter(|g| !g.is_nil()).collect()
}

/// An instant as the Web SDK writes it: ISO 8601 with `Z` or an offset, or without a
/// zone.
///
/// ASSUMPTION: a zone-less date-time is UTC (spec §3.2 [I]).
pub fn parse_time(text: &str) -> Option<UtcMillis> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.timestamp_millis());
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").ok().map(|naive| naive.and_utc().timestamp_millis())
}

fn guid_of(value: &Value) -> Option<Guid> {
    match value {
        Value::String(text) => text.parse().ok(),
        Value::Object(object) => field(object, "Guid").and_then(guid_of),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const G1: &str = "c9000000-0000-4000-8000-000000000001";
    const G2: &str = "c9000000-0000-4000-8000-000000000002";

    fn envelope(body: &str) -> Envelope {
        parse(body.as_bytes()).unwrap()
    }

    #[test]
    fn a_leading_byte_order_mark_is_ignored() {
        let parsed = envelope(
            "\u{feff}{\"Rsp\":{\"Status\":\"Ok\",\"Result\":{\"Guid\":\"c9000000-0000-4000-8000-000000000001\"}}}",
        );
        assert_eq!(guid(&parsed.object().unwrap(), "Guid"), Some(G1.parse().unwrap()));
    }

    #[test]
    fn a_lone_object_and_an_array_both_read_as_a_list_of_objects() {
        let one = envelope(r#"{"Rsp":{"Status":"Ok","Result":{"Name":"a"}}}"#);
        let many = envelope(r#"{"Rsp":{"Status":"Ok","Result":[{"Name":"a"},{"Name":"b"}]}}"#);
        let legacy = envelope(r#"{"Rsp":{"Status":"Ok","Result":{"item":[{"Name":"a"},{"Name":"b"}]}}}"#);
        assert_eq!(one.objects().len(), 1);
        assert_eq!(many.objects().len(), 2);
        assert_eq!(legacy.objects().len(), 2);
    }

    #[test]
    fn a_write_only_answer_has_no_result() {
        assert_eq!(envelope(r#"{"Rsp":{"Status":"Ok"}}"#).result, None);
        assert!(envelope(r#"{"Rsp":{"Status":"Ok"}}"#).objects().is_empty());
    }

    #[test]
    fn key_case_does_not_matter() {
        let parsed = envelope(r#"{"rsp":{"status":"ok","result":{"guid":"c9000000-0000-4000-8000-000000000001"}}}"#);
        assert_eq!(guid(&parsed.object().unwrap(), "Guid"), Some(G1.parse().unwrap()));
    }

    #[test]
    fn collections_read_from_strings_guid_objects_and_item_lists() {
        let expected: Vec<Guid> = vec![G1.parse().unwrap(), G2.parse().unwrap()];
        assert_eq!(guids(Some(&json!([G1, G2]))), expected);
        assert_eq!(guids(Some(&json!([{"Guid": G1}, {"Guid": G2}]))), expected);
        assert_eq!(guids(Some(&json!({"item": [{"Guid": G1}, {"Guid": G2}]}))), expected);
        assert_eq!(guids(Some(&json!({"item": {"Guid": G1}}))), expected[..1].to_vec());
        assert_eq!(guids(None), Vec::<Guid>::new());
    }

    #[test]
    fn the_nil_guid_means_none() {
        let row = json!({"CardholderGuid": "00000000-0000-0000-0000-000000000000"});
        assert_eq!(guid(row.as_object().unwrap(), "CardholderGuid"), None);
    }

    #[test]
    fn capped_reports_are_truncated_but_keep_their_rows() {
        let parsed = envelope(
            r#"{"Rsp":{"Status":"TooManyResults","Result":[{"Guid":"c9000000-0000-4000-8000-000000000001"}]}}"#,
        );
        assert_eq!((parsed.completeness, parsed.objects().len()), (Completeness::Truncated, 1));
    }

    #[test]
    fn a_fail_envelope_carries_its_code_and_message() {
        let error = parse(br#"{"Rsp":{"Status":"Fail","Result":{"SdkErrorCode":"InvalidOperation","Message":"The property ActivationDate has no setter"}}}"#)
            .unwrap_err();
        assert_eq!(
            error,
            WebSdkError::Fail {
                code: FailCode::InvalidOperation,
                message: "The property ActivationDate has no setter".into()
            }
        );
    }

    #[test]
    fn a_legacy_fail_envelope_is_understood_too() {
        let error = parse(br#"{"rsp":{"status":"fail","error":{"Code":"UnableToRetrieveEntity","Message":"gone"}}}"#)
            .unwrap_err();
        assert!(error.is_fail(&FailCode::UnableToRetrieveEntity), "{error:?}");
    }

    #[test]
    fn times_read_with_a_zone_an_offset_or_none() {
        assert_eq!(parse_time("2025-06-15T15:06:40Z"), Some(1_750_000_000_000));
        assert_eq!(parse_time("2025-06-15T15:06:40.123Z"), Some(1_750_000_000_123));
        assert_eq!(parse_time("2025-06-15T17:06:40+02:00"), Some(1_750_000_000_000));
        assert_eq!(parse_time("2025-06-15T15:06:40"), Some(1_750_000_000_000));
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn html_or_a_missing_envelope_is_malformed() {
        assert!(matches!(parse(b"<html>proxy error</html>"), Err(WebSdkError::Malformed(_))));
        assert!(matches!(parse(br#"{"Status":"Ok"}"#), Err(WebSdkError::Malformed(_))));
    }
}
