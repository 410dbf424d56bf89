//! The `q=` mini-language, built from typed parts instead of formatted strings.
//!
//! A `q` is a flat, comma-separated list of tokens (spec §3.2), so a visitor called
//! "Smith, Jr." or a company "Acme (UK)" would silently break the query, or worse
//! change what it does, if values were pasted in. Every value therefore goes through
//! [`Value`], whose constructors escape what needs escaping, and the whole query is
//! percent-encoded once, when it is put into the URL.
//!
//! Escaping rules:
//! - `\` before a character makes it literal (the guide's "literal name" prefix); a
//!   comma in a value is `\,` [C S2].
//! - In values we escape only what changes the structure: `\ , = ( ) { } #`. `@`, `-`
//!   and `.` stay as they are, because emails, dates and dashed GUIDs are sent raw by
//!   every client seen against a real server (`EmailAddress=MyEmail@Email.com` is
//!   Genetec's own sample) [C S2, C3 S10].
//! - Property names (custom field names come from the operator) escape every special
//!   character, `@ - . *` included, since there they would start an operation.
//! - The query is percent-encoded except for unreserved characters and the language's
//!   own `, = @ ( ) * :`, which keeps it readable in logs; the server URL-decodes `q`
//!   before parsing it [I, strong], so `+` (phone numbers) must travel as `%2B`.

use chrono::{DateTime, SecondsFormat};
use gatehouse_sdk::UtcMillis;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::guid::Guid;

/// Characters escaped with `\` inside values.
const VALUE_SPECIALS: &[char] = &['\\', ',', '=', '(', ')', '{', '}', '#'];
/// Characters escaped with `\` inside property names.
const NAME_SPECIALS: &[char] = &['\\', ',', '=', '(', ')', '{', '}', '#', '@', '-', '.', '*'];

/// Left raw in the URL: unreserved characters and the language's structure.
const URL_ENCODED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b',')
    .remove(b'=')
    .remove(b'@')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b':');

fn escape(text: &str, specials: &[char]) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if specials.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One value, already in its wire form. Only the constructors below make one, so an
/// unescaped value cannot reach a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value(String);

impl Value {
    /// Free text (names, emails, descriptions), escaped.
    pub fn text(text: &str) -> Value {
        Value(escape(text, VALUE_SPECIALS))
    }

    /// A GUID, dashed: the form proven against real servers (spec §3.2).
    pub fn guid(guid: &Guid) -> Value {
        Value(guid.to_string())
    }

    /// An instant as ISO 8601 UTC with `Z`, to the second.
    pub fn time(at: UtcMillis) -> Value {
        let at = DateTime::from_timestamp_millis(at.div_euclid(1000) * 1000).unwrap_or_default();
        Value(at.to_rfc3339_opts(SecondsFormat::Secs, true))
    }

    pub fn number(number: u64) -> Value {
        Value(number.to_string())
    }

    /// A word of the language itself: an entity type, an enum member, a search mode.
    /// Only compile-time constants qualify, so operator text can never get here.
    pub fn word(word: &'static str) -> Value {
        debug_assert!(word.chars().all(|c| c.is_ascii_alphanumeric()), "{word:?} is not a plain word");
        Value(word.to_string())
    }

    /// `$name`: the form-data part of that name, sent with the request (the picture
    /// upload, spec §3.2). Only compile-time constants qualify, like [`Value::word`].
    pub fn part(name: &'static str) -> Value {
        debug_assert!(name.chars().all(|c| c.is_ascii_alphanumeric()), "{name:?} is not a plain part name");
        Value(format!("${name}"))
    }

    /// A constructor expression such as `WiegandStandardCredentialFormat(101,12345)`.
    pub fn call(name: &'static str, args: &[Value]) -> Value {
        Value(format!("{name}({})", join(args)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn join(values: &[Value]) -> String {
    values.iter().map(Value::as_str).collect::<Vec<_>>().join(",")
}

/// A property name or dotted path (`Status.Activate`): static names pass through;
/// operator-chosen names (custom fields) are escaped.
fn name(name: &str) -> String {
    escape(name, NAME_SPECIALS)
}

/// A `q` under construction: tokens in order, each one complete.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    tokens: Vec<String>,
}

impl Query {
    pub fn new() -> Self {
        Query::default()
    }

    /// `entity={guid}`: later tokens apply to this entity.
    pub fn entity(self, guid: &Guid) -> Self {
        self.token(format!("entity={guid}"))
    }

    /// `entity=NewEntity(Type)`: creates an entity; later tokens apply to it.
    pub fn new_entity(self, entity_type: &'static str) -> Self {
        self.token(format!("entity=NewEntity({})", Value::word(entity_type).as_str()))
    }

    /// `Prop`: read the property back in the result.
    pub fn project(self, property: &str) -> Self {
        self.token(name(property))
    }

    /// `Prop=value`.
    pub fn set(self, property: &str, value: Value) -> Self {
        self.token(format!("{}={}", name(property), value.as_str()))
    }

    /// `Coll@a@b`: add to a collection (or filter a report by these items).
    pub fn add(self, collection: &str, items: &[Value]) -> Self {
        let items: Vec<&str> = items.iter().map(Value::as_str).collect();
        self.token(format!("{}@{}", name(collection), items.join("@")))
    }

    /// `Coll-item`: remove from a collection.
    pub fn remove(self, collection: &str, item: Value) -> Self {
        self.token(format!("{}-{}", name(collection), item.as_str()))
    }

    /// `Method(args)`, or `Prop.Method(args)` with `receiver`.
    pub fn call(self, receiver: Option<&str>, method: &str, args: &[Value]) -> Self {
        let target = match receiver {
            Some(receiver) => format!("{}.{}", name(receiver), name(method)),
            None => name(method),
        };
        self.token(format!("{target}({})", join(args)))
    }

    fn token(mut self, token: String) -> Self {
        self.tokens.push(token);
        self
    }

    /// The query as the server parses it (after URL decoding).
    pub fn text(&self) -> String {
        self.tokens.join(",")
    }

    /// The query ready to follow `?q=`.
    pub fn encoded(&self) -> String {
        utf8_percent_encode(&self.text(), URL_ENCODED).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guid(text: &str) -> Guid {
        text.parse().unwrap()
    }

    #[test]
    fn a_comma_in_a_value_is_escaped_so_it_cannot_start_a_new_token() {
        let q = Query::new().set("LastName", Value::text("Smith, Jr."));
        assert_eq!(q.text(), r"LastName=Smith\, Jr.");
    }

    #[test]
    fn brackets_equals_backslash_and_hash_in_values_are_escaped() {
        let q = Query::new().set("Name", Value::text(r"Acme (UK) {a=b} #1 C:\x"));
        assert_eq!(q.text(), r"Name=Acme \(UK\) \{a\=b\} \#1 C:\\x");
    }

    #[test]
    fn emails_dates_and_dashed_guids_travel_unescaped() {
        let q = Query::new()
            .entity(&guid("C9000000000040008000000000000001"))
            .set("EmailAddress", Value::text("ana-maria.o'neil@acme.example"))
            .set("Arrival", Value::time(1_750_000_000_000));
        assert_eq!(
            q.text(),
            "entity=c9000000-0000-4000-8000-000000000001,EmailAddress=ana-maria.o'neil@acme.example,Arrival=2025-06-15T15:06:40Z"
        );
    }

    #[test]
    fn instants_are_written_in_utc_to_the_second() {
        assert_eq!(Value::time(1_750_000_000_999).as_str(), "2025-06-15T15:06:40Z");
        assert_eq!(Value::time(0).as_str(), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn operator_chosen_property_names_escape_every_special_character() {
        let q = Query::new().set("Badge-No. @HQ", Value::text("7"));
        assert_eq!(q.text(), r"Badge\-No\. \@HQ=7");
    }

    #[test]
    fn collections_methods_and_constructors_render_in_the_documented_shapes() {
        let group = guid("c9000000-0000-4000-8000-000000000002");
        let q = Query::new()
            .new_entity("Credential")
            .set("Format", Value::call("WiegandStandardCredentialFormat", &[Value::number(101), Value::number(12345)]))
            .add("Groups", &[Value::guid(&group)])
            .remove("Groups", Value::guid(&group))
            .call(Some("Status"), "Activate", &[Value::time(0), Value::time(60_000)])
            .call(None, "Checkout", &[])
            .project("Guid");
        assert_eq!(
            q.text(),
            "entity=NewEntity(Credential),Format=WiegandStandardCredentialFormat(101,12345),\
             Groups@c9000000-0000-4000-8000-000000000002,Groups-c9000000-0000-4000-8000-000000000002,\
             Status.Activate(1970-01-01T00:00:00Z,1970-01-01T00:01:00Z),Checkout(),Guid"
        );
    }

    #[test]
    fn the_url_form_encodes_plus_space_ampersand_and_backslash_but_keeps_the_structure() {
        let q = Query::new().set("MobilePhoneNumber", Value::text("+1 555 & co, x"));
        assert_eq!(q.encoded(), "MobilePhoneNumber=%2B1%20555%20%26%20co%5C,%20x");
    }

    #[test]
    fn non_ascii_names_are_percent_encoded_as_utf8() {
        let q = Query::new().set("FirstName", Value::text("Zoë"));
        assert_eq!(q.encoded(), "FirstName=Zo%C3%AB");
    }
}
