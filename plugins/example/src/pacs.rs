//! The Example PACS REST API, as far as this connector uses it.
//!
//! | Call | Meaning |
//! |---|---|
//! | `GET  /health` | 200 when the API is up and the token is good |
//! | `GET  /groups` | `[{"id", "name"}]` |
//! | `GET  /people?external_id=X` | `[{"id", ...}]`, the people carrying our external id |
//! | `POST /people` | creates a person, answers `{"id"}` |
//! | `PUT  /people/{id}` | updates a person |
//! | `DELETE /people/{id}` | erases a person with their cards |
//! | `PUT / DELETE /people/{id}/groups/{group}` | adds / removes a membership |
//! | `POST /people/{id}/cards` | issues a card; 409 when the number is taken |
//! | `DELETE /people/{id}/cards` | revokes every card |
//!
//! Every request carries the install's API token; creating calls carry the action's idempotency
//! key, so a PACS that supports it never acts twice on a retry.

use gatehouse_sdk::http::{Method, Request, Response};
use gatehouse_sdk::{secrets, ConnectorError};
use serde::{Deserialize, Serialize};

use crate::config::{Config, API_TOKEN_SECRET};

/// A person as the PACS stores it.
#[derive(Debug, Serialize)]
pub struct PersonRecord<'a> {
    pub external_id: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct CardRecord<'a> {
    pub number: u64,
    pub facility_code: u32,
    pub format: &'a str,
    pub valid_from_ms: i64,
    pub valid_until_ms: i64,
}

#[derive(Debug, Deserialize)]
pub struct Created {
    pub id: String,
}

#[derive(Debug, Deserialize)]
pub struct Group {
    pub id: String,
    pub name: String,
}

/// What a card request came to.
pub enum CardOutcome {
    Issued,
    /// The PACS already has that number on someone else's card.
    NumberTaken,
}

/// A client for one install: its configuration and, per call, its token.
pub struct Pacs<'a> {
    config: &'a Config,
}

impl<'a> Pacs<'a> {
    pub fn new(config: &'a Config) -> Self {
        Pacs { config }
    }

    /// Sends a request with the API token and returns the response, whatever its status.
    fn send(&self, request: Request) -> Result<Response, ConnectorError> {
        // Revealed here, used at once, never kept.
        let token = secrets::get(API_TOKEN_SECRET)?.reveal();
        Ok(request.bearer(&token).timeout_ms(10_000).send()?)
    }

    /// Sends a request that must succeed; failure statuses become the matching error kinds.
    fn call(&self, request: Request) -> Result<Response, ConnectorError> {
        self.send(request)?.error_for_status()
    }

    /// Sends a removal. A 404 means "already gone", which is success for an idempotent
    /// action; returns whether the PACS actually removed something.
    fn remove(&self, request: Request) -> Result<bool, ConnectorError> {
        let response = self.send(request)?;
        if response.status == 404 {
            return Ok(false);
        }
        response.error_for_status().map(|_| true)
    }

    fn request(&self, method: Method, path: &str) -> Request {
        Request::new(method, self.config.url(path)).header("Accept", "application/json")
    }

    pub fn health(&self) -> Result<(), ConnectorError> {
        self.call(self.request(Method::Get, "/health")).map(drop)
    }

    pub fn groups(&self) -> Result<Vec<Group>, ConnectorError> {
        self.call(self.request(Method::Get, "/groups"))?.parse_json()
    }

    /// The PACS id of the person carrying `external_id`, if the PACS has one.
    pub fn find_person(&self, external_id: &str) -> Result<Option<String>, ConnectorError> {
        let path = format!("/people?external_id={}", encode(external_id));
        let found: Vec<Created> = self.call(self.request(Method::Get, &path))?.parse_json()?;
        Ok(found.into_iter().next().map(|p| p.id))
    }

    pub fn create_person(&self, person: &PersonRecord, idempotency_key: &str) -> Result<String, ConnectorError> {
        let request = self.request(Method::Post, "/people").header("Idempotency-Key", idempotency_key).json(person);
        Ok(self.call(request)?.parse_json::<Created>()?.id)
    }

    pub fn update_person(&self, id: &str, person: &PersonRecord) -> Result<(), ConnectorError> {
        self.call(self.request(Method::Put, &format!("/people/{}", encode(id))).json(person)).map(drop)
    }

    /// Erases the person; `false` when the PACS did not have them (already erased).
    pub fn delete_person(&self, id: &str) -> Result<bool, ConnectorError> {
        self.remove(self.request(Method::Delete, &format!("/people/{}", encode(id))))
    }

    /// Adds the membership; PUT is idempotent in this API.
    pub fn add_to_group(&self, id: &str, group: &str) -> Result<(), ConnectorError> {
        self.call(self.request(Method::Put, &format!("/people/{}/groups/{}", encode(id), encode(group)))).map(drop)
    }

    /// Removes the membership; `false` when there was none.
    pub fn remove_from_group(&self, id: &str, group: &str) -> Result<bool, ConnectorError> {
        self.remove(self.request(Method::Delete, &format!("/people/{}/groups/{}", encode(id), encode(group))))
    }

    pub fn issue_card(
        &self,
        id: &str,
        card: &CardRecord,
        idempotency_key: &str,
    ) -> Result<CardOutcome, ConnectorError> {
        let request = self
            .request(Method::Post, &format!("/people/{}/cards", encode(id)))
            .header("Idempotency-Key", idempotency_key)
            .json(card);
        let response = self.send(request)?;
        if response.status == 409 {
            return Ok(CardOutcome::NumberTaken);
        }
        response.error_for_status().map(|_| CardOutcome::Issued)
    }

    /// Revokes every card; `false` when there was none.
    pub fn revoke_cards(&self, id: &str) -> Result<bool, ConnectorError> {
        self.remove(self.request(Method::Delete, &format!("/people/{}/cards", encode(id))))
    }
}

/// Percent-encodes a path segment or query value.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}
