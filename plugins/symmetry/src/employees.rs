//! Employees (Envoy Workplace): existing Symmetry cardholders, found by the email in the
//! configured personal data field, enabled at sign-in and disabled at sign-out.
//!
//! Gatehouse never creates, renames or erases employees, and never mass-disables anyone: every
//! action touches exactly one card — the only card carrying the email, or the primary one among
//! several. Anything else is a permanent error an operator resolves in Symmetry.

use gatehouse_sdk::{Action, Call, ConnectorError, Outcome, PersonRef};
use serde_json::json;

use crate::changes::{self, card_outcome};
use crate::config::{Install, Workplace};
use crate::db::{self, Card, Db, Row};
use crate::import::Batch;
use crate::params::AccessCodeParams;

/// Emails compare trimmed and case-insensitively: "identically" in Envoy's words, minus the
/// stray spaces and capitals that hand-typed personal data fields collect.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub fn same_email(a: &str, b: &str) -> bool {
    normalise_email(a) == normalise_email(b)
}

pub fn run(install: &Install, call: &Call, action: Action) -> Result<Outcome, ConnectorError> {
    let who =
        match &action {
            Action::UpsertPerson(person) => person.identity.clone(),
            Action::Activate(who) | Action::Deactivate(who) | Action::AddGroups(who) | Action::RemoveGroups(who) => {
                who.clone()
            }
            _ => return Err(ConnectorError::permanent(
                "Symmetry employees are existing cardholders: Gatehouse only enables, disables or regroups their card",
            )),
        };
    let Some(workplace) = &install.workplace else {
        return Ok(skipped("workplace is disabled for this install"));
    };
    let email = employee_email(&who)?;
    if workplace.excluded.iter().any(|excluded| same_email(excluded, email)) {
        return Ok(skipped("excluded"));
    }
    match action {
        Action::Activate(_) if !workplace.enable_on_sign_in => return Ok(skipped("enable during sign-in is off")),
        Action::Deactivate(_) if !workplace.disable_on_sign_out => {
            return Ok(skipped("disable during sign-out is off"))
        }
        _ => {}
    }
    let db = Db::open()?;
    let card = find_employee(&db, workplace, email)?;
    let batch = Batch::new(&db, install, &call.idempotency_key);
    let (changed, detail) = match action {
        Action::Activate(_) => (changes::enable(&db, &batch, &card)?, json!({})),
        Action::Deactivate(_) => (changes::disable(&db, &batch, &card)?, json!({})),
        Action::AddGroups(_) => {
            let ids = AccessCodeParams::from_call(call)?.ids()?;
            let codes = changes::resolve_access_codes(&db, &ids)?;
            (changes::add_access_codes(&db, &batch, &card, &codes)?, json!({ "access_codes": ids }))
        }
        Action::RemoveGroups(_) => {
            let ids = AccessCodeParams::from_call(call)?.ids()?;
            let codes = changes::resolve_access_codes(&db, &ids)?;
            (changes::remove_access_codes(&db, &batch, &card, &codes)?, json!({ "access_codes": ids }))
        }
        // Upserting an employee only looks them up: their record is Symmetry's, not ours.
        _ => (false, json!({ "matched": true })),
    };
    Ok(card_outcome(&card, &batch, changed, None, detail))
}

fn employee_email(who: &PersonRef) -> Result<&str, ConnectorError> {
    who.email.as_deref().map(str::trim).filter(|e| !e.is_empty()).ok_or_else(|| {
        ConnectorError::permanent(format!(
            "employee {:?} has no email; Symmetry employees are matched by email",
            who.external_id
        ))
    })
}

/// The one card of the employee with `email`.
pub fn find_employee(db: &Db, workplace: &Workplace, email: &str) -> Result<Card, ConnectorError> {
    let field = workplace.email_field;
    let wanted = normalise_email(email);
    let rows = db.multimax.query(&db::cards_with_email(field), &[wanted.as_str().into()])?;
    let mut card_ids = Vec::new();
    for row in Row::all(&rows) {
        // The database compared with its own collation; hold it to our rule as well.
        let matches = row.text("Email")?.is_some_and(|found| normalise_email(&found) == wanted);
        let card_id = row.int("CardID")?;
        if matches && !card_ids.contains(&card_id) {
            card_ids.push(card_id);
        }
    }
    let mut cards = Vec::new();
    for card_id in card_ids {
        cards.extend(db.multimax.cards_by_id(card_id)?);
    }
    pick_one(cards, email, field.number())
}

/// Exactly one card, or a permanent error naming what an operator must fix.
fn pick_one(mut cards: Vec<Card>, email: &str, field: u8) -> Result<Card, ConnectorError> {
    match cards.len() {
        0 => Err(ConnectorError::permanent(format!(
            "no Symmetry cardholder has {email:?} in personal data field {field}; enter the employee's email there"
        ))),
        1 => Ok(cards.remove(0)),
        many => {
            let mut primary: Vec<Card> = cards.into_iter().filter(|card| card.primary).collect();
            if primary.len() == 1 {
                return Ok(primary.remove(0));
            }
            Err(ConnectorError::permanent(format!(
                "{many} Symmetry cards carry {email:?} in personal data field {field} and {} of them is marked primary; \
                 Gatehouse acts on exactly one card, so mark one card primary or remove the email from the others",
                primary.len()
            )))
        }
    }
}

fn skipped(why: &str) -> Outcome {
    Outcome { pacs_id: None, credential: None, changed: false, detail: json!({ "skipped": why }).to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(card_id: i64, primary: bool) -> Card {
        Card {
            card_id,
            first_name: "Grace".into(),
            last_name: "Hopper".into(),
            company_id: Some(1),
            number: 5000 + card_id,
            facility_code: 7,
            primary,
            pin: None,
            inactive: true,
            active_from: None,
            expires_at: None,
        }
    }

    #[test]
    fn emails_match_trimmed_and_case_insensitively() {
        assert!(same_email("  Grace.Hopper@Example.COM ", "grace.hopper@example.com"));
        assert!(same_email("\tgrace@example.com\n", "GRACE@EXAMPLE.COM"));
        assert!(!same_email("grace@example.com", "grace@example.co"));
        assert!(!same_email("grace.hopper@example.com", "gracehopper@example.com"));
    }

    #[test]
    fn exactly_one_matching_card_is_the_employee() {
        assert_eq!(pick_one(vec![card(1, false)], "g@x", 12).unwrap().card_id, 1);
    }

    #[test]
    fn several_matching_cards_resolve_to_the_single_primary_one() {
        assert_eq!(pick_one(vec![card(1, false), card(2, true)], "g@x", 12).unwrap().card_id, 2);
    }

    #[test]
    fn no_match_or_an_ambiguous_match_is_a_permanent_error_and_touches_nobody() {
        let none = pick_one(vec![], "g@x", 12).unwrap_err();
        assert_eq!(none.kind, gatehouse_sdk::ErrorKind::Permanent);
        assert!(none.message.contains("personal data field 12"), "{}", none.message);
        let two_primary = pick_one(vec![card(1, true), card(2, true)], "g@x", 12).unwrap_err();
        assert_eq!(two_primary.kind, gatehouse_sdk::ErrorKind::Permanent);
        let no_primary = pick_one(vec![card(1, false), card(2, false)], "g@x", 12).unwrap_err();
        assert!(no_primary.message.contains("mark one card primary"), "{}", no_primary.message);
    }
}
