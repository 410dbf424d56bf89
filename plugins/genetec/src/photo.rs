//! `set-photo`: the visitor's picture on their Security Center record, which guards
//! compare with the face at the door.
//!
//! - The Web SDK takes a picture only as a multipart upload: `POST
//!   entity?q=entity={guid},Picture=$myPicture` with a form-data part named `$myPicture`
//!   holding the image as base64 text (spec §3.2, Genetec's own sample [C S2]). The
//!   sample sends a PNG; a JPEG goes the same way with its own content type, since the
//!   picture is decoded as any image [C3 S9].
//! - The record is the visitor found by the visit's marker (`people::require`), never
//!   by name. An employee's cardholder picture is Security Center's own (often the
//!   badge photo) and is never replaced.
//! - Idempotent: `Picture` reads back as the base64 of the image [C3 S9]; when it already
//!   holds these bytes nothing is sent.

use base64::Engine;
use gatehouse_sdk::{ConnectorError, Outcome, PersonKind, PhotoUpdate};
use serde_json::json;

use crate::client::Form;
use crate::entities::Directory;
use crate::envelope;
use crate::outcome;
use crate::people;
use crate::query::{Query, Value};

/// The part name of Genetec's sample, the one form known to work on a real server.
const PART: &str = "myPicture";
/// Cannot occur in base64 text (no `-`), so it never needs choosing per upload.
const BOUNDARY: &str = "----gatehouse-picture-boundary";

/// The image types Security Center gets, with the file extension the upload names.
fn extension(content_type: &str) -> Option<&'static str> {
    match content_type {
        "image/png" => Some("png"),
        "image/jpeg" => Some("jpg"),
        _ => None,
    }
}

/// Puts the picture on the visitor's record, unless it is already there.
pub fn set(directory: &Directory, update: &PhotoUpdate) -> Result<Outcome, ConnectorError> {
    let who = &update.who;
    if who.kind == PersonKind::Employee {
        return Err(ConnectorError::permanent(
            "an employee's picture belongs to Security Center; set-photo is for visitors",
        ));
    }
    let extension = extension(&update.content_type).ok_or_else(|| {
        ConnectorError::permanent(format!(
            "Security Center gets pictures as image/png or image/jpeg, not {:?}",
            update.content_type
        ))
    })?;
    let record = people::require(directory, who)?;
    let encoded = base64::engine::general_purpose::STANDARD.encode(&update.data);
    let current = directory.read(&record.guid, &["Picture"])?.and_then(|object| envelope::text(&object, "Picture"));
    let detail = json!({ "visitor": record.guid, "picture_bytes": update.data.len() });
    if current.as_deref() == Some(encoded.as_str()) {
        return Ok(outcome(Some(record.guid), None, false, detail));
    }
    let query = Query::new().entity(&record.guid).set("Picture", Value::part(PART));
    let form = form(&format!("{}.{extension}", record.guid), &update.content_type, &encoded);
    directory.sdk.write_form(&query, &form).map_err(|e| ConnectorError::from(e).context("uploading the picture"))?;
    Ok(outcome(Some(record.guid), None, true, detail))
}

/// The form of Genetec's sample: one file part, its content the base64 text.
fn form(file_name: &str, content_type: &str, encoded: &str) -> Form {
    let body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"${PART}\"; filename=\"{file_name}\"\r\n\
         Content-Type: {content_type}\r\n\r\n{encoded}\r\n--{BOUNDARY}--\r\n"
    );
    Form { content_type: format!("multipart/form-data; boundary={BOUNDARY}"), body: body.into_bytes() }
}
