//! Reading each simulated PACS back, the way an operator would look at it:
//! the Genetec directory snapshot, the Symmetry databases as dumped by the
//! simulator. Nothing here trusts Gatehouse's own records about the PACS.

use crate::TIME_ZONE;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use gatehouse_sim_genetec::model::CredentialFormat;
use gatehouse_sim_genetec::Directory;
use serde::Serialize;
use serde_json::Value;

/// What a PACS holds for one person.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PacsRecord {
    /// The PACS's own id: a Genetec GUID, a Symmetry CardID.
    pub pacs_id: String,
    pub name: String,
    /// As the PACS words it: active, inactive, expired, checked out.
    pub status: String,
    /// Cardholder groups (Genetec) or access codes (Symmetry) held now.
    pub groups: Vec<String>,
    /// Credentials held now: `card 101/5000`, `PIN (6 digits)`.
    pub credentials: Vec<String>,
    /// The validity the PACS stores, in the location's time zone.
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
}

/// One PACS, read at one moment.
pub enum Snapshot {
    Genetec(Box<Directory>),
    Symmetry(Value),
}

fn local(at: DateTime<Utc>) -> String {
    at.with_timezone(&TIME_ZONE).format("%H:%M %Z").to_string()
}

/// Symmetry keeps naive local times, in the site's zone (the demo's).
fn symmetry_local(text: &str) -> Option<String> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    Some(local(TIME_ZONE.from_local_datetime(&naive).earliest()?.with_timezone(&Utc)))
}

fn pin(digits: usize) -> String {
    format!("PIN ({digits} digits)")
}

impl Snapshot {
    /// The record with `pacs_id`, live or archived.
    pub fn record(&self, pacs_id: &str) -> Option<PacsRecord> {
        match self {
            Snapshot::Genetec(directory) => genetec_record(directory, pacs_id.parse().ok()?),
            Snapshot::Symmetry(dump) => symmetry_record(dump, pacs_id.parse().ok()?),
        }
    }

    /// The employee whose e-mail is `email` (Genetec: the cardholder's address;
    /// Symmetry: personal data field 5, as the demo install is configured).
    pub fn employee(&self, email: &str) -> Option<PacsRecord> {
        match self {
            Snapshot::Genetec(directory) => {
                let (guid, _) =
                    directory.cardholders.iter().find(|(_, c)| c.person.email_address.eq_ignore_ascii_case(email))?;
                genetec_record(directory, *guid)
            }
            Snapshot::Symmetry(dump) => {
                let row = table(dump, "ViewSMSCardHolderPersonalData1_25")
                    .find(|row| row["PersonalData5"].as_str().is_some_and(|e| e.trim().eq_ignore_ascii_case(email)))?;
                symmetry_record(dump, row["CardID"].as_i64()?)
            }
        }
    }

    /// A door's name, from the id a badge event carries.
    pub fn door_name(&self, door: &str) -> Option<String> {
        match self {
            Snapshot::Genetec(directory) => directory.doors.get(&door.parse().ok()?).map(|d| d.header.name.clone()),
            Snapshot::Symmetry(_) => None,
        }
    }

    /// A group or access code as named in the PACS, from the id a policy uses.
    pub fn group_name(&self, id: &Value) -> String {
        let text = id.as_str().map(str::to_string).unwrap_or_else(|| id.to_string());
        let name = match self {
            Snapshot::Genetec(directory) => {
                text.parse().ok().and_then(|guid| directory.cardholder_groups.get(&guid)).map(|g| g.header.name.clone())
            }
            Snapshot::Symmetry(dump) => table(dump, "AccessCodeTable")
                .find(|row| row["AccessCodeID"] == text)
                .and_then(|row| row["AccessCodeName"].as_str().map(str::to_string)),
        };
        name.unwrap_or(text)
    }
}

fn genetec_record(directory: &Directory, guid: uuid::Uuid) -> Option<PacsRecord> {
    let (header, person, window, checked_out) = if let Some(c) = directory.cardholders.get(&guid) {
        (&c.header, &c.person, (None, None), false)
    } else {
        let (visitor, archived) = match directory.visitors.get(&guid) {
            Some(v) => (v, false),
            None => (directory.archived_visitors.get(&guid)?, true),
        };
        (
            &visitor.header,
            &visitor.person,
            (visitor.arrival, visitor.departure),
            archived || visitor.checkout_date.is_some(),
        )
    };
    let status =
        if checked_out { "checked out".to_string() } else { format!("{:?}", person.status.state).to_lowercase() };
    let groups = directory
        .cardholder_groups
        .values()
        .filter(|g| g.members.contains(&guid))
        .map(|g| g.header.name.clone())
        .collect();
    let credentials = directory
        .credentials
        .values()
        .filter(|c| c.cardholder == Some(guid))
        .map(|c| match &c.format {
            CredentialFormat::Wiegand { facility, card, .. } => format!("card {facility}/{card}"),
            CredentialFormat::Keypad { pin: digits } => pin(digits.len()),
            CredentialFormat::LicensePlate { plate } => format!("plate {plate}"),
        })
        .collect();
    Some(PacsRecord {
        pacs_id: guid.to_string(),
        name: header.name.clone(),
        status,
        groups,
        credentials,
        valid_from: window.0.map(local),
        valid_until: window.1.map(local),
    })
}

fn table<'a>(dump: &'a Value, name: &str) -> impl Iterator<Item = &'a Value> {
    dump.pointer(&format!("/databases/multiMAX/{name}")).and_then(Value::as_array).into_iter().flatten()
}

fn symmetry_record(dump: &Value, card_id: i64) -> Option<PacsRecord> {
    let card = table(dump, "ViewSMSCardHolders").find(|row| row["CardID"].as_i64() == Some(card_id))?;
    let text = |column: &str| card[column].as_str().unwrap_or_default().trim().to_string();
    let inactive = card["Inactive"].as_bool().unwrap_or(false);
    let groups = table(dump, "ViewAccessRights")
        .filter(|row| row["CardID"].as_i64() == Some(card_id))
        .filter_map(|row| row["AccessGroupName"].as_str().map(str::to_string))
        .collect();
    let mut credentials = vec![format!("card {}/{}", card["CustomerCodeNumber"], card["CardNumber"])];
    let pin_digits = text("PINNumber").len();
    if pin_digits > 0 {
        credentials.push(pin(pin_digits));
    }
    Some(PacsRecord {
        pacs_id: card_id.to_string(),
        name: format!("{} {}", text("FirstName"), text("LastName")),
        status: if inactive { "inactive" } else { "active" }.to_string(),
        groups,
        credentials,
        valid_from: card["ActiveDateTime"].as_str().and_then(symmetry_local),
        valid_until: card["ExpirationDateTime"].as_str().and_then(symmetry_local),
    })
}
