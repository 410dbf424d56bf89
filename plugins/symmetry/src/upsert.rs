//! `upsert-person` for visitors: the card found by its marker is updated (names, contact fields),
//! else a cardholder is added with a fresh card from the install's range, marked in the Add row.
//! What Symmetry keeps of the names and contact details is compared through code page 1252, and
//! every loss is a warning in the outcome's `detail.warnings`, never a failure.

use gatehouse_sdk::{kv, log, ConnectorError, ErrorKind, Outcome, Person, PersonRef};
use serde_json::{json, Value};

use crate::cards::{self, Allocation};
use crate::changes::{self, card_outcome, settle};
use crate::config::{Contact, Install, PdfField};
use crate::db::{Card, CardKey};
use crate::import::{Batch, Field, ImportRow, Request};
use crate::marker::{self, Marker, Seen};
use crate::text::{self, NAME_LENGTH, PERSONAL_DATA_LENGTH};
use crate::visitors::{record_key, Record, Visitors};

/// How often the import service may refuse a number as existing (although multiMAX did not show
/// it) before one call gives up.
const MAX_CONFLICTS: usize = 5;

/// One value written to a text column: the original (trimmed) and the part that fits.
struct Text {
    what: &'static str,
    original: String,
    kept: String,
}

impl Text {
    fn new(what: &'static str, original: &str, length: usize) -> Text {
        Text { what, original: original.to_string(), kept: text::fit(original, length).to_string() }
    }

    fn stored_as(&self, read: &str) -> bool {
        text::stores_as(read, &self.kept)
    }

    /// The warnings about this value, given what multiMAX shows (when known).
    fn warnings(&self, kind: &str, length: usize, read: Option<&str>) -> Vec<String> {
        let mut warnings = text::loss(self.what, kind, &self.original, length, read);
        if let Some(read) = read.filter(|read| !self.stored_as(read)) {
            warnings.push(format!(
                "Symmetry shows {} as \"{}\", not \"{}\" as written",
                self.what,
                read.trim(),
                text::stored_form(&self.kept)
            ));
        }
        warnings
    }
}

/// A visitor as Symmetry will store them.
struct Holder {
    first_name: Text,
    last_name: Text,
    /// Contact details to write, when the policy includes them and fields are configured.
    contact: Vec<(PdfField, Text)>,
}

impl Holder {
    fn of(person: &Person, install: &Install) -> Result<Holder, ConnectorError> {
        let (first, last) = (person.first_name.trim(), person.last_name.trim());
        // A visitor known by one name keeps it as the last name, which Symmetry lists by.
        let (first, last) = if last.is_empty() { ("", first) } else { (first, last) };
        if last.is_empty() {
            return Err(ConnectorError::permanent("the visitor has no name; Symmetry needs at least a last name"));
        }
        let mut contact = Vec::new();
        if person.include_contact {
            for (what, field) in install.visitor_fields.configured() {
                let (value, name) = match what {
                    Contact::Email => (person.identity.email.as_deref(), "the email"),
                    Contact::Phone => (person.phone.as_deref(), "the phone number"),
                    Contact::Company => (person.company.as_deref(), "the company"),
                    Contact::Host => (person.host_name.as_deref(), "the host's name"),
                };
                if let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) {
                    contact.push((field, Text::new(name, value, PERSONAL_DATA_LENGTH)));
                }
            }
        }
        Ok(Holder {
            first_name: Text::new("the first name", first, NAME_LENGTH),
            last_name: Text::new("the last name", last, NAME_LENGTH),
            contact,
        })
    }

    fn names_match(&self, card: &Card) -> bool {
        self.first_name.stored_as(&card.first_name) && self.last_name.stored_as(&card.last_name)
    }

    fn contact_fields(&self) -> Vec<PdfField> {
        self.contact.iter().map(|(field, _)| *field).collect()
    }

    fn contact_matches(&self, current: &[(PdfField, Option<String>)]) -> bool {
        self.contact.iter().all(|(field, value)| {
            current.iter().any(|(f, v)| f == field && v.as_deref().is_some_and(|v| value.stored_as(v)))
        })
    }

    fn name_fields(&self) -> [Field; 2] {
        [Field::LastName(self.last_name.kept.clone()), Field::FirstName(self.first_name.kept.clone())]
    }

    /// Everything an operator should know about what Symmetry keeps of this visitor.
    fn warnings(&self, card: Option<&Card>, contact: &[(PdfField, Option<String>)]) -> Vec<String> {
        let mut warnings = self.last_name.warnings("names", NAME_LENGTH, card.map(|c| c.last_name.as_str()));
        warnings.extend(self.first_name.warnings("names", NAME_LENGTH, card.map(|c| c.first_name.as_str())));
        for (field, value) in &self.contact {
            let read = contact.iter().find(|(f, _)| f == field).and_then(|(_, v)| v.as_deref());
            warnings.extend(value.warnings("personal data", PERSONAL_DATA_LENGTH, read));
        }
        warnings
    }
}

/// `detail` with the warnings, which the host attaches to the job. The log says only how many:
/// the warnings quote personal data.
fn with_warnings(mut detail: Value, warnings: Vec<String>) -> Value {
    if !warnings.is_empty() {
        log::warn!("Symmetry keeps {} value(s) of this visitor differently from what was written", warnings.len());
    }
    if let (false, Value::Object(map)) = (warnings.is_empty(), &mut detail) {
        map.insert("warnings".into(), json!(warnings));
    }
    detail
}

impl Visitors<'_> {
    pub fn upsert(&self, person: &Person) -> Result<Outcome, ConnectorError> {
        let holder = Holder::of(person, self.install)?;
        let who = &person.identity;
        let found = self.cards(who)?;
        let Some((keep, duplicates)) = found.cards.split_first() else {
            return self.create(who, &holder);
        };
        let now = self.now()?;
        let mut revoked = Vec::new();
        for duplicate in duplicates {
            log::warn!(
                "visitor {} has more than one card; keeping {} and revoking {}",
                who.external_id,
                keep.key(),
                duplicate.key()
            );
            changes::revoke(self.db, &self.batch, duplicate, now, true)?;
            revoked.push(duplicate.number);
        }
        let mut detail = found.note(json!({}));
        if !revoked.is_empty() {
            detail["duplicates_revoked"] = json!(revoked);
        }
        self.update(who, &holder, keep, !revoked.is_empty(), detail)
    }

    /// Whether the card an allocation meets at this visitor's number is theirs: it carries the
    /// marker, or (made before the marker existed) it has none and holds this visitor's names in
    /// the target company.
    fn adoptable(&self, card: &Card, holder: &Holder, marker: &Marker) -> Result<bool, ConnectorError> {
        let seen = Seen::read(self.db, self.install.markers, card.card_id)?;
        Ok(seen.is(marker)
            || (seen.is_unmarked() && card.company_id == Some(self.install.company_id) && holder.names_match(card)))
    }

    /// Gives a card of this visitor that lacks the marker the marker.
    fn mark(&self, who: &PersonRef, card: &Card, marker: &Marker) -> Result<(), ConnectorError> {
        if marker::carries(self.db, self.install, card, marker)? {
            return Ok(());
        }
        let mut found = marker::Found { cards: vec![card.clone()], unmarked: vec![card.key()], backfilled: Vec::new() };
        marker::backfill(self.db, self.install, &self.call.idempotency_key, who, &mut found)
    }

    /// Adds the cardholder with a fresh card, marked in the Add row. Until `set-access-window` /
    /// `issue-card` set the real window, the card is valid from now to now: it opens nothing.
    fn create(&self, who: &PersonRef, holder: &Holder) -> Result<Outcome, ConnectorError> {
        let install = self.install;
        let marker = Marker::of(who);
        let pool = cards::pool(install.cards.facility_code);
        for _ in 0..MAX_CONFLICTS {
            let allocation =
                cards::allocate(self.db, install, &who.external_id, |card| self.adoptable(card, holder, &marker))?;
            let adopted;
            let (key, batch) = match allocation {
                Allocation::Existing(card) => {
                    self.mark(who, &card, &marker)?;
                    self.confirm(who, &card)?;
                    let detail = with_warnings(json!({ "adopted": true }), holder.warnings(Some(&card), &[]));
                    return Ok(card_outcome(&card, &self.batch, false, None, detail));
                }
                Allocation::Pending { card, reference } => {
                    adopted = Batch::adopt(self.db, install, reference);
                    (card, &adopted)
                }
                Allocation::Free(card) => (card, &self.batch),
            };
            let record = Record { card_number: key.number, facility_code: key.facility_code, card_id: None };
            kv::set_json(&record_key(&who.external_id), &record)?;
            let processed = batch.run(&[self.add_row(key, holder, &marker)?])?;
            let expected = format!("cardholder {:?} with {key}", holder.last_name.kept);
            let refused_as_existing =
                || Ok::<_, ConnectorError>(batch.rejection(&processed, &expected)?.kind == ErrorKind::Conflict);
            if let Some(card) = self.db.multimax.card_by_key(key)? {
                let seen = Seen::read(self.db, install.markers, card.card_id)?;
                // ASSUMPTION: an Add row's personal data is applied with it. Should a site ignore
                // it, the card our own row created (not refused as existing) is marked afterwards.
                if seen.is(&marker) || (seen.is_unmarked() && !refused_as_existing()?) {
                    self.mark(who, &card, &marker)?;
                    self.confirm(who, &card)?;
                    let contact = self.db.multimax.personal_data(card.card_id, &holder.contact_fields())?;
                    let detail = with_warnings(json!({ "created": true }), holder.warnings(Some(&card), &contact));
                    return Ok(card_outcome(&card, batch, true, None, detail));
                }
            }
            let error = batch.rejection(&processed, &expected)?;
            if error.kind != ErrorKind::Conflict {
                return Err(error);
            }
            cards::mark_taken(&pool, key.number as u64, "the import service says the card already exists")?;
        }
        Err(ConnectorError::conflict(format!(
            "the import service refused {MAX_CONFLICTS} card numbers in a row as existing although multiMAX does not list them; \
             check the card range against Symmetry"
        )))
    }

    fn add_row(&self, key: CardKey, holder: &Holder, marker: &Marker) -> Result<ImportRow, ConnectorError> {
        let now = self.now()?;
        let mut row = ImportRow::new(Request::Add, key);
        row.fields.extend(holder.name_fields());
        row = row
            .with(Field::CompanyId(self.install.company_id))
            .with(Field::ActiveDate(now))
            .with(Field::ExpiryDate(now));
        if let Some(format) = self.install.cards.card_format {
            row = row.with(Field::CardFormat(format));
        }
        for (field, value) in &holder.contact {
            row = row.with(Field::PersonalData(*field, value.kept.clone()));
        }
        row.fields.extend(marker.fields(self.install.markers));
        Ok(row)
    }

    fn update(
        &self,
        who: &PersonRef,
        holder: &Holder,
        card: &Card,
        revoked_others: bool,
        detail: Value,
    ) -> Result<Outcome, ConnectorError> {
        let mut fields = Vec::new();
        if !holder.names_match(card) {
            fields.extend(holder.name_fields());
        }
        let contact_fields = holder.contact_fields();
        let mut current = self.db.multimax.personal_data(card.card_id, &contact_fields)?;
        if !holder.contact_matches(&current) {
            fields.extend(holder.contact.iter().map(|(field, value)| Field::PersonalData(*field, value.kept.clone())));
        }
        let rows = changes::modify(card, fields);
        let expected = format!("{} held by {:?} with the visitor's contact details", card.key(), holder.last_name.kept);
        let changed = settle(&self.batch, &rows, &expected, || {
            let names = changes::reread(self.db, card)?.is_some_and(|after| holder.names_match(&after));
            Ok(names && holder.contact_matches(&self.db.multimax.personal_data(card.card_id, &contact_fields)?))
        })?;
        let mut after = Some(card.clone());
        if changed {
            after = changes::reread(self.db, card)?;
            current = self.db.multimax.personal_data(card.card_id, &contact_fields)?;
        }
        self.confirm(who, card)?;
        let detail = with_warnings(detail, holder.warnings(after.as_ref(), &current));
        Ok(card_outcome(card, &self.batch, changed || revoked_others, None, detail))
    }
}
