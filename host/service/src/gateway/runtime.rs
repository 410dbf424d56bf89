//! The production gateway: connector calls through `gatehouse-runtime`.
//!
//! A field-by-field conversion between the engine's types and the WIT
//! contract's, plus the install's grant. Runtime failures that are not the
//! connector's own typed error are classified here: deadlines and a full
//! concurrency slot pass (transient), traps and limits do not (permanent), a
//! plugin without an active version is a configuration matter.

use super::{
    ActionDescriptor, BadgeBatch, BadgeEvent, BadgeResult, ConnectorAction, ConnectorCall, ConnectorError,
    ConnectorGateway, IssuedCredential, Manifest, SecretError, SetupCheck, SetupOption, StepOutcome,
};
use crate::domain::{
    from_millis, to_millis, AccessWindow, ActionKind, CardCredential, ErrorKind, Install, PersonKind, PersonRef,
};
use async_trait::async_trait;
use gatehouse_runtime::contract as wit;
use gatehouse_runtime::{CallError, Cause, InstallGrant, InstallScope, Runtime};
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;

/// Runs connector exports in the sandboxed component host, and (as a
/// [`super::PluginCatalog`]) manages the versions loaded there.
#[derive(Clone)]
pub struct RuntimeGateway {
    pub(super) runtime: Runtime,
    /// Where uploaded components are kept; without it uploads are refused.
    pub(super) component_dir: Option<PathBuf>,
}

impl RuntimeGateway {
    pub fn new(runtime: Runtime) -> Self {
        Self { runtime, component_dir: None }
    }

    /// Keeps uploaded components under `dir`, as `<plugin>/<version>.wasm`.
    pub fn with_component_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.component_dir = Some(dir.into());
        self
    }

    /// Checks an install's `grants` JSON before it is stored; the message says what is wrong.
    pub fn check_grants(grants: &serde_json::Value) -> Result<(), String> {
        if !grants.is_object() {
            return Err("the grants must be a JSON object: {\"http\": {...}, \"sql\": {...}, \"limits\": {...}}".into());
        }
        serde_json::from_value::<Grants>(grants.clone()).map(drop).map_err(|e| format!("the grants are invalid: {e}"))
    }
}

/// The install's `grants` JSON: `{"http": {...}, "sql": {...}, "limits": {...}}`,
/// in the runtime's own shapes; anything left out grants nothing.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Grants {
    #[serde(default)]
    http: gatehouse_runtime::HttpGrant,
    #[serde(default)]
    sql: std::collections::BTreeMap<String, gatehouse_runtime::SqlDsn>,
    #[serde(default)]
    limits: gatehouse_runtime::CallLimits,
}

fn grant(install: &Install) -> Result<InstallGrant, ConnectorError> {
    let grants: Grants = serde_json::from_value(install.grants.clone())
        .map_err(|e| ConnectorError::new(ErrorKind::Config, format!("the install's grants are invalid: {e}")))?;
    let mut grant = InstallGrant::new(scope(install), &install.plugin_id);
    (grant.http, grant.sql, grant.limits) = (grants.http, grants.sql, grants.limits);
    Ok(grant)
}

fn from_call_error(error: CallError) -> ConnectorError {
    let message = error.to_string();
    match error.cause {
        Cause::Connector(e) => ConnectorError {
            kind: match e.kind {
                wit::ErrorKind::Transient => ErrorKind::Transient,
                wit::ErrorKind::Permanent => ErrorKind::Permanent,
                wit::ErrorKind::Config => ErrorKind::Config,
                wit::ErrorKind::Auth => ErrorKind::Auth,
                wit::ErrorKind::Conflict => ErrorKind::Conflict,
            },
            message: e.message,
            retry_after: e.retry_after_ms.map(|ms| Duration::from_millis(u64::from(ms))),
        },
        Cause::WallClockTimeout | Cause::ConcurrencyLimit { .. } | Cause::Host(_) => {
            ConnectorError::new(ErrorKind::Transient, message)
        }
        Cause::NoActiveVersion => ConnectorError::new(ErrorKind::Config, message),
        Cause::CpuDeadline
        | Cause::MemoryLimit { .. }
        | Cause::StackOverflow
        | Cause::Trap(_)
        | Cause::PayloadTooLarge { .. } => ConnectorError::new(ErrorKind::Permanent, message),
    }
}

fn secret_error(error: gatehouse_runtime::SecretError) -> SecretError {
    match error {
        gatehouse_runtime::SecretError::InvalidName(name) => SecretError::InvalidName(name),
        other => SecretError::Unavailable(other.to_string()),
    }
}

fn scope(install: &Install) -> InstallScope {
    InstallScope::new(install.tenant_id.as_str(), install.id.as_str())
}

pub(super) fn kind_from_wit(kind: wit::ActionKind) -> ActionKind {
    match kind {
        wit::ActionKind::UpsertPerson => ActionKind::UpsertPerson,
        wit::ActionKind::SetAccessWindow => ActionKind::SetAccessWindow,
        wit::ActionKind::AddGroups => ActionKind::AddGroups,
        wit::ActionKind::RemoveGroups => ActionKind::RemoveGroups,
        wit::ActionKind::IssueCard => ActionKind::IssueCard,
        wit::ActionKind::IssuePin => ActionKind::IssuePin,
        wit::ActionKind::RevokeCredentials => ActionKind::RevokeCredentials,
        wit::ActionKind::Activate => ActionKind::Activate,
        wit::ActionKind::Deactivate => ActionKind::Deactivate,
        wit::ActionKind::CheckOut => ActionKind::CheckOut,
        wit::ActionKind::ErasePerson => ActionKind::ErasePerson,
    }
}

fn person_ref(who: &PersonRef) -> wit::PersonRef {
    wit::PersonRef {
        kind: match who.kind {
            PersonKind::Visitor => wit::PersonKind::Visitor,
            PersonKind::Employee => wit::PersonKind::Employee,
        },
        external_id: who.external_id.clone(),
        pacs_id: who.pacs_id.clone(),
        email: who.email.clone(),
    }
}

fn windowed(who: &PersonRef, window: &AccessWindow) -> wit::Windowed {
    wit::Windowed {
        who: person_ref(who),
        window: wit::AccessWindow { starts_at: to_millis(window.starts_at()), ends_at: to_millis(window.ends_at()) },
    }
}

fn to_wit(action: &ConnectorAction) -> wit::Action {
    match action {
        ConnectorAction::UpsertPerson { who, details, include_contact } => wit::Action::UpsertPerson(wit::Person {
            identity: person_ref(who),
            first_name: details.first_name.clone(),
            last_name: details.last_name.clone(),
            phone: details.phone.clone(),
            company: details.company.clone(),
            host_name: details.host_name.clone(),
            include_contact: *include_contact,
        }),
        ConnectorAction::SetAccessWindow { who, window } => wit::Action::SetAccessWindow(windowed(who, window)),
        ConnectorAction::IssueCard { who, window } => wit::Action::IssueCard(windowed(who, window)),
        ConnectorAction::IssuePin { who, window } => wit::Action::IssuePin(windowed(who, window)),
        ConnectorAction::AddGroups { who } => wit::Action::AddGroups(person_ref(who)),
        ConnectorAction::RemoveGroups { who } => wit::Action::RemoveGroups(person_ref(who)),
        ConnectorAction::RevokeCredentials { who } => wit::Action::RevokeCredentials(person_ref(who)),
        ConnectorAction::Activate { who } => wit::Action::Activate(person_ref(who)),
        ConnectorAction::Deactivate { who } => wit::Action::Deactivate(person_ref(who)),
        ConnectorAction::CheckOut { who } => wit::Action::CheckOut(person_ref(who)),
        ConnectorAction::ErasePerson { who } => wit::Action::ErasePerson(person_ref(who)),
    }
}

#[async_trait]
impl ConnectorGateway for RuntimeGateway {
    async fn manifest(&self, install: &Install) -> Result<Manifest, ConnectorError> {
        let plugin = &install.plugin_id;
        let no_version = || ConnectorError::new(ErrorKind::Config, format!("plugin `{plugin}` has no active version"));
        let version = self.runtime.active_version(plugin).ok_or_else(no_version)?;
        let manifest = self.runtime.manifest(plugin, &version).ok_or_else(no_version)?;
        let actions = manifest
            .actions
            .into_iter()
            .map(|a| {
                let params_schema = serde_json::from_str(&a.params_schema).map_err(|e| {
                    ConnectorError::new(
                        ErrorKind::Config,
                        format!("plugin `{plugin}` publishes a params schema that is not JSON: {e}"),
                    )
                })?;
                Ok(ActionDescriptor { kind: kind_from_wit(a.kind), description: a.description, params_schema })
            })
            .collect::<Result<_, ConnectorError>>()?;
        Ok(Manifest {
            plugin_id: manifest.plugin_id,
            version: manifest.version,
            actions,
            emits_events: manifest.emits_events,
        })
    }

    fn active_version(&self, install: &Install) -> Option<String> {
        self.runtime.active_version(&install.plugin_id).map(|v| v.to_string())
    }

    async fn run(&self, install: &Install, call: &ConnectorCall) -> Result<StepOutcome, ConnectorError> {
        let context = wit::CallContext {
            config: install.config.to_string(),
            params: call.params.to_string(),
            idempotency_key: call.idempotency_key.to_string(),
        };
        let ran = self
            .runtime
            .run_action_versioned(&grant(install)?, &context, &to_wit(&call.action))
            .await
            .map_err(from_call_error)?;
        let outcome = ran.value;
        Ok(StepOutcome {
            plugin_version: Some(ran.version),
            pacs_id: outcome.pacs_id,
            credential: outcome.credential.map(|c| match c {
                wit::Credential::Card(card) => IssuedCredential::Card(CardCredential {
                    card_number: card.card_number,
                    facility_code: card.facility_code,
                    format: card.format,
                }),
                wit::Credential::Pin(pin) => IssuedCredential::Pin(pin),
            }),
            changed: outcome.changed,
            detail: serde_json::from_str(&outcome.detail).unwrap_or(serde_json::Value::String(outcome.detail)),
        })
    }

    async fn poll_events(
        &self,
        install: &Install,
        cursor: Option<&str>,
        max: u32,
    ) -> Result<BadgeBatch, ConnectorError> {
        let config = install.config.to_string();
        let batch = self.runtime.poll_events(&grant(install)?, &config, cursor, max).await.map_err(from_call_error)?;
        Ok(BadgeBatch {
            events: batch
                .events
                .into_iter()
                .map(|e| BadgeEvent {
                    event_id: e.event_id,
                    occurred_at: from_millis(e.occurred_at),
                    result: match e.result {
                        wit::BadgeResult::Granted => BadgeResult::Granted,
                        wit::BadgeResult::Denied => BadgeResult::Denied,
                    },
                    pacs_person_id: e.pacs_person_id,
                    email: e.email,
                    door: e.door,
                })
                .collect(),
            next_cursor: batch.next_cursor,
        })
    }

    async fn validate(&self, install: &Install) -> Result<Vec<SetupCheck>, ConnectorError> {
        let checks =
            self.runtime.validate(&grant(install)?, &install.config.to_string()).await.map_err(from_call_error)?;
        Ok(checks.into_iter().map(|c| SetupCheck { name: c.name, ok: c.ok, detail: c.detail }).collect())
    }

    async fn list_options(&self, install: &Install, picker: &str) -> Result<Vec<SetupOption>, ConnectorError> {
        let items = self
            .runtime
            .list_options(&grant(install)?, &install.config.to_string(), picker)
            .await
            .map_err(from_call_error)?;
        Ok(items.into_iter().map(|o| SetupOption { id: o.id, label: o.label, detail: o.detail }).collect())
    }

    async fn set_secret(&self, install: &Install, name: &str, value: &str) -> Result<(), SecretError> {
        self.runtime.secrets().set(&scope(install), name, value).await.map_err(secret_error)
    }

    async fn delete_secret(&self, install: &Install, name: &str) -> Result<bool, SecretError> {
        self.runtime.secrets().delete(&scope(install), name).await.map_err(secret_error)
    }

    async fn secret_names(&self, install: &Install) -> Result<Vec<String>, SecretError> {
        self.runtime.secrets().names(&scope(install)).await.map_err(secret_error)
    }
}
