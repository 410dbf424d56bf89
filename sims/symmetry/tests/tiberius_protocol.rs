//! tiberius, a real SQL Server client, against the simulator over real sockets: the three
//! encryption modes, login failures, typed parameters, large values, errors, databases.

mod common;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use common::*;
use gatehouse_sim_symmetry::{Fault, ObjectId, Permission, Value};
use tiberius::EncryptionLevel;

async fn transports(sim: &gatehouse_sim_symmetry::RunningSim) -> serde_json::Value {
    sim.dump()["connections"].clone()
}

#[tokio::test]
async fn tiberius_connects_in_plaintext_when_it_cannot_encrypt() {
    let sim = start().await;
    let mut client = connect_with(config(&sim, USER, PASSWORD, EncryptionLevel::NotSupported)).await.unwrap();
    let rows = rows(&mut client, "SELECT 1", &[]).await;
    assert_eq!(rows[0].get::<i32, _>(0), Some(1));
    assert_eq!(transports(&sim).await["plaintext"], 1);
}

#[tokio::test]
async fn tiberius_connects_with_full_tls_trusting_the_self_signed_certificate() {
    let sim = start().await;
    let mut client = connect_with(config(&sim, USER, PASSWORD, EncryptionLevel::Required)).await.unwrap();
    let rows =
        rows(&mut client, "SELECT CompanyName FROM multiMAX.dbo.CompanyTable WHERE CompanyID = @P1", &[&1i32]).await;
    assert_eq!(rows[0].get::<&str, _>(0), Some("Acme Corporation"));
    assert_eq!(transports(&sim).await["full_tls"], 1);
}

#[tokio::test]
async fn tiberius_verifies_the_certificate_against_its_pem() {
    let sim = start().await;
    let dir = std::env::temp_dir().join(format!("symmetry-sim-cert-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pem = dir.join("server.pem");
    std::fs::write(&pem, sim.cert_pem().unwrap()).unwrap();
    let mut config = tiberius::Config::new();
    config.host("localhost");
    config.port(sim.tds_addr().port());
    config.authentication(tiberius::AuthMethod::sql_server(USER, PASSWORD));
    config.encryption(EncryptionLevel::Required);
    config.trust_cert_ca(pem.to_string_lossy());
    let mut client = connect_with(config).await.unwrap();
    assert_eq!(rows(&mut client, "SELECT 2", &[]).await[0].get::<i32, _>(0), Some(2));
}

#[tokio::test]
async fn tiberius_encrypts_only_the_login_when_it_offers_encryption_off() {
    let sim = start().await;
    let mut client = connect_with(config(&sim, USER, PASSWORD, EncryptionLevel::Off)).await.unwrap();
    // Several round trips after the downgrade to plaintext.
    for i in 0..3i32 {
        let rows = rows(&mut client, "SELECT @P1 + 1", &[&i]).await;
        assert_eq!(rows[0].get::<i32, _>(0), Some(i + 1));
    }
    assert_eq!(transports(&sim).await["login_only_tls"], 1);
}

#[tokio::test]
async fn a_wrong_password_gets_error_18456_and_the_connection_ends() {
    let sim = start().await;
    for encryption in [EncryptionLevel::NotSupported, EncryptionLevel::Off, EncryptionLevel::Required] {
        let err = connect_with(config(&sim, USER, "wrong", encryption)).await.expect_err("login refused");
        let token = server_error(err);
        assert_eq!((token.code(), token.class(), token.state()), (18456, 14, 1));
        assert_eq!(token.message(), "Login failed for user 'gatehouse'.");
        assert_eq!(token.server(), "SYMMETRY-SIM");
    }
    let unknown =
        server_error(connect_with(config(&sim, "nobody", "x", EncryptionLevel::NotSupported)).await.err().unwrap());
    assert_eq!(unknown.code(), 18456);
}

#[tokio::test]
async fn a_login_to_an_unmapped_database_is_refused_with_4060() {
    let sim = start().await;
    let mut config = config(&sim, "multimaxonly", "MultiMax-Sim-2024!", EncryptionLevel::NotSupported);
    config.database("multiMAXImport");
    let token = server_error(connect_with(config).await.err().unwrap());
    assert_eq!(token.code(), 4060);
}

#[tokio::test]
async fn every_parameter_type_and_null_round_trips() {
    let sim = start().await;
    let mut client = connect(&sim).await;
    let when = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap().and_hms_micro_opt(9, 30, 15, 123_456).unwrap();
    let zoned: DateTime<Utc> = Utc.with_ymd_and_hms(2024, 5, 1, 13, 30, 0).unwrap();
    let bytes: &[u8] = &[0, 1, 2, 255];
    let echoed = rows(
        &mut client,
        "SELECT @P1 AS i, @P2 AS b, @P3 AS f, @P4 AS s, @P5 AS v, @P6 AS d2, @P7 AS dto, CAST(@P6 AS datetime) AS dt, @P8 AS big",
        &[&42i32, &true, &2.5f64, &"Zoë", &bytes, &when, &zoned, &(1i64 << 40)],
    )
    .await;
    let row = &echoed[0];
    assert_eq!(row.get::<i32, _>("i"), Some(42));
    assert_eq!(row.get::<bool, _>("b"), Some(true));
    assert_eq!(row.get::<f64, _>("f"), Some(2.5));
    assert_eq!(row.get::<&str, _>("s"), Some("Zoë"));
    assert_eq!(row.get::<&[u8], _>("v"), Some(bytes));
    assert_eq!(row.get::<NaiveDateTime, _>("d2"), Some(when));
    assert_eq!(row.get::<DateTime<Utc>, _>("dto"), Some(zoned));
    // datetime keeps 1/300 s: .123456 rounds to .123333...
    let dt: NaiveDateTime = row.get("dt").unwrap();
    assert_eq!(dt, NaiveDate::from_ymd_opt(2024, 5, 1).unwrap().and_hms_nano_opt(9, 30, 15, 123_333_333).unwrap());
    assert_eq!(row.get::<i64, _>("big"), Some(1 << 40));

    let nulls = rows(
        &mut client,
        "SELECT @P1 AS i, @P2 AS b, @P3 AS s, @P4 AS d2, @P5 AS dto",
        &[
            &Option::<i32>::None as &dyn tiberius::ToSql,
            &Option::<bool>::None,
            &Option::<&str>::None,
            &Option::<NaiveDateTime>::None,
            &Option::<DateTime<FixedOffset>>::None,
        ],
    )
    .await;
    assert_eq!(nulls[0].get::<i32, _>(0), None);
    assert_eq!(nulls[0].get::<bool, _>(1), None);
    assert_eq!(nulls[0].get::<&str, _>(2), None);
    assert_eq!(nulls[0].get::<NaiveDateTime, _>(3), None);
    assert_eq!(nulls[0].get::<DateTime<FixedOffset>, _>(4), None);
}

#[tokio::test]
async fn a_large_nvarchar_max_value_round_trips_across_many_packets() {
    let sim = start().await;
    let mut client = connect(&sim).await;
    let text: String = (0..300_000).map(|i| char::from_u32(0x41 + (i % 26)).unwrap()).chain("→✓".chars()).collect();
    let rows = rows(&mut client, "SELECT @P1 AS echoed, LEN(@P1) AS length", &[&text.as_str()]).await;
    assert_eq!(rows[0].get::<&str, _>("echoed"), Some(text.as_str()));
    assert_eq!(rows[0].get::<i32, _>("length"), Some(300_002));
}

#[tokio::test]
async fn an_unsupported_statement_is_an_error_not_an_empty_result() {
    let sim = start().await;
    let mut client = connect(&sim).await;
    let err = client.execute("DELETE FROM multiMAXImport.dbo.DataImportTable", &[]).await.err().unwrap();
    let token = server_error(err);
    assert_eq!(token.code(), 50000);
    assert!(token.message().contains("does not support DELETE"), "{}", token.message());
    let syntax = server_error(client.simple_query("SELEKT 1").await.err().unwrap());
    assert_eq!(syntax.code(), 102);
    // The connection is still usable afterwards.
    assert_eq!(rows(&mut client, "SELECT 3", &[]).await[0].get::<i32, _>(0), Some(3));
}

#[tokio::test]
async fn use_switches_databases_and_three_part_names_reach_both() {
    let sim = start().await;
    let mut client = connect(&sim).await;
    let before = rows(&mut client, "SELECT DB_NAME()", &[]).await;
    assert_eq!(before[0].get::<&str, _>(0), Some("multiMAX"));
    client.simple_query("USE [multiMAXImport]").await.unwrap().into_results().await.unwrap();
    let after = rows(&mut client, "SELECT DB_NAME(), COUNT(*) FROM MessageTable", &[]).await;
    assert_eq!(after[0].get::<&str, _>(0), Some("multiMAXImport"));
    let cards =
        rows(&mut client, "SELECT COUNT(*) FROM multiMAX.dbo.CardInfoTable WHERE Inactive = @P1", &[&true]).await;
    assert_eq!(cards[0].get::<i32, _>(0), Some(4));
    let missing = server_error(client.simple_query("SELECT * FROM CardInfoTable").await.err().unwrap());
    assert_eq!((missing.code(), missing.message()), (208, "Invalid object name 'CardInfoTable'."));
}

#[tokio::test]
async fn execute_reports_rows_affected_per_statement() {
    let sim = start().await;
    let mut client = connect(&sim).await;
    let result = client
        .execute(
            "INSERT INTO multiMAXImport.dbo.DataImportTable (RecordRequest, CardNumber, CustomerCode) VALUES (@P1, 1, 1), (@P1, 2, 1)",
            &[&2i32],
        )
        .await
        .unwrap();
    assert_eq!(result.rows_affected(), &[2]);
    assert_eq!(sim.rows(ObjectId::DataImportTable).len(), 2);
}

#[tokio::test]
async fn an_injected_permission_error_reaches_the_client_as_229() {
    let sim = start().await;
    let mut client = connect(&sim).await;
    sim.inject(Fault::DenyObject { object: "DataImportTable".into(), permission: Some(Permission::Insert) });
    let err = client
        .execute("INSERT INTO multiMAXImport.dbo.DataImportTable (RecordRequest) VALUES (1)", &[])
        .await
        .err()
        .unwrap();
    let token = server_error(err);
    assert_eq!((token.code(), token.class(), token.state()), (229, 14, 5));
    assert_eq!(
        token.message(),
        "The INSERT permission was denied on the object 'DataImportTable', database 'multiMAXImport', schema 'dbo'."
    );
    // Reading is still allowed; clearing the fault restores writing.
    rows(&mut client, "SELECT COUNT(*) FROM multiMAXImport.dbo.DataImportTable", &[]).await;
    sim.clear_faults();
    client.execute("INSERT INTO multiMAXImport.dbo.DataImportTable (RecordRequest) VALUES (1)", &[]).await.unwrap();

    sim.inject(Fault::DenyNextStatements { count: 1 });
    let denied = server_error(client.query("SELECT * FROM multiMAX.dbo.CompanyTable", &[]).await.err().unwrap());
    assert_eq!(denied.code(), 229);
    rows(&mut client, "SELECT * FROM multiMAX.dbo.CompanyTable", &[]).await;
}

#[tokio::test]
async fn a_login_denied_the_import_table_gets_229() {
    let sim = start().await;
    let mut client =
        connect_with(config(&sim, "readonly", "ReadOnly-Sim-2024!", EncryptionLevel::NotSupported)).await.unwrap();
    let err = client
        .execute("INSERT INTO multiMAXImport.dbo.DataImportTable (RecordRequest) VALUES (1)", &[])
        .await
        .err()
        .unwrap();
    assert_eq!(server_error(err).code(), 229);
}

#[tokio::test]
async fn a_connection_dropped_after_the_insert_keeps_the_row_and_one_dropped_before_does_not() {
    let sim = start().await;
    let insert = "INSERT INTO multiMAXImport.dbo.DataImportTable (RecordRequest, BatchReference) VALUES (2, @P1)";
    sim.inject(Fault::DropConnections {
        count: 1,
        when: gatehouse_sim_symmetry::DropPoint::AfterExecute,
        matching: Some("DataImportTable".into()),
    });
    let mut client = connect(&sim).await;
    let err = client.execute(insert, &[&"after"]).await.expect_err("the connection drops");
    assert!(!matches!(err, tiberius::error::Error::Server(_)), "{err:?}");

    sim.inject(Fault::DropConnections {
        count: 1,
        when: gatehouse_sim_symmetry::DropPoint::BeforeExecute,
        matching: None,
    });
    let mut client = connect(&sim).await;
    assert!(client.execute(insert, &[&"before"]).await.is_err());

    let mut client = connect(&sim).await;
    let stored = rows(&mut client, "SELECT BatchReference FROM multiMAXImport.dbo.DataImportTable", &[]).await;
    let refs: Vec<&str> = stored.iter().filter_map(|r| r.get::<&str, _>(0)).collect();
    assert_eq!(refs, vec!["after"]);
    assert!(sim.active_faults().is_empty());
}

#[tokio::test]
async fn bare_output_fails_as_on_a_table_with_a_trigger_and_output_into_works() {
    let sim = start().await;
    let mut client = connect(&sim).await;
    let bare = client
        .query(
            "INSERT INTO multiMAXImport.dbo.DataImportTable (RecordRequest) OUTPUT INSERTED.RecordCount VALUES (0)",
            &[],
        )
        .await
        .err()
        .unwrap();
    assert_eq!(server_error(bare).code(), 334);
    let id = insert_import_row(&mut client, "RecordRequest, CardNumber", &[&2i32, &5001i32]).await;
    assert_eq!(id, 1);
    let identity =
        rows(&mut client, "SELECT CAST(IDENT_CURRENT('multiMAXImport.dbo.DataImportTable') AS int)", &[]).await;
    assert_eq!(identity[0].get::<i32, _>(0), Some(1));
    let stored = sim.rows(ObjectId::DataImportTable);
    assert_eq!(stored[0][0], Value::Int(1));
}
