//! Live events (spec §8): subscriptions per session, and the framing of the
//! never-ending stream.

pub mod stream;
pub mod subscriptions;

use bytes::Bytes;

use crate::envelope::SdkResponse;
use crate::model::AccessEvent;

/// The part boundary of Genetec's stream (EventsMonitor sample).
pub const BOUNDARY: &str = "--GENETECBOUNDARY";

/// ASSUMPTION: lines end with CRLF (clients read line by line either way) [I].
pub const LINE_END: &str = "\r\n";

/// One event part: boundary, part content type, one `text/json` line.
pub fn frame(event: &AccessEvent) -> Bytes {
    let body = SdkResponse::with_result(event.to_stream_result()).to_text_json();
    Bytes::from(format!("{BOUNDARY}{LINE_END}Content-type: text/json{LINE_END}{body}{LINE_END}"))
}
