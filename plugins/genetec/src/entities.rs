//! The Security Center directory as the connector sees it: typed entity kinds, paged
//! searches, batched property reads, deletes and custom field lookups. The actions
//! (visitors, employees, credentials) are written in these terms, not in URLs.

use serde_json::{Map, Value as Json};

use crate::client::WebSdk;
use crate::config::Settings;
use crate::envelope;
use crate::error::{FailCode, WebSdkError};
use crate::guid::{Guid, SYSTEM_CONFIGURATION};
use crate::query::{Query, Value};

/// Rows per page of a configuration report.
const PAGE_SIZE: u64 = 200;
/// A safety stop: 200 pages of 200 rows is more than any picker can show.
const MAX_PAGES: u64 = 200;
/// GUIDs read per request; a public client batches 10 (spec §6 OP2, S7).
const READ_BATCH: usize = 10;

/// Entity types the connector works with, by their Web SDK names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityType {
    Cardholder,
    Visitor,
    Credential,
    CardholderGroup,
    Partition,
    Door,
    Area,
}

impl EntityType {
    pub fn name(self) -> &'static str {
        match self {
            EntityType::Cardholder => "Cardholder",
            EntityType::Visitor => "Visitor",
            EntityType::Credential => "Credential",
            EntityType::CardholderGroup => "CardholderGroup",
            EntityType::Partition => "Partition",
            EntityType::Door => "Door",
            EntityType::Area => "Area",
        }
    }
}

/// The directory of one install, for one call.
pub struct Directory<'a> {
    pub sdk: WebSdk<'a>,
    pub settings: &'a Settings,
}

impl<'a> Directory<'a> {
    pub fn new(settings: &'a Settings) -> Self {
        Directory { sdk: WebSdk::new(&settings.connection), settings }
    }

    /// Runs a configuration report (`EntityConfiguration`, `CardholderConfiguration`,
    /// `CredentialConfiguration`) through every page and returns the GUIDs it found.
    ///
    /// Paging's rule: a page holds one extra row when another page exists (spec §6
    /// OP2 [C S12]); that row is dropped here and read again as the next page's first.
    pub fn search(&self, report: &str, filters: Query) -> Result<Vec<Guid>, WebSdkError> {
        let mut found = Vec::new();
        for page in 1..=MAX_PAGES {
            let query = filters.clone().set("Page", Value::number(page)).set("PageSize", Value::number(PAGE_SIZE));
            let rows = self.sdk.report(report, &query)?.objects();
            let more = rows.len() as u64 > PAGE_SIZE;
            found.extend(rows.iter().take(PAGE_SIZE as usize).filter_map(|row| envelope::guid(row, "Guid")));
            if !more {
                return Ok(found);
            }
        }
        gatehouse_sdk::log::warn!("{} returned more than {} pages; the rest is ignored", report, MAX_PAGES);
        Ok(found)
    }

    /// Every entity of one type (pickers).
    pub fn all_of(&self, entity_type: EntityType) -> Result<Vec<Guid>, WebSdkError> {
        let filters = Query::new().add("EntityTypes", &[Value::word(entity_type.name())]);
        self.search("EntityConfiguration", filters)
    }

    /// Reads `properties` of one entity; `None` when it no longer exists (deleted, or
    /// a visitor archived by check-out).
    pub fn read(&self, guid: &Guid, properties: &[&str]) -> Result<Option<Map<String, Json>>, WebSdkError> {
        let query = properties.iter().fold(Query::new().entity(guid), |q, p| q.project(p));
        match self.sdk.read(&query) {
            Ok(envelope) => Ok(Some(envelope.object().unwrap_or_default())),
            Err(error) if error.is_fail(&FailCode::UnableToRetrieveEntity) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Reads `properties` of many entities, [`READ_BATCH`] per request (several
    /// `entity=` segments answer with an array in request order, spec §4.2). Entities
    /// that no longer exist are left out.
    pub fn read_many(&self, guids: &[Guid], properties: &[&str]) -> Result<Vec<Map<String, Json>>, WebSdkError> {
        let mut objects = Vec::new();
        for batch in guids.chunks(READ_BATCH) {
            let query =
                batch.iter().fold(Query::new(), |q, guid| properties.iter().fold(q.entity(guid), |q, p| q.project(p)));
            match self.sdk.read(&query) {
                Ok(envelope) => objects.extend(envelope.objects()),
                // One unknown GUID fails the whole batch: read them one by one.
                Err(error) if batch.len() > 1 && error.is_fail(&FailCode::UnableToRetrieveEntity) => {
                    for guid in batch {
                        objects.extend(self.read(guid, properties)?);
                    }
                }
                Err(error) if error.is_fail(&FailCode::UnableToRetrieveEntity) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(objects)
    }

    /// The type of an entity; `None` when it does not exist.
    pub fn entity_type(&self, guid: &Guid) -> Result<Option<String>, WebSdkError> {
        Ok(self.read(guid, &["Guid", "EntityType"])?.map(|o| envelope::text(&o, "EntityType").unwrap_or_default()))
    }

    /// Deletes an entity; `false` when it was already gone.
    pub fn delete(&self, guid: &Guid) -> Result<bool, WebSdkError> {
        match self.sdk.delete(guid) {
            Ok(_) => Ok(true),
            Err(error) if error.is_fail(&FailCode::UnableToRetrieveEntity) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// The GUID of the custom field `name` defined for `entity_type`, read from the
    /// system configuration's definitions (spec §5.5).
    pub fn custom_field(&self, name: &str, entity_type: EntityType) -> Result<Option<Guid>, WebSdkError> {
        let definitions = self.read(&SYSTEM_CONFIGURATION, &["CustomFields"])?.unwrap_or_default();
        let definitions = envelope::field(&definitions, "CustomFields").cloned().unwrap_or_default();
        let found = definitions.as_array().into_iter().flatten().filter_map(Json::as_object).find(|definition| {
            let named = envelope::text(definition, "Name").is_some_and(|n| n.trim().eq_ignore_ascii_case(name.trim()));
            // ASSUMPTION: a definition names its entity type as text (spec §5.5 [I]);
            // one without a type is taken to apply to every type.
            let typed =
                envelope::text(definition, "EntityType").is_none_or(|t| t.eq_ignore_ascii_case(entity_type.name()));
            named && typed
        });
        Ok(found.and_then(|definition| envelope::guid(definition, "Guid")))
    }

    /// GUID and name of each entity, for pickers; unnamed entities show their GUID.
    pub fn names(&self, guids: &[Guid], extra: &[&str]) -> Result<Vec<Map<String, Json>>, WebSdkError> {
        let mut properties = vec!["Guid", "Name"];
        properties.extend_from_slice(extra);
        self.read_many(guids, &properties)
    }
}
