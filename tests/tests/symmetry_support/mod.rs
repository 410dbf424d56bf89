//! Shared set-up of the Symmetry end-to-end tests: the built `symmetry.wasm` component in the
//! real host (through the SDK harness, with both SQL labels granted) against a running TDS
//! simulator of the Symmetry databases, a tiberius client that reads those databases back, and
//! a small driver that runs the real policy planner's steps through the component.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use gatehouse::domain::{ActionKind as PolicyAction, PersonDetails, PlannedStep, StepAction, Visit, VisitorEvent};
use gatehouse::gateway::{ActionDescriptor as PolicyDescriptor, Manifest as PolicyManifest};
use gatehouse::policy::{self, PlanContext, Policy};
use gatehouse_runtime::{EncryptMode, SqlDsn};
use gatehouse_sdk_harness::contract::{
    AccessWindow, Action, ActionKind, ErrorKind, Outcome, Person, PersonKind, PersonRef, PhotoUpdate, Windowed,
};
use gatehouse_sdk_harness::{CallError, Connector, Harness};
use gatehouse_sim_symmetry::{RunningSim, SimConfig, SymmetrySim};
use serde_json::{json, Value};
use tiberius::{AuthMethod, Client, Config, EncryptionLevel};
use tokio::net::TcpStream;
use tokio_util::compat::{Compat, TokioAsyncWriteCompatExt};

/// The simulator's integration login (its default fixture).
pub const USER: &str = "gatehouse";
pub const PASSWORD: &str = "Gatehouse-Sim-2024!";
/// A login of the default fixture that may not INSERT into DataImportTable.
pub const READONLY_USER: &str = "readonly";
pub const READONLY_PASSWORD: &str = "ReadOnly-Sim-2024!";
/// "Globex Visitors" in the default fixture.
pub const VISITOR_COMPANY: i64 = 2;
pub const FACILITY: i64 = 100;
/// Access codes of the default fixture: "Visitor Lobby" and "Visitor Meeting Rooms".
pub const VISITOR_LOBBY: i64 = 20;
pub const MEETING_ROOMS: i64 = 21;
pub const ZONE: chrono_tz::Tz = chrono_tz::America::New_York;
/// The harness clock's start: 2025-01-01T12:00:00Z, 07:00 in New York.
pub fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 1, 12, 0, 0).unwrap()
}

pub fn component() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/components/symmetry.wasm")
}

/// A simulator in New York time whose import processor runs every few milliseconds.
pub async fn sim() -> RunningSim {
    SymmetrySim::start(SimConfig {
        process_interval: Duration::from_millis(5),
        time_zone: ZONE,
        ..SimConfig::default()
    })
    .await
    .expect("the simulator starts")
}

pub fn dsn(sim: &RunningSim, database: &str, user: &str, encrypt: EncryptMode) -> SqlDsn {
    SqlDsn {
        host: "127.0.0.1".into(),
        port: sim.tds_addr().port(),
        database: database.into(),
        user: user.into(),
        password_secret: Some("sql-password".into()),
        encrypt,
        trust_server_cert: true,
    }
}

/// The install configuration every test starts from, with `extra` merged in.
pub fn config(extra: Value) -> Value {
    let mut config = json!({
        "company_id": VISITOR_COMPANY,
        "time_zone": "America/New_York",
        "cards": {"min": 1000, "max": 1099, "facility_code": FACILITY, "card_format": 4},
        "visitor_fields": {"email": 20, "phone": 21, "company": 22, "host": 23},
        "workplace": {"enabled": true, "email_field": 5, "enable_on_sign_in": true, "disable_on_sign_out": true},
        "processing": {"wait_seconds": 2, "poll_interval_ms": 20},
    });
    config.as_object_mut().unwrap().extend(extra.as_object().cloned().unwrap_or_default());
    config
}

/// The built component in the host, with both labels mapped to the simulator.
pub async fn connector(sim: &RunningSim, config: Value) -> Connector {
    connector_as(sim, config, USER, PASSWORD, EncryptMode::Off).await
}

pub async fn connector_as(
    sim: &RunningSim,
    config: Value,
    user: &str,
    password: &str,
    encrypt: EncryptMode,
) -> Connector {
    Harness::load(component())
        .expect("the symmetry component is built (cargo xtask build-plugins)")
        .sql("multimax", dsn(sim, "multiMAX", user, encrypt))
        .sql("import", dsn(sim, "multiMAXImport", user, encrypt))
        .secret("sql-password", password)
        .config(config)
        .at(start_time())
        .start()
        .await
        .expect("the component starts in the host")
}

pub fn visitor(external_id: &str) -> PersonRef {
    PersonRef { kind: PersonKind::Visitor, external_id: external_id.into(), pacs_id: None, email: None }
}

pub fn employee(email: &str) -> PersonRef {
    PersonRef {
        kind: PersonKind::Employee,
        external_id: format!("employee:{email}"),
        pacs_id: None,
        email: Some(email.into()),
    }
}

pub fn person(external_id: &str, first: &str, last: &str) -> Person {
    Person {
        identity: visitor(external_id),
        first_name: first.into(),
        last_name: last.into(),
        phone: None,
        company: None,
        host_name: None,
        include_contact: false,
    }
}

pub fn window(from: DateTime<Utc>, to: DateTime<Utc>) -> AccessWindow {
    AccessWindow { starts_at: from.timestamp_millis(), ends_at: to.timestamp_millis() }
}

pub fn windowed(who: PersonRef, from: DateTime<Utc>, to: DateTime<Utc>) -> Windowed {
    Windowed { who, window: window(from, to) }
}

/// The connector's error class, for a call that must fail.
pub fn error_kind(result: Result<Outcome, CallError>) -> (ErrorKind, String) {
    let error = result.expect_err("the call fails");
    let connector = error.connector_error().unwrap_or_else(|| panic!("not a connector error: {error}"));
    (connector.kind, connector.message.clone())
}

/// A New York wall-clock time.
pub fn local(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").expect("a wall-clock time")
}

// --- Reading the simulator back over TDS ------------------------------------------------------

pub type Tds = Client<Compat<TcpStream>>;

pub async fn tds(sim: &RunningSim, database: &str) -> Tds {
    let mut config = Config::new();
    config.host("127.0.0.1");
    config.port(sim.tds_addr().port());
    config.database(database);
    config.authentication(AuthMethod::sql_server(USER, PASSWORD));
    config.encryption(EncryptionLevel::NotSupported);
    let tcp = TcpStream::connect(config.get_addr()).await.expect("the simulator accepts TCP");
    tcp.set_nodelay(true).unwrap();
    Client::connect(config, tcp.compat_write()).await.expect("the integration login works")
}

pub async fn rows(client: &mut Tds, sql: &str, params: &[&dyn tiberius::ToSql]) -> Vec<tiberius::Row> {
    client
        .query(sql, params)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_first_result()
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// One card as multiMAX shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct CardView {
    pub card_id: i32,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company_id: Option<i32>,
    pub card_format: Option<i32>,
    pub pin: Option<String>,
    pub inactive: bool,
    pub active: Option<NaiveDateTime>,
    pub expiry: Option<NaiveDateTime>,
}

/// The card `number` (facility code [`FACILITY`]), read from ViewSMSCardHolders and CardInfoTable.
pub async fn card(sim: &RunningSim, number: i32) -> Option<CardView> {
    let mut client = tds(sim, "multiMAX").await;
    let key: [&dyn tiberius::ToSql; 2] = [&number, &(FACILITY as i32)];
    let found = rows(
        &mut client,
        "SELECT CardID, FirstName, LastName, CompanyID, PINNumber, Inactive, ActiveDateTime, ExpirationDateTime \
         FROM dbo.ViewSMSCardHolders WHERE CardNumber = @P1 AND CustomerCodeNumber = @P2",
        &key,
    )
    .await;
    let formats = rows(
        &mut client,
        "SELECT CardFormat FROM dbo.CardInfoTable WHERE CardNumber = @P1 AND CustomerCodeNumber = @P2",
        &key,
    )
    .await;
    found.first().map(|row| CardView {
        card_id: row.get("CardID").unwrap(),
        first_name: row.get::<&str, _>("FirstName").map(String::from),
        last_name: row.get::<&str, _>("LastName").map(String::from),
        company_id: row.get("CompanyID"),
        card_format: formats.first().and_then(|f| f.get("CardFormat")),
        pin: row.get::<&str, _>("PINNumber").map(String::from),
        inactive: row.get("Inactive").unwrap_or(false),
        active: row.get("ActiveDateTime"),
        expiry: row.get("ExpirationDateTime"),
    })
}

/// How many cards multiMAX has in all.
pub async fn card_count(sim: &RunningSim) -> usize {
    let mut client = tds(sim, "multiMAX").await;
    rows(&mut client, "SELECT CardID FROM dbo.CardInfoTable", &[]).await.len()
}

/// The names of the access codes on CardID `card_id`.
pub async fn access_rights(sim: &RunningSim, card_id: i32) -> Vec<String> {
    let mut client = tds(sim, "multiMAX").await;
    let found =
        rows(&mut client, "SELECT AccessGroupName FROM dbo.ViewAccessRights WHERE CardID = @P1", &[&card_id]).await;
    let mut names: Vec<String> =
        found.iter().filter_map(|r| r.get::<&str, _>("AccessGroupName").map(String::from)).collect();
    names.sort();
    names
}

/// Personal data field `field` of CardID `card_id`.
pub async fn personal_data(sim: &RunningSim, card_id: i32, field: u8) -> Option<String> {
    let mut client = tds(sim, "multiMAX").await;
    let sql =
        format!("SELECT PersonalData{field} AS Value FROM dbo.ViewSMSCardHolderPersonalData1_25 WHERE CardID = @P1");
    let found = rows(&mut client, &sql, &[&card_id]).await;
    found.first().and_then(|r| r.get::<&str, _>("Value").map(String::from)).filter(|v| !v.is_empty())
}

/// Gatehouse's marker fields (48 Source, 49 IdentityId, 50 VisitId) of CardID `card_id`.
pub async fn marker_fields(sim: &RunningSim, card_id: i32) -> [Option<String>; 3] {
    let mut client = tds(sim, "multiMAX").await;
    let sql = "SELECT PersonalData48, PersonalData49, PersonalData50 FROM dbo.ViewSMSCardHolderPersonalData26_50 WHERE CardID = @P1";
    let found = rows(&mut client, sql, &[&card_id]).await;
    let field =
        |column: &str| found.first().and_then(|r| r.get::<&str, _>(column).map(String::from)).filter(|v| !v.is_empty());
    [field("PersonalData48"), field("PersonalData49"), field("PersonalData50")]
}

/// The CardIDs whose VisitId field (50) holds `visit`, whatever their source.
pub async fn cards_marked_with(sim: &RunningSim, visit: &str) -> Vec<i32> {
    let mut client = tds(sim, "multiMAX").await;
    let sql = "SELECT CardID FROM dbo.ViewSMSCardHolderPersonalData26_50 WHERE PersonalData50 = @P1";
    let found = rows(&mut client, sql, &[&visit]).await;
    let mut ids: Vec<i32> = found.iter().filter_map(|r| r.get("CardID")).collect();
    ids.sort_unstable();
    ids
}

/// One DataImportTable row.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRowView {
    pub record_count: i32,
    pub request: Option<i32>,
    pub status: i32,
    pub card_number: Option<i32>,
    pub batch_reference: Option<String>,
    pub import_now: Option<bool>,
}

pub async fn import_rows(sim: &RunningSim) -> Vec<ImportRowView> {
    let mut client = tds(sim, "multiMAXImport").await;
    let found = rows(
        &mut client,
        "SELECT RecordCount, RecordRequest, RecordStatus, CardNumber, BatchReference, ImportNow \
         FROM dbo.DataImportTable ORDER BY RecordCount",
        &[],
    )
    .await;
    found
        .iter()
        .map(|row| ImportRowView {
            record_count: row.get("RecordCount").unwrap(),
            request: row.get("RecordRequest"),
            status: row.get("RecordStatus").unwrap_or(0),
            card_number: row.get("CardNumber"),
            batch_reference: row.get::<&str, _>("BatchReference").map(String::from),
            import_now: row.get("ImportNow"),
        })
        .collect()
}

// --- Driving the component with the real policy planner ---------------------------------------

/// One visit handled the way the service handles it: the planner decides the steps for each
/// event, and each step runs through the component with the planner's params and window.
pub struct Flow<'a> {
    pub connector: &'a Connector,
    policy: Policy,
    supported: BTreeSet<PolicyAction>,
    visit: Option<Visit>,
    pacs_id: Option<String>,
    person: Option<PersonDetails>,
    jobs: u32,
    /// The scheduled work of the last plan (activation, revocation).
    pub scheduled: Vec<(String, Vec<PlannedStep>)>,
    /// The immediate steps of the last plan, for [`Flow::redrive`].
    last_immediate: Vec<PlannedStep>,
}

/// What one event did.
#[derive(Debug)]
pub struct Handled {
    pub ignored: Option<String>,
    pub outcomes: Vec<(PolicyAction, Outcome)>,
}

impl<'a> Flow<'a> {
    /// The policy (TOML) is validated against the component's own manifest, as the service does.
    pub fn new(connector: &'a Connector, policy_toml: &str) -> Self {
        let policy = policy::parse(policy_toml).expect("the policy parses");
        let pools =
            [gatehouse::domain::CardPool { facility_code: FACILITY as u32, format: "4".into(), min: 1000, max: 1099 }];
        let supported =
            policy::validate(&policy, &policy_manifest(connector), &pools).expect("the policy fits the plugin");
        Flow {
            connector,
            policy,
            supported,
            visit: None,
            pacs_id: None,
            person: None,
            jobs: 0,
            scheduled: Vec::new(),
            last_immediate: Vec::new(),
        }
    }

    pub async fn handle(&mut self, event: VisitorEvent, now: DateTime<Utc>) -> Result<Handled, CallError> {
        match &event {
            VisitorEvent::VisitInvited(invite) | VisitorEvent::VisitUpdated(invite) => {
                self.person = Some(invite.person.clone())
            }
            VisitorEvent::VisitorSignedIn(sign_in) => self.person = Some(sign_in.person.clone()),
            _ => {}
        }
        let context = PlanContext { policy: &self.policy, supported: &self.supported, visit: self.visit.as_ref(), now };
        let plan = policy::plan(&event, &context);
        if plan.visit.is_some() {
            self.visit = plan.visit.clone();
        }
        if plan.replaces_schedule() {
            self.scheduled = plan.scheduled.iter().map(|w| (w.purpose.to_string(), w.steps.clone())).collect();
        }
        self.last_immediate.clone_from(&plan.immediate);
        let outcomes = self.run_steps(&plan.immediate).await?;
        Ok(Handled { ignored: plan.ignored, outcomes })
    }

    /// Runs the immediate steps of the last plan again as a new job, under new idempotency keys
    /// (an operator's redrive of the provisioning job).
    pub async fn redrive(&mut self) -> Result<Vec<(PolicyAction, Outcome)>, CallError> {
        let steps = self.last_immediate.clone();
        self.run_steps(&steps).await
    }

    /// Runs the scheduled work named `purpose` ("activate", "revoke") of the last plan.
    pub async fn run_scheduled(&mut self, purpose: &str) -> Result<Vec<(PolicyAction, Outcome)>, CallError> {
        let steps = self.scheduled.iter().find(|(p, _)| p == purpose).map(|(_, s)| s.clone()).unwrap_or_default();
        self.run_steps(&steps).await
    }

    async fn run_steps(&mut self, steps: &[PlannedStep]) -> Result<Vec<(PolicyAction, Outcome)>, CallError> {
        self.jobs += 1;
        let mut outcomes = Vec::new();
        for (seq, step) in steps.iter().enumerate() {
            let StepAction::Connector(kind) = step.action else { continue };
            let action = self.action(kind, step);
            let key = format!("job-{}/{seq}", self.jobs);
            let outcome = self.connector.run_with_key(action, step.params.clone(), &key).await?;
            if outcome.pacs_id.is_some() {
                self.pacs_id.clone_from(&outcome.pacs_id);
            }
            outcomes.push((kind, outcome));
        }
        Ok(outcomes)
    }

    fn action(&self, kind: PolicyAction, step: &PlannedStep) -> Action {
        let visit = self.visit.as_ref().expect("visitor steps belong to a visit");
        let details = self.person.clone().unwrap_or_default();
        let who = PersonRef {
            kind: PersonKind::Visitor,
            external_id: visit.visit_id.to_string(),
            pacs_id: self.pacs_id.clone(),
            email: details.email.clone(),
        };
        let windowed = || Windowed {
            who: who.clone(),
            window: step.window.map(|w| window(w.starts_at(), w.ends_at())).expect("a windowed step has a window"),
        };
        let contact = |value: &Option<String>| value.clone().filter(|_| step.include_contact);
        match kind {
            PolicyAction::UpsertPerson => Action::UpsertPerson(Person {
                identity: who.clone(),
                first_name: details.first_name.clone(),
                last_name: details.last_name.clone(),
                phone: contact(&details.phone),
                company: contact(&details.company),
                host_name: contact(&details.host_name),
                include_contact: step.include_contact,
            }),
            PolicyAction::SetAccessWindow => Action::SetAccessWindow(windowed()),
            PolicyAction::IssueCard => Action::IssueCard(windowed()),
            PolicyAction::IssuePin => Action::IssuePin(windowed()),
            PolicyAction::AddGroups => Action::AddGroups(who),
            PolicyAction::RemoveGroups => Action::RemoveGroups(who),
            PolicyAction::RevokeCredentials => Action::RevokeCredentials(who),
            PolicyAction::Activate => Action::Activate(who),
            PolicyAction::Deactivate => Action::Deactivate(who),
            PolicyAction::CheckOut => Action::CheckOut(who),
            PolicyAction::ErasePerson => Action::ErasePerson(who),
            PolicyAction::SetPhoto => {
                let photo = details.photo.clone().expect("set-photo is planned only for a person with a photo");
                Action::SetPhoto(PhotoUpdate {
                    who,
                    content_type: photo.content_type.as_str().to_string(),
                    data: photo.data,
                })
            }
        }
    }
}

/// The component's manifest as the service's policy validator reads it.
fn policy_manifest(connector: &Connector) -> PolicyManifest {
    let manifest = connector.manifest();
    PolicyManifest {
        plugin_id: manifest.plugin_id.clone(),
        version: manifest.version.clone(),
        actions: manifest
            .actions
            .iter()
            .map(|a| PolicyDescriptor {
                kind: policy_kind(a.kind),
                description: a.description.clone(),
                params_schema: serde_json::from_str(&a.params_schema).expect("params schemas are JSON"),
            })
            .collect(),
        emits_events: manifest.emits_events,
    }
}

fn policy_kind(kind: ActionKind) -> PolicyAction {
    match kind {
        ActionKind::UpsertPerson => PolicyAction::UpsertPerson,
        ActionKind::SetAccessWindow => PolicyAction::SetAccessWindow,
        ActionKind::AddGroups => PolicyAction::AddGroups,
        ActionKind::RemoveGroups => PolicyAction::RemoveGroups,
        ActionKind::IssueCard => PolicyAction::IssueCard,
        ActionKind::IssuePin => PolicyAction::IssuePin,
        ActionKind::RevokeCredentials => PolicyAction::RevokeCredentials,
        ActionKind::Activate => PolicyAction::Activate,
        ActionKind::Deactivate => PolicyAction::Deactivate,
        ActionKind::CheckOut => PolicyAction::CheckOut,
        ActionKind::ErasePerson => PolicyAction::ErasePerson,
        ActionKind::SetPhoto => PolicyAction::SetPhoto,
    }
}
