//! The HTTP control API, used the way a test suite in another language would: over HTTP, with
//! the effects checked over TDS.

mod common;

use common::*;
use serde_json::{json, Value as Json};

struct Control {
    http: reqwest::Client,
    base: String,
}

impl Control {
    fn new(sim: &gatehouse_sim_symmetry::RunningSim) -> Self {
        Control { http: reqwest::Client::new(), base: sim.control_url().expect("control API enabled") }
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(format!("{}{path}", self.base)).send().await.unwrap()
    }

    async fn post(&self, path: &str, body: Json) -> reqwest::Response {
        self.http.post(format!("{}{path}", self.base)).json(&body).send().await.unwrap()
    }

    async fn state(&self) -> Json {
        self.get("/state").await.json().await.unwrap()
    }
}

#[tokio::test]
async fn state_dump_shows_databases_processor_and_logins() {
    let sim = start().await;
    let control = Control::new(&sim);
    assert_eq!(control.get("/health").await.text().await.unwrap(), "ok");
    let state = control.state().await;
    assert_eq!(state["databases"]["multiMAX"]["CompanyTable"].as_array().unwrap().len(), 3);
    assert_eq!(state["databases"]["multiMAXImport"]["MessageTable"].as_array().unwrap().len(), 7);
    assert_eq!(state["processor"]["paused"], false);
    assert!(state["logins"].as_array().unwrap().contains(&json!("gatehouse")));
}

#[tokio::test]
async fn pause_run_and_resume_drive_the_processor() {
    let sim = start().await;
    let control = Control::new(&sim);
    assert!(control.post("/processor/pause", json!({})).await.status().is_success());
    assert_eq!(control.state().await["processor"]["paused"], true);
    let mut client = connect(&sim).await;
    let id =
        insert_import_row(&mut client, "RecordRequest, CardNumber, CustomerCode", &[&2i32, &5001i32, &100i32]).await;
    let ran: Json = control.post("/processor/run", json!({})).await.json().await.unwrap();
    assert_eq!(ran["processed"], 1);
    assert_eq!(wait_for_status(&mut client, id).await.0, 1);
    assert!(control.post("/processor/resume", json!({})).await.status().is_success());
    assert_eq!(control.state().await["processor"]["paused"], false);
    let dumped = &control.state().await["databases"]["multiMAXImport"]["DataImportTable"][0];
    assert_eq!(dumped["RecordStatus"], 1);
}

#[tokio::test]
async fn faults_are_injected_listed_consumed_and_cleared() {
    let sim = start().await;
    let control = Control::new(&sim);
    assert_eq!(control.post("/faults", json!({"kind": "deny_next_statements", "count": 1})).await.status(), 204);
    assert_eq!(
        control.get("/faults").await.json::<Json>().await.unwrap(),
        json!([{"kind": "deny_next_statements", "count": 1}])
    );
    let mut client = connect(&sim).await;
    let err = client.query("SELECT * FROM multiMAX.dbo.CompanyTable", &[]).await.err().unwrap();
    assert_eq!(server_error(err).code(), 229);
    assert_eq!(control.get("/faults").await.json::<Json>().await.unwrap(), json!([]));

    control.post("/faults", json!({"kind": "slow_processing", "delay_ms": 50})).await;
    assert_eq!(control.http.delete(format!("{}/faults", control.base)).send().await.unwrap().status(), 204);
    assert_eq!(control.get("/faults").await.json::<Json>().await.unwrap(), json!([]));
    assert_eq!(control.post("/faults", json!({"kind": "no_such_fault"})).await.status().as_u16(), 422);
}

#[tokio::test]
async fn a_seeded_employee_is_found_by_email_over_tds() {
    let sim = start().await;
    let control = Control::new(&sim);
    let fixture = json!({
        "companies": [{"id": 7, "name": "Umbrella Research"}],
        "access_codes": [{"id": 70, "name": "Lab Wing", "company_id": 7}],
        "cardholders": [{
            "card_id": 70, "first_name": "Alice", "last_name": "Abernathy", "company_id": 7,
            "personal_data": {"5": "Alice@Umbrella.example"},
            "cards": [{"number": 7001, "facility_code": 100, "inactive": true}],
            "access_codes": [70]
        }],
        "logins": [{"user": "second", "password": "Second-2024!"}]
    });
    assert_eq!(control.post("/fixture", fixture).await.status(), 204);
    let mut client =
        connect_with(config(&sim, "second", "Second-2024!", tiberius::EncryptionLevel::NotSupported)).await.unwrap();
    let found = rows(
        &mut client,
        "SELECT CardNumber, Inactive FROM multiMAX.dbo.ViewSMSCardHolders WHERE LOWER(PersonalData5) = LOWER(@P1)",
        &[&"alice@umbrella.example"],
    )
    .await;
    assert_eq!(found[0].get::<i32, _>(0), Some(7001));
    assert_eq!(found[0].get::<bool, _>(1), Some(true));

    let bad = json!({"cardholders": [{"card_id": 71, "company_id": 999}]});
    let response = control.post("/fixture", bad).await;
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("unknown company"));
}

#[tokio::test]
async fn the_certificate_and_the_clock_are_served() {
    let sim = start().await;
    let control = Control::new(&sim);
    let pem = control.get("/cert").await.text().await.unwrap();
    assert_eq!(pem, sim.cert_pem().unwrap());
    let put = control
        .http
        .put(format!("{}/clock", control.base))
        .json(&json!({"utc": "2024-05-01T12:00:00Z"}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 204);
    let mut client = connect(&sim).await;
    let now = rows(&mut client, "SELECT GETDATE()", &[]).await;
    let expected = chrono::NaiveDate::from_ymd_opt(2024, 5, 1).unwrap().and_hms_opt(12, 0, 0).unwrap();
    assert_eq!(now[0].get::<chrono::NaiveDateTime, _>(0), Some(expected));
}
