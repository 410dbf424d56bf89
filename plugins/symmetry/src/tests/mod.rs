//! Native unit tests against the SDK's fake host, with a small in-memory Symmetry behind the
//! fake SQL capability: a card table, an import table and an import processor that runs when the
//! connector pauses (`WAITFOR DELAY`), unless a test paused it. The real protocol, the real
//! simulator and the built component are exercised end to end in `tests/tests/symmetry_*.rs`.

mod employees;
mod errors;
mod markers;
mod visitors;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::{Rc, Weak};

use gatehouse_sdk::sql::{Rows, Value};
use gatehouse_sdk::testing::FakeHost;
use gatehouse_sdk::{AccessWindow, Call, PersonKind, PersonRef};
use serde_json::json;

use crate::Config;

pub const COMPANY: i64 = 3;
pub const FACILITY: i64 = 42;
/// 2025-01-01T12:00:00Z.
pub const NOON_UTC: i64 = 1_735_732_800_000;

pub fn config(extra: serde_json::Value) -> Config {
    let mut base = json!({
        "company_id": COMPANY,
        "time_zone": "America/New_York",
        "cards": {"min": 1000, "max": 1009, "facility_code": FACILITY, "card_format": 4},
        "processing": {"wait_seconds": 1, "poll_interval_ms": 250}
    });
    if let (Some(base), serde_json::Value::Object(extra)) = (base.as_object_mut(), extra) {
        base.extend(extra);
    }
    serde_json::from_value(base).expect("a valid test configuration")
}

pub fn call(key: &str, params: serde_json::Value) -> Call {
    Call { params: params.to_string(), idempotency_key: key.into() }
}

pub fn visitor(external_id: &str) -> PersonRef {
    PersonRef { kind: PersonKind::Visitor, external_id: external_id.into(), pacs_id: None, email: None }
}

pub fn employee(email: &str) -> PersonRef {
    PersonRef {
        kind: PersonKind::Employee,
        external_id: format!("emp-{email}"),
        pacs_id: None,
        email: Some(email.into()),
    }
}

pub fn window(hours: i64) -> AccessWindow {
    AccessWindow { starts_at: NOON_UTC, ends_at: NOON_UTC + hours * 3_600_000 }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FakeCard {
    pub card_id: i64,
    pub number: i64,
    pub facility_code: i64,
    pub first_name: String,
    pub last_name: String,
    pub company_id: i64,
    pub primary: bool,
    pub pin: Option<String>,
    pub inactive: bool,
    pub active: Value,
    pub expiry: Value,
    pub email: Option<String>,
    /// Personal data by field number (the email above is field 12 for the employee tests).
    pub personal_data: BTreeMap<u8, String>,
    /// Known to the import processor but not yet visible in CardInfoTable (another writer's card
    /// that lands between our check and our row).
    pub hidden: bool,
}

impl FakeCard {
    pub fn someone(number: i64) -> FakeCard {
        FakeCard {
            card_id: 0,
            number,
            facility_code: FACILITY,
            first_name: "Some".into(),
            last_name: "One".into(),
            company_id: 1,
            primary: true,
            pin: None,
            inactive: false,
            active: Value::Null,
            expiry: Value::Null,
            email: None,
            personal_data: BTreeMap::new(),
            hidden: false,
        }
    }

    /// A visitor card Gatehouse made for `visit` (the default marker fields).
    pub fn marked(number: i64, visit: &str) -> FakeCard {
        FakeCard {
            first_name: "Ada".into(),
            last_name: "Lovelace".into(),
            company_id: COMPANY,
            personal_data: marker(visit),
            ..FakeCard::someone(number)
        }
    }
}

/// Gatehouse's marker for `visit` in the default fields 48-50.
pub fn marker(visit: &str) -> BTreeMap<u8, String> {
    BTreeMap::from([(48, "Gatehouse".to_string()), (49, visit.to_string()), (50, visit.to_string())])
}

/// What a varchar column keeps, roughly: this fake knows Latin 1 only.
fn lossy(text: &str) -> String {
    text.chars().flat_map(|c| if u32::from(c) <= 0xFF { vec![c] } else { vec!['?'; c.len_utf16()] }).collect()
}

fn personal_data_columns(row: &FakeRow) -> impl Iterator<Item = (u8, String)> + '_ {
    row.columns.iter().filter_map(|(column, value)| {
        let field = column.strip_prefix("PersonalData")?.parse().ok()?;
        Some((field, lossy(value.as_str()?)))
    })
}

/// One DataImportTable row: its columns by name.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeRow {
    pub record_count: i64,
    pub status: i64,
    pub columns: BTreeMap<String, Value>,
}

impl FakeRow {
    pub fn int(&self, column: &str) -> Option<i64> {
        self.columns.get(column).and_then(Value::as_i64)
    }

    pub fn text(&self, column: &str) -> Option<String> {
        self.columns.get(column).and_then(Value::as_str).map(String::from)
    }
}

#[derive(Default)]
pub struct Model {
    pub cards: Vec<FakeCard>,
    pub rows: Vec<FakeRow>,
    pub paused: bool,
}

const PROCESSED: i64 = 1;
const CARD_EXISTS: i64 = 2;
const CARD_NOT_FOUND: i64 = 3;

impl Model {
    fn card_mut(&mut self, number: Option<i64>, facility_code: Option<i64>) -> Option<&mut FakeCard> {
        self.cards.iter_mut().find(|c| Some(c.number) == number && Some(c.facility_code) == facility_code)
    }

    /// The import processor: applies pending rows in RecordCount order.
    fn process(&mut self) {
        for index in 0..self.rows.len() {
            if self.rows[index].status != 0 {
                continue;
            }
            let row = self.rows[index].clone();
            let (number, facility_code) = (row.int("CardNumber"), row.int("CustomerCode"));
            let status = match row.int("RecordRequest") {
                Some(0) if self.card_mut(number, facility_code).is_some() => CARD_EXISTS,
                Some(0) => {
                    let card_id = self.cards.len() as i64 + 1;
                    self.cards.push(FakeCard {
                        card_id,
                        number: number.unwrap_or_default(),
                        facility_code: facility_code.unwrap_or_default(),
                        first_name: lossy(&row.text("FirstName").unwrap_or_default()),
                        last_name: lossy(&row.text("LastName").unwrap_or_default()),
                        company_id: row.int("CompanyID").unwrap_or_default(),
                        primary: true,
                        pin: row.text("PIN"),
                        inactive: false,
                        active: row.columns.get("ActiveDate").cloned().unwrap_or(Value::Null),
                        expiry: row.columns.get("ExpiryDate").cloned().unwrap_or(Value::Null),
                        email: None,
                        personal_data: personal_data_columns(&row).collect(),
                        hidden: false,
                    });
                    PROCESSED
                }
                Some(request) => match self.card_mut(number, facility_code) {
                    None => CARD_NOT_FOUND,
                    Some(card) => {
                        match request {
                            1 => {
                                for (column, value) in &row.columns {
                                    match (column.as_str(), value) {
                                        ("FirstName", Value::Text(t)) => card.first_name = lossy(t),
                                        ("LastName", Value::Text(t)) => card.last_name = lossy(t),
                                        ("PIN", Value::Text(t)) => card.pin = Some(t.clone()),
                                        ("ActiveDate", v) => card.active = v.clone(),
                                        ("ExpiryDate", v) => card.expiry = v.clone(),
                                        _ => {}
                                    }
                                }
                                card.personal_data.extend(personal_data_columns(&row));
                            }
                            2 => card.inactive = true,
                            5 => card.inactive = false,
                            _ => {}
                        }
                        PROCESSED
                    }
                },
                None => CARD_NOT_FOUND,
            };
            self.rows[index].status = status;
        }
    }
}

/// The fake host with an in-memory Symmetry answering the connector's statements.
pub struct FakeSymmetry {
    pub host: Rc<FakeHost>,
    pub model: Rc<RefCell<Model>>,
}

impl FakeSymmetry {
    pub fn install() -> FakeSymmetry {
        let host = Rc::new(FakeHost::install());
        let model = Rc::new(RefCell::new(Model::default()));
        let symmetry = FakeSymmetry { host, model };
        symmetry.answer();
        symmetry
    }

    pub fn add_card(&self, mut card: FakeCard) -> i64 {
        let mut model = self.model.borrow_mut();
        card.card_id = model.cards.len() as i64 + 1;
        model.cards.push(card.clone());
        card.card_id
    }

    pub fn card(&self, number: i64) -> Option<FakeCard> {
        self.model.borrow().cards.iter().find(|c| c.number == number && c.facility_code == FACILITY).cloned()
    }

    pub fn rows(&self) -> Vec<FakeRow> {
        self.model.borrow().rows.clone()
    }

    pub fn set_paused(&self, paused: bool) {
        self.model.borrow_mut().paused = paused;
    }

    /// Adds another integrator's pending row.
    pub fn foreign_pending_add(&self, number: i64) {
        let mut model = self.model.borrow_mut();
        let record_count = model.rows.len() as i64 + 1;
        let columns = BTreeMap::from([
            ("RecordRequest".to_string(), Value::Int(0)),
            ("CardNumber".to_string(), Value::Int(number)),
            ("CustomerCode".to_string(), Value::Int(FACILITY)),
            ("BatchReference".to_string(), Value::Text("payroll-sync".into())),
        ]);
        model.rows.push(FakeRow { record_count, status: 0, columns });
    }

    fn answer(&self) {
        let model = &self.model;
        let on_query = |fragment: &str, answer: fn(&Model, &[Value]) -> Rows| {
            let model = model.clone();
            self.host.on_sql_query(fragment, move |params| Ok(answer(&model.borrow(), params)));
        };
        on_query("FROM dbo.CardInfoTable WHERE CardNumber = @P1", |m, p| {
            let rows = Rows::new(["CardID"]);
            m.cards
                .iter()
                .filter(|c| !c.hidden && matches_key(c, p))
                .fold(rows, |rows, c| rows.row([Value::Int(c.card_id)]))
        });
        on_query("FROM dbo.ViewSMSCardHolders WHERE CardNumber = @P1", |m, p| {
            card_rows(m.cards.iter().filter(|c| !c.hidden && matches_key(c, p)))
        });
        on_query("FROM dbo.ViewSMSCardHolders WHERE CardID = @P1", |m, p| {
            card_rows(m.cards.iter().filter(|c| !c.hidden && Some(c.card_id) == p[0].as_i64()))
        });
        on_query("PersonalData12 AS Email FROM dbo.ViewSMSCardHolderPersonalData1_25 WHERE LOWER", |m, p| {
            let wanted = p[0].as_str().unwrap_or_default().to_string();
            m.cards
                .iter()
                .filter(|c| c.email.as_deref().is_some_and(|e| e.trim().to_lowercase() == wanted))
                .fold(Rows::new(["CardID", "Email"]), |rows, c| {
                    rows.row([Value::Int(c.card_id), c.email.clone().into()])
                })
        });
        on_query("WHERE RecordStatus = 0 AND RecordRequest = 0 AND CardNumber = @P1", |m, p| {
            m.rows
                .iter()
                .filter(|r| r.status == 0 && r.int("RecordRequest") == Some(0))
                .filter(|r| r.int("CardNumber") == p[0].as_i64() && r.int("CustomerCode") == p[1].as_i64())
                .fold(Rows::new(["RecordCount", "BatchReference"]), |rows, r| {
                    rows.row([Value::Int(r.record_count), r.text("BatchReference").into()])
                })
        });
        on_query("FROM dbo.DataImportTable WHERE BatchReference = @P1", |m, p| {
            let columns =
                ["RecordCount", "RecordRequest", "RecordStatus", "CardNumber", "CustomerCode", "AccessCodeID", "PIN"];
            m.rows.iter().filter(|r| r.text("BatchReference").as_deref() == p[0].as_str()).fold(
                Rows::new(columns),
                |rows, r| {
                    let column = |name: &str| r.columns.get(name).cloned().unwrap_or(Value::Null);
                    rows.row([
                        Value::Int(r.record_count),
                        column("RecordRequest"),
                        Value::Int(r.status),
                        column("CardNumber"),
                        column("CustomerCode"),
                        column("AccessCodeID"),
                        column("PIN"),
                    ])
                },
            )
        });
        on_query("SELECT COUNT(*) AS Pending FROM dbo.DataImportTable", |m, _| {
            Rows::new(["Pending"]).row([Value::Int(m.rows.iter().filter(|r| r.status == 0).count() as i64)])
        });
        on_query("FROM dbo.MessageTable WHERE RecordStatus = @P1", |_, p| {
            let message = match p[0].as_i64() {
                Some(PROCESSED) => "Record processed",
                Some(CARD_EXISTS) => "Card already exists",
                Some(CARD_NOT_FOUND) => "Card not found",
                _ => "Unknown",
            };
            Rows::new(["Message"]).row([Value::Text(message.into())])
        });
        // No access codes are modelled: a test that needs them answers these itself.
        on_query("FROM dbo.ViewAccessRights WHERE CardID = @P1", |_, _| Rows::new(["AccessGroupName"]));
        on_query("FROM dbo.AccessCodeTable", |_, _| Rows::new(["AccessCodeID", "AccessCodeName", "CompanyID"]));
        // Gatehouse's marker: the visit field (50) and, in the same view, the source field (48).
        on_query("WHERE PersonalData50 = @P1", |m, p| {
            let holds = |c: &FakeCard, field: u8, param: Option<&Value>| match param.and_then(Value::as_str) {
                Some(wanted) => c.personal_data.get(&field).is_some_and(|v| v.trim().eq_ignore_ascii_case(wanted)),
                None => true,
            };
            m.cards
                .iter()
                .filter(|c| !c.hidden && holds(c, 50, p.first()) && holds(c, 48, p.get(1)))
                .fold(Rows::new(["CardID"]), |rows, c| rows.row([Value::Int(c.card_id)]))
        });
        for view in ["dbo.ViewSMSCardHolderPersonalData1_25", "dbo.ViewSMSCardHolderPersonalData26_50"] {
            let (host, reading) = (Rc::downgrade(&self.host), model.clone());
            self.host.on_sql_query(&format!("FROM {view} WHERE CardID = @P1"), move |params| {
                let statement = last_statement(&host);
                let columns: Vec<String> = statement
                    .trim_start_matches("SELECT ")
                    .split(" FROM ")
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .map(|c| c.trim().to_string())
                    .collect();
                let model = reading.borrow();
                let cards = model.cards.iter().filter(|c| !c.hidden && Some(c.card_id) == params[0].as_i64());
                Ok(cards.fold(Rows::new(columns.clone()), |rows, c| {
                    rows.row(columns.iter().map(|column| {
                        let field: u8 = column.trim_start_matches("PersonalData").parse().unwrap_or_default();
                        c.personal_data.get(&field).cloned().into()
                    }))
                }))
            });
        }
        let (host, inserting) = (Rc::downgrade(&self.host), model.clone());
        self.host.on_sql_execute("INSERT INTO dbo.DataImportTable", move |params| {
            let statement = last_statement(&host);
            let columns = statement.split('(').nth(1).and_then(|s| s.split(')').next()).unwrap_or_default();
            let mut model = inserting.borrow_mut();
            let record_count = model.rows.len() as i64 + 1;
            let columns = columns.split(',').map(|c| c.trim().to_string()).zip(params.iter().cloned()).collect();
            model.rows.push(FakeRow { record_count, status: 0, columns });
            Ok(1)
        });
        let pausing = model.clone();
        self.host.on_sql_execute("WAITFOR DELAY @P1", move |_| {
            let mut model = pausing.borrow_mut();
            if !model.paused {
                model.process();
            }
            Ok(0)
        });
    }
}

fn last_statement(host: &Weak<FakeHost>) -> String {
    host.upgrade().and_then(|h| h.sql_calls().last().map(|c| c.statement.clone())).unwrap_or_default()
}

fn matches_key(card: &FakeCard, params: &[Value]) -> bool {
    Some(card.number) == params[0].as_i64() && Some(card.facility_code) == params[1].as_i64()
}

fn card_rows<'a>(cards: impl Iterator<Item = &'a FakeCard>) -> Rows {
    let columns = [
        "CardID",
        "FirstName",
        "LastName",
        "CompanyID",
        "CardNumber",
        "CustomerCodeNumber",
        "PrimaryCard",
        "PINNumber",
        "Inactive",
        "ActiveDateTime",
        "ExpirationDateTime",
    ];
    cards.fold(Rows::new(columns), |rows, c| {
        rows.row([
            Value::Int(c.card_id),
            Value::Text(c.first_name.clone()),
            Value::Text(c.last_name.clone()),
            Value::Int(c.company_id),
            Value::Int(c.number),
            Value::Int(c.facility_code),
            Value::Boolean(c.primary),
            c.pin.clone().into(),
            Value::Boolean(c.inactive),
            c.active.clone(),
            c.expiry.clone(),
        ])
    })
}
