//! The actions: each one idempotent, so the host can retry any of them safely.
//!
//! Idempotency rests on three things: the PACS record carries our external id (so a person
//! created just before a crash is found again), kv remembers which PACS id and card number
//! belong to which external id, and creating calls carry the action's idempotency key.

use gatehouse_sdk::{
    kv, log, Action, Call, CardCredential, ConnectorError, Credential, Outcome, Person, PersonKind, PersonRef, Windowed,
};
use serde::Deserialize;
use serde_json::json;

use crate::config::Config;
use crate::pacs::{CardOutcome, CardRecord, Pacs, PersonRecord};

pub const NO_PARAMS: &str = r#"{"type": "object"}"#;
pub const GROUPS_PARAMS: &str = r#"{
  "type": "object",
  "required": ["groups"],
  "properties": {"groups": {"type": "array", "items": {"type": "string"}, "description": "Group ids from the groups picker."}}
}"#;

/// The kv pool card numbers come from.
pub const CARD_POOL: &str = "cards";
/// The card format this PACS prints.
const CARD_FORMAT: &str = "wiegand-standard-26";
/// How many numbers we try before giving up when the PACS reports them taken.
const CARD_ATTEMPTS: usize = 5;

#[derive(Deserialize)]
struct GroupsParams {
    groups: Vec<String>,
}

/// kv key of the PACS id we know for an external id.
pub fn person_key(external_id: &str) -> String {
    format!("person/{external_id}")
}

/// kv key of the card number we issued to an external id.
pub fn card_key(external_id: &str) -> String {
    format!("card/{external_id}")
}

pub fn run(config: &Config, call: &Call, action: Action) -> Result<Outcome, ConnectorError> {
    let pacs = Pacs::new(config);
    match action {
        Action::UpsertPerson(person) => upsert_person(&pacs, call, &person),
        Action::AddGroups(who) => add_groups(&pacs, call, &who),
        Action::RemoveGroups(who) => remove_groups(&pacs, call, &who),
        Action::IssueCard(windowed) => issue_card(&pacs, config, call, &windowed),
        Action::RevokeCredentials(who) => revoke_credentials(&pacs, &who),
        Action::ErasePerson(who) => erase_person(&pacs, &who),
        other => Err(ConnectorError::permanent(format!(
            "the Example PACS connector does not support {}; remove it from the policy",
            action_name(&other)
        ))),
    }
}

fn upsert_person<'a>(pacs: &Pacs, call: &Call, person: &'a Person) -> Result<Outcome, ConnectorError> {
    let who = &person.identity;
    // Contact details go to the PACS only when the policy opted in.
    let contact = |value: &'a Option<String>| value.as_deref().filter(|_| person.include_contact);
    let record = PersonRecord {
        external_id: &who.external_id,
        first_name: &person.first_name,
        last_name: &person.last_name,
        kind: match who.kind {
            PersonKind::Visitor => "visitor",
            PersonKind::Employee => "employee",
        },
        email: contact(&who.email),
        phone: contact(&person.phone),
        company: contact(&person.company),
    };
    let id = match find_person(pacs, who)? {
        Some(id) => {
            pacs.update_person(&id, &record)?;
            id
        }
        None => {
            let id = pacs.create_person(&record, &call.idempotency_key)?;
            log::info!("created person {}", id; "external_id" => who.external_id);
            id
        }
    };
    kv::set(&person_key(&who.external_id), id.as_bytes())?;
    Ok(outcome(Some(id.clone()), None, true, json!({ "person": id })))
}

fn add_groups(pacs: &Pacs, call: &Call, who: &PersonRef) -> Result<Outcome, ConnectorError> {
    let params: GroupsParams = call.params()?;
    let id = require_person(pacs, who)?;
    for group in &params.groups {
        pacs.add_to_group(&id, group)?;
    }
    Ok(outcome(Some(id), None, !params.groups.is_empty(), json!({ "added": params.groups })))
}

fn remove_groups(pacs: &Pacs, call: &Call, who: &PersonRef) -> Result<Outcome, ConnectorError> {
    let params: GroupsParams = call.params()?;
    let Some(id) = find_person(pacs, who)? else {
        return Ok(outcome(None, None, false, json!({ "removed": [] })));
    };
    let mut removed = Vec::new();
    for group in &params.groups {
        if pacs.remove_from_group(&id, group)? {
            removed.push(group.clone());
        }
    }
    Ok(outcome(Some(id), None, !removed.is_empty(), json!({ "removed": removed })))
}

/// Issues a card with the lowest free number of the range. A retry gets the same number
/// (allocation is idempotent per owner); a number the PACS already has on someone else's card is
/// reserved so it is never offered again, and the next one is tried.
fn issue_card(pacs: &Pacs, config: &Config, call: &Call, windowed: &Windowed) -> Result<Outcome, ConnectorError> {
    let who = &windowed.who;
    let id = require_person(pacs, who)?;
    let range = config.card_range;
    for _ in 0..CARD_ATTEMPTS {
        let number = kv::allocate_unique(CARD_POOL, range.first, range.last, &who.external_id)?;
        let card = CardRecord {
            number,
            facility_code: config.facility_code,
            format: CARD_FORMAT,
            valid_from_ms: windowed.window.starts_at,
            valid_until_ms: windowed.window.ends_at,
        };
        // One idempotency key per number: a PACS replaying the 409 of a number we gave up on
        // must not block the next one.
        let key = format!("{}/card/{number}", call.idempotency_key);
        match pacs.issue_card(&id, &card, &key)? {
            CardOutcome::Issued => {
                kv::set_json(&card_key(&who.external_id), &number)?;
                let credential = Credential::Card(CardCredential {
                    card_number: number,
                    facility_code: config.facility_code,
                    format: CARD_FORMAT.into(),
                });
                return Ok(outcome(Some(id), Some(credential), true, json!({ "card_number": number })));
            }
            CardOutcome::NumberTaken => {
                log::warn!("card number {} is taken in the PACS; trying the next", number);
                kv::release_unique(CARD_POOL, number)?;
                kv::reserve_unique(CARD_POOL, number)?;
            }
        }
    }
    Err(ConnectorError::conflict(format!(
        "the PACS reported {CARD_ATTEMPTS} card numbers in a row as taken; reconcile the card range with the PACS"
    )))
}

fn revoke_credentials(pacs: &Pacs, who: &PersonRef) -> Result<Outcome, ConnectorError> {
    let Some(id) = find_person(pacs, who)? else {
        return Ok(outcome(None, None, false, json!({})));
    };
    let revoked = pacs.revoke_cards(&id)?;
    let freed = free_card_number(&who.external_id)?;
    Ok(outcome(Some(id), None, revoked, json!({ "freed_card_number": freed })))
}

fn erase_person(pacs: &Pacs, who: &PersonRef) -> Result<Outcome, ConnectorError> {
    let Some(id) = find_person(pacs, who)? else {
        free_card_number(&who.external_id)?;
        return Ok(outcome(None, None, false, json!({})));
    };
    let erased = pacs.delete_person(&id)?;
    free_card_number(&who.external_id)?;
    kv::delete(&person_key(&who.external_id))?;
    Ok(outcome(Some(id), None, erased, json!({})))
}

/// Returns our card number of `external_id` to the pool, once the PACS no longer has the card.
fn free_card_number(external_id: &str) -> Result<Option<u64>, ConnectorError> {
    let key = card_key(external_id);
    let number: Option<u64> = kv::get_json(&key)?;
    if let Some(number) = number {
        kv::release_unique(CARD_POOL, number)?;
        kv::delete(&key)?;
    }
    Ok(number)
}

/// The PACS id of `who`: given by the host, remembered in kv, or found in the PACS by our
/// external id (a record created just before a crash).
fn find_person(pacs: &Pacs, who: &PersonRef) -> Result<Option<String>, ConnectorError> {
    if let Some(id) = &who.pacs_id {
        return Ok(Some(id.clone()));
    }
    if let Some(id) = kv::get_string(&person_key(&who.external_id))? {
        return Ok(Some(id));
    }
    let found = pacs.find_person(&who.external_id)?;
    if let Some(id) = &found {
        kv::set(&person_key(&who.external_id), id.as_bytes())?;
    }
    Ok(found)
}

fn require_person(pacs: &Pacs, who: &PersonRef) -> Result<String, ConnectorError> {
    find_person(pacs, who)?.ok_or_else(|| {
        ConnectorError::permanent(format!(
            "the PACS has no person with external id {:?}; the policy must upsert them first",
            who.external_id
        ))
    })
}

fn outcome(
    pacs_id: Option<String>,
    credential: Option<Credential>,
    changed: bool,
    detail: serde_json::Value,
) -> Outcome {
    Outcome { pacs_id, credential, changed, detail: detail.to_string() }
}

fn action_name(action: &Action) -> &'static str {
    match action {
        Action::UpsertPerson(_) => "upsert-person",
        Action::SetAccessWindow(_) => "set-access-window",
        Action::AddGroups(_) => "add-groups",
        Action::RemoveGroups(_) => "remove-groups",
        Action::IssueCard(_) => "issue-card",
        Action::IssuePin(_) => "issue-pin",
        Action::RevokeCredentials(_) => "revoke-credentials",
        Action::Activate(_) => "activate",
        Action::Deactivate(_) => "deactivate",
        Action::CheckOut(_) => "check-out",
        Action::ErasePerson(_) => "erase-person",
        Action::SetPhoto(_) => "set-photo",
    }
}
