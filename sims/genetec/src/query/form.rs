//! The multipart/form-data body a `q` can refer to by `$name` (the picture upload,
//! `Picture=$myPicture`, spec §3.2 [C S2]).
//!
//! Only what Genetec's sample sends is read: `--boundary` delimited parts, each with a
//! `Content-Disposition: form-data; name="…"` header (a `filename` and `Content-Type`
//! may follow), a blank line, then the content. Anything else is a malformed body.

use super::QueryError;

/// One part of the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormPart {
    /// As sent, `$` included: `$myPicture`.
    pub name: String,
    pub content: Vec<u8>,
}

/// The parts of a request body; empty when the request had none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    parts: Vec<FormPart>,
}

impl Form {
    /// Parses the body of a request whose `Content-Type` is `content_type`; a request
    /// that is not multipart has an empty form.
    ///
    /// ASSUMPTION: a multipart body the role cannot read fails inside the envelope, like
    /// a `q` it cannot read [I].
    pub fn parse(content_type: Option<&str>, body: &[u8]) -> Result<Form, QueryError> {
        let Some(content_type) = content_type.filter(|t| t.trim().to_ascii_lowercase().starts_with("multipart/"))
        else {
            return Ok(Form::default());
        };
        let boundary = content_type
            .split(';')
            .filter_map(|p| p.trim().split_once('='))
            .find(|(key, _)| key.trim().eq_ignore_ascii_case("boundary"))
            .map(|(_, value)| value.trim().trim_matches('"').to_string())
            .filter(|b| !b.is_empty())
            .ok_or_else(|| malformed("the Content-Type names no boundary"))?;
        let delimiter = format!("--{boundary}").into_bytes();
        let mut sections = split(body, &delimiter).into_iter();
        sections.next(); // the preamble before the first delimiter
        let mut parts = Vec::new();
        for section in sections {
            if section.starts_with(b"--") {
                return Ok(Form { parts });
            }
            parts.push(part(section)?);
        }
        Err(malformed("the body has no closing boundary"))
    }

    pub fn part(&self, name: &str) -> Option<&FormPart> {
        self.parts.iter().find(|p| p.name == name)
    }
}

fn malformed(why: &str) -> QueryError {
    QueryError::new(format!("The multipart body could not be read: {why}"))
}

/// The pieces of `body` between occurrences of `delimiter`.
fn split<'b>(body: &'b [u8], delimiter: &[u8]) -> Vec<&'b [u8]> {
    let mut pieces = Vec::new();
    let mut rest = body;
    while let Some(at) = rest.windows(delimiter.len()).position(|w| w == delimiter) {
        pieces.push(&rest[..at]);
        rest = &rest[at + delimiter.len()..];
    }
    pieces.push(rest);
    pieces
}

/// One section after its delimiter: `\r\n` headers `\r\n\r\n` content `\r\n`.
fn part(section: &[u8]) -> Result<FormPart, QueryError> {
    let section =
        section.strip_prefix(b"\r\n").ok_or_else(|| malformed("a boundary is not followed by a line break"))?;
    let split_at = section
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| malformed("a part has no blank line after its headers"))?;
    let headers = std::str::from_utf8(&section[..split_at]).map_err(|_| malformed("part headers are not text"))?;
    let content = &section[split_at + 4..];
    let content = content.strip_suffix(b"\r\n").unwrap_or(content);
    let disposition = headers
        .split("\r\n")
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("Content-Disposition"))
        .map(|(_, value)| value.trim())
        .ok_or_else(|| malformed("a part has no Content-Disposition"))?;
    let name = disposition
        .split(';')
        .filter_map(|p| p.trim().split_once('='))
        .find(|(key, _)| key.trim().eq_ignore_ascii_case("name"))
        .map(|(_, value)| value.trim().trim_matches('"').to_string())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| malformed("a part has no name"))?;
    Ok(FormPart { name, content: content.to_vec() })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPE: &str = "multipart/form-data; boundary=----b1";

    #[test]
    fn the_part_of_genetecs_sample_is_found_by_its_name() {
        let body = "------b1\r\nContent-Disposition: form-data; name=\"$myPicture\"; filename=\"a.png\"\r\n\
                    Content-Type: image/png\r\n\r\niVBORw0KGgo=\r\n------b1--\r\n";
        let form = Form::parse(Some(TYPE), body.as_bytes()).unwrap();
        assert_eq!(form.part("$myPicture").unwrap().content, b"iVBORw0KGgo=");
        assert!(form.part("$other").is_none());
    }

    #[test]
    fn a_request_that_is_not_multipart_has_no_parts() {
        assert_eq!(Form::parse(None, b""), Ok(Form::default()));
        assert_eq!(Form::parse(Some("text/plain"), b"x"), Ok(Form::default()));
    }

    #[test]
    fn a_broken_body_is_refused_saying_why() {
        let unclosed = "------b1\r\nContent-Disposition: form-data; name=\"$p\"\r\n\r\nabc";
        let nameless = "------b1\r\nContent-Disposition: form-data\r\n\r\nabc\r\n------b1--";
        for (content_type, body, why) in [
            ("multipart/form-data", "", "no boundary"),
            (TYPE, unclosed, "no closing boundary"),
            (TYPE, nameless, "no name"),
        ] {
            let error = Form::parse(Some(content_type), body.as_bytes()).unwrap_err();
            assert!(error.message.contains(why), "{}", error.message);
        }
    }
}
