//! XML serialisations: `text/xml` and the legacy `<rsp status="…">` default.
//!
//! ASSUMPTION: array items are written as repeated `<Item>` elements in `text/xml`,
//! and as `<QueryResult><Row><Cell>…` in legacy XML (the report shape S9/S10 read);
//! other results are written as nested elements named by their keys [I].

use serde_json::Value;

use super::SdkResponse;

pub fn text_xml(status: &str, result: Option<&Value>) -> String {
    let mut out = format!("<WebSdk><Rsp><Status>{status}</Status>");
    if let Some(result) = result {
        out.push_str("<Result>");
        write_value(&mut out, result);
        out.push_str("</Result>");
    }
    out.push_str("</Rsp></WebSdk>");
    out
}

pub fn legacy_xml(response: &SdkResponse) -> String {
    if response.is_fail() {
        let result = response.result.clone().unwrap_or_default();
        return format!(
            "<rsp status=\"fail\"><error><code>{}</code><message>{}</message></error></rsp>",
            escape(result["SdkErrorCode"].as_str().unwrap_or_default()),
            escape(result["Message"].as_str().unwrap_or_default())
        );
    }
    let mut out = String::from("<rsp status=\"ok\">");
    match &response.result {
        Some(Value::Array(rows)) => {
            out.push_str("<QueryResult>");
            for row in rows {
                out.push_str("<Row>");
                let cells: Vec<&Value> = match row {
                    Value::Object(fields) => fields.values().collect(),
                    other => vec![other],
                };
                for cell in cells {
                    out.push_str("<Cell>");
                    write_value(&mut out, cell);
                    out.push_str("</Cell>");
                }
                out.push_str("</Row>");
            }
            out.push_str("</QueryResult>");
        }
        Some(result) => write_value(&mut out, result),
        None => {}
    }
    out.push_str("</rsp>");
    out
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => {}
        Value::Object(fields) => {
            for (key, field) in fields {
                out.push_str(&format!("<{key}>"));
                write_value(out, field);
                out.push_str(&format!("</{key}>"));
            }
        }
        Value::Array(items) => {
            for item in items {
                out.push_str("<Item>");
                write_value(out, item);
                out.push_str("</Item>");
            }
        }
        Value::String(text) => out.push_str(&escape(text)),
        other => out.push_str(&other.to_string()),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
