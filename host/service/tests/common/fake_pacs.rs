//! A connector gateway that behaves like a small PACS: it keeps people,
//! groups and credentials, honours idempotency keys, records every call, and
//! fails on demand. It is fault injection at the runtime boundary; the real
//! components are exercised by the end-to-end tests of `gatehouse-tests`.

use async_trait::async_trait;
use gatehouse::domain::{ActionKind, CardCredential, ErrorKind, Install};
use gatehouse::gateway::{
    ActionDescriptor, BadgeBatch, BadgeEvent, ConnectorAction, ConnectorCall, ConnectorError, ConnectorGateway,
    IssuedCredential, Manifest, SecretError, SetupCheck, SetupOption, StepOutcome,
};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Mutex;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct PacsPerson {
    pub active: bool,
    pub groups: BTreeSet<String>,
    pub cards: Vec<u64>,
    pub pins: usize,
    pub checked_out: bool,
    pub window: Option<(i64, i64)>,
    /// The picture `set-photo` put on the record.
    pub photo: Option<Vec<u8>>,
}

#[derive(Default)]
struct State {
    calls: Vec<ConnectorCall>,
    effects: HashMap<String, StepOutcome>,
    people: BTreeMap<String, PacsPerson>,
    faults: HashMap<ActionKind, VecDeque<ConnectorError>>,
    down: Option<ConnectorError>,
    badges: Vec<BadgeEvent>,
    /// Sealed in the real runtime; kept in clear here so tests can see a value arrived.
    secrets: BTreeMap<(String, String), String>,
}

#[derive(Default)]
pub struct FakePacs {
    state: Mutex<State>,
}

impl FakePacs {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    /// The next `times` calls of `kind` fail with `kind_of_error`.
    pub fn fail_next(&self, kind: ActionKind, times: usize, error: ErrorKind, message: &str) {
        let mut state = self.state();
        let queue = state.faults.entry(kind).or_default();
        for _ in 0..times {
            queue.push_back(ConnectorError::new(error, message));
        }
    }

    /// Every call fails transiently until [`FakePacs::recover`].
    pub fn go_down(&self) {
        self.state().down = Some(ConnectorError::new(ErrorKind::Transient, "connection refused"));
    }

    pub fn recover(&self) {
        self.state().down = None;
    }

    pub fn calls(&self) -> Vec<ConnectorCall> {
        self.state().calls.clone()
    }

    /// The actions called, in order, as `action:external-id`.
    pub fn call_log(&self) -> Vec<String> {
        self.state()
            .calls
            .iter()
            .map(|c| format!("{}:{}", c.action.kind().as_str(), c.action.who().external_id))
            .collect()
    }

    pub fn person(&self, external_id: &str) -> Option<PacsPerson> {
        self.state().people.get(external_id).cloned()
    }

    /// The secret an install holds, as its plugin would read it.
    pub fn secret(&self, install: &str, name: &str) -> Option<String> {
        self.state().secrets.get(&(install.to_string(), name.to_string())).cloned()
    }

    pub fn add_badge(&self, event: BadgeEvent) {
        self.state().badges.push(event);
    }

    fn apply(state: &mut State, call: &ConnectorCall) -> StepOutcome {
        let who = call.action.who().external_id.clone();
        let groups = |params: &serde_json::Value| -> Vec<String> {
            params["groups"].as_array().into_iter().flatten().filter_map(|g| g.as_str().map(String::from)).collect()
        };
        let person = state.people.entry(who.clone()).or_default();
        let mut credential = None;
        match &call.action {
            ConnectorAction::UpsertPerson { .. } => {}
            ConnectorAction::SetAccessWindow { window, .. } => {
                person.window = Some((window.starts_at().timestamp(), window.ends_at().timestamp()))
            }
            ConnectorAction::AddGroups { .. } => person.groups.extend(groups(&call.params)),
            ConnectorAction::RemoveGroups { .. } => groups(&call.params).iter().for_each(|g| {
                person.groups.remove(g);
            }),
            ConnectorAction::IssueCard { .. } => {
                let card = CardCredential {
                    card_number: call.params["card_number"].as_u64().unwrap(),
                    facility_code: call.params["facility_code"].as_u64().unwrap() as u32,
                    format: call.params["format"].as_str().unwrap_or_default().to_string(),
                };
                person.cards.push(card.card_number);
                credential = Some(IssuedCredential::Card(card));
            }
            ConnectorAction::IssuePin { .. } => {
                person.pins += 1;
                credential = Some(IssuedCredential::Pin("482915".into()));
            }
            ConnectorAction::RevokeCredentials { .. } => {
                person.cards.clear();
                person.pins = 0;
            }
            ConnectorAction::Activate { .. } => person.active = true,
            ConnectorAction::Deactivate { .. } => person.active = false,
            ConnectorAction::CheckOut { .. } => person.checked_out = true,
            ConnectorAction::ErasePerson { .. } => {
                state.people.remove(&who);
            }
            ConnectorAction::SetPhoto { photo, .. } => person.photo = Some(photo.data.clone()),
        }
        StepOutcome {
            pacs_id: Some(format!("pacs-{who}")),
            credential,
            changed: true,
            detail: json!({}),
            plugin_version: None,
        }
    }
}

fn schema(kind: ActionKind) -> serde_json::Value {
    match kind {
        ActionKind::AddGroups | ActionKind::RemoveGroups => json!({
            "type": "object", "required": ["groups"], "additionalProperties": false,
            "properties": { "groups": { "type": "array", "minItems": 1, "items": { "type": "string" } } }
        }),
        ActionKind::IssueCard => json!({
            "type": "object", "required": ["card_number", "facility_code"], "additionalProperties": false,
            "properties": { "card_number": { "type": "integer" }, "facility_code": { "type": "integer" }, "format": { "type": "string" } }
        }),
        ActionKind::IssuePin => json!({
            "type": "object", "additionalProperties": false,
            "properties": { "length": { "type": "integer", "minimum": 4, "maximum": 9 } }
        }),
        _ => json!({ "type": "object" }),
    }
}

#[async_trait]
impl ConnectorGateway for FakePacs {
    async fn manifest(&self, _install: &Install) -> Result<Manifest, ConnectorError> {
        Ok(Manifest {
            plugin_id: "fake".into(),
            version: "1.0.0".into(),
            actions: ActionKind::ALL
                .into_iter()
                .map(|kind| ActionDescriptor { kind, description: kind.as_str().into(), params_schema: schema(kind) })
                .collect(),
            emits_events: true,
        })
    }

    async fn run(&self, _install: &Install, call: &ConnectorCall) -> Result<StepOutcome, ConnectorError> {
        let mut state = self.state();
        state.calls.push(call.clone());
        if let Some(error) = state.down.clone() {
            return Err(error);
        }
        if let Some(error) = state.faults.get_mut(&call.action.kind()).and_then(VecDeque::pop_front) {
            return Err(error);
        }
        if let Some(done) = state.effects.get(call.idempotency_key.as_str()) {
            return Ok(StepOutcome { changed: false, ..done.clone() });
        }
        let outcome = Self::apply(&mut state, call);
        state.effects.insert(call.idempotency_key.to_string(), outcome.clone());
        Ok(outcome)
    }

    async fn poll_events(
        &self,
        _install: &Install,
        cursor: Option<&str>,
        max: u32,
    ) -> Result<BadgeBatch, ConnectorError> {
        let state = self.state();
        let from: usize = cursor.and_then(|c| c.parse().ok()).unwrap_or(0);
        let events: Vec<_> = state.badges.iter().skip(from).take(max as usize).cloned().collect();
        Ok(BadgeBatch { next_cursor: (from + events.len()).to_string(), events })
    }

    /// Checks that the install holds an `api-key` secret, as a real plugin checks its credentials.
    async fn validate(&self, install: &Install) -> Result<Vec<SetupCheck>, ConnectorError> {
        let has_key = self.secret(install.id.as_str(), "api-key").is_some();
        let detail = if has_key { "the PACS accepted the api-key" } else { "set the `api-key` secret" };
        Ok(vec![SetupCheck { name: "credentials".into(), ok: has_key, detail: detail.into() }])
    }

    async fn list_options(&self, _install: &Install, picker: &str) -> Result<Vec<SetupOption>, ConnectorError> {
        match picker {
            "groups" => Ok(["visitors-lobby", "contractors", "staff"]
                .into_iter()
                .map(|g| SetupOption { id: g.into(), label: g.replace('-', " "), detail: None })
                .collect()),
            other => Err(ConnectorError::new(ErrorKind::Permanent, format!("no picker `{other}`"))),
        }
    }

    async fn set_secret(&self, install: &Install, name: &str, value: &str) -> Result<(), SecretError> {
        if name.is_empty() || name.contains('/') {
            return Err(SecretError::InvalidName(name.into()));
        }
        self.state().secrets.insert((install.id.to_string(), name.to_string()), value.to_string());
        Ok(())
    }

    async fn delete_secret(&self, install: &Install, name: &str) -> Result<bool, SecretError> {
        Ok(self.state().secrets.remove(&(install.id.to_string(), name.to_string())).is_some())
    }

    async fn secret_names(&self, install: &Install) -> Result<Vec<String>, SecretError> {
        Ok(self.state().secrets.keys().filter(|(i, _)| i == install.id.as_str()).map(|(_, n)| n.clone()).collect())
    }
}
