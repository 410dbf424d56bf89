//! The one conversion between the contract's types (generated from the WIT by wasmtime's
//! `bindgen!`, `gatehouse_runtime::contract`) and the service's domain types. Nothing else in
//! the crate sees a contract type: a new action is its WIT case, one arm here, the planner's
//! knowledge of it and the plugins that implement it.
//!
//! Runtime failures that are not the connector's own typed error are classified here too:
//! deadlines and a full concurrency slot pass (transient), traps and limits do not (permanent),
//! a plugin without an active version is a configuration matter.

use super::plugins::{InstallKey, PluginError, PluginRouting, PluginVersionInfo};
use super::{
    ActionDescriptor, BadgeBatch, BadgeEvent, BadgeResult, ConnectorAction, ConnectorCall, ConnectorError,
    IssuedCredential, Manifest, SecretError, SetupCheck, SetupOption, StepOutcome,
};
use crate::domain::{
    from_millis, to_millis, AccessWindow, ActionKind, CardCredential, ErrorKind, Install, InstallId, PersonKind,
    PersonRef, TenantId,
};
use gatehouse_runtime::contract as wit;
use gatehouse_runtime::{CallError, Cause, InstallScope, LoadError, LoadedVersion, RegistryError, Routing};
use std::time::Duration;

pub(super) fn from_call_error(error: CallError) -> ConnectorError {
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

pub(super) fn secret_error(error: gatehouse_runtime::SecretError) -> SecretError {
    match error {
        gatehouse_runtime::SecretError::InvalidName(name) => SecretError::InvalidName(name),
        other => SecretError::Unavailable(other.to_string()),
    }
}

pub(super) fn scope(install: &Install) -> InstallScope {
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
        wit::ActionKind::SetPhoto => ActionKind::SetPhoto,
    }
}

pub(super) fn person_ref(who: &PersonRef) -> wit::PersonRef {
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

pub(super) fn windowed(who: &PersonRef, window: &AccessWindow) -> wit::Windowed {
    wit::Windowed {
        who: person_ref(who),
        window: wit::AccessWindow { starts_at: to_millis(window.starts_at()), ends_at: to_millis(window.ends_at()) },
    }
}

pub(super) fn action_to_wit(action: &ConnectorAction) -> wit::Action {
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
        ConnectorAction::SetPhoto { who, photo } => wit::Action::SetPhoto(wit::PhotoUpdate {
            who: person_ref(who),
            content_type: photo.content_type.as_str().to_string(),
            data: photo.data.clone(),
        }),
    }
}

pub(super) fn info(loaded: &LoadedVersion) -> PluginVersionInfo {
    PluginVersionInfo {
        plugin_id: loaded.plugin_id.clone(),
        version: loaded.version.clone(),
        content_hash: loaded.content_hash.clone(),
        display_name: loaded.manifest.display_name.clone(),
        vendor: loaded.manifest.vendor.clone(),
        actions: loaded.manifest.actions.iter().map(|a| kind_from_wit(a.kind)).collect(),
    }
}

pub(super) fn from_load_error(error: LoadError) -> PluginError {
    match error {
        LoadError::Compile(message) => PluginError::NotAComponent(message),
        LoadError::UnsupportedImport(import) => PluginError::UnsupportedImport(import),
        LoadError::WorldMismatch(message) => PluginError::WrongWorld(message),
        LoadError::Manifest(error) => PluginError::InvalidManifest(format!("describe.manifest failed: {error}")),
        LoadError::InvalidManifest(message) => PluginError::InvalidManifest(message),
        LoadError::SelfTest { plugin_id, version, message } => {
            PluginError::SelfTestFailed { plugin_id, version, message }
        }
        LoadError::VersionConflict { plugin_id, version } => PluginError::VersionConflict { plugin_id, version },
        LoadError::Cache(error) => PluginError::Unavailable(format!("artifact cache: {error}")),
    }
}

pub(super) fn from_registry_error(error: RegistryError) -> PluginError {
    match error {
        RegistryError::UnknownPlugin(plugin_id) => PluginError::UnknownPlugin(plugin_id),
        RegistryError::UnknownVersion { plugin_id, version } => PluginError::UnknownVersion { plugin_id, version },
        RegistryError::NoPreviousVersion(plugin_id) => PluginError::NoPreviousVersion(plugin_id),
    }
}

pub(super) fn key_scope((tenant, install): &InstallKey) -> InstallScope {
    InstallScope::new(tenant.as_str(), install.as_str())
}

pub(super) fn to_runtime(routing: &PluginRouting) -> Routing {
    Routing {
        active: routing.active.clone(),
        previous: routing.previous.clone(),
        canaries: routing.canaries.iter().map(|(key, version)| (key_scope(key), version.clone())).collect(),
    }
}

pub(super) fn from_runtime(routing: Routing) -> PluginRouting {
    let canaries = routing
        .canaries
        .into_iter()
        .map(|(scope, version)| ((TenantId::new(scope.tenant_id), InstallId::new(scope.install_id)), version))
        .collect();
    PluginRouting { active: routing.active, previous: routing.previous, canaries }
}

/// The component's manifest; a params schema that is not JSON is the plugin's configuration fault.
pub(super) fn manifest_from_wit(manifest: wit::Manifest) -> Result<Manifest, ConnectorError> {
    let plugin = manifest.plugin_id.clone();
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

/// What a step did, as the engine records it; `detail` is JSON when the plugin wrote JSON.
pub(super) fn outcome_from_wit(outcome: wit::Outcome, plugin_version: semver::Version) -> StepOutcome {
    StepOutcome {
        plugin_version: Some(plugin_version),
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
    }
}

pub(super) fn badges_from_wit(batch: wit::Batch) -> BadgeBatch {
    BadgeBatch {
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
    }
}

pub(super) fn check_from_wit(check: wit::Check) -> SetupCheck {
    SetupCheck { name: check.name, ok: check.ok, detail: check.detail }
}

pub(super) fn option_from_wit(option: wit::OptionItem) -> SetupOption {
    SetupOption { id: option.id, label: option.label, detail: option.detail }
}

pub(super) fn context(install: &Install, call: &ConnectorCall) -> wit::CallContext {
    wit::CallContext {
        config: install.config.to_string(),
        params: call.params.to_string(),
        idempotency_key: call.idempotency_key.to_string(),
    }
}
