//! The supported statement shapes, run against the default fixture without a socket.

use std::sync::Arc;

use super::*;
use crate::config::{Login, StatusCodes};
use crate::faults::{Fault, Faults};
use crate::fixture::Fixture;
use crate::model::schema::Database;
use crate::model::Catalog;
use crate::value::{Len, SqlType, Value};

struct Harness {
    catalog: Catalog,
    session: Session,
    faults: Faults,
    trigger: bool,
}

impl Harness {
    fn new() -> Self {
        Self::with_login(Login::new("tester", "pw"))
    }

    fn with_login(login: Login) -> Self {
        let mut catalog = Catalog::new(&StatusCodes::default().messages());
        Fixture::default_fixture().apply(&mut catalog.multimax).unwrap();
        Harness {
            catalog,
            session: Session::new(51, Arc::new(login), Database::MultiMax),
            faults: Faults::default(),
            trigger: true,
        }
    }

    fn run(&mut self, sql: &str) -> Result<Vec<Output>, SqlError> {
        let env = Environment {
            server_name: "SIM",
            now_utc: "2024-05-01T12:00:00Z".parse().unwrap(),
            time_zone: chrono_tz::America::New_York,
            import_table_has_trigger: self.trigger,
            faults: &self.faults,
        };
        let mut out = Vec::new();
        for statement in parse_batch(sql)? {
            let mut exec = Executor { catalog: &mut self.catalog, session: &mut self.session, env: &env };
            out.extend(exec.execute(&statement)?);
        }
        self.session.end_batch();
        Ok(out)
    }

    /// The rows of the last result set.
    fn rows(&mut self, sql: &str) -> Vec<Vec<Value>> {
        self.result(sql).rows
    }

    fn result(&mut self, sql: &str) -> ResultSet {
        let outputs = self.run(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        outputs
            .into_iter()
            .rev()
            .find_map(|o| match o {
                Output::Rows(r) => Some(r),
                _ => None,
            })
            .expect("a result set")
    }

    fn error(&mut self, sql: &str) -> SqlError {
        self.run(sql).expect_err(sql)
    }
}

fn ints(rows: &[Vec<Value>]) -> Vec<i64> {
    rows.iter().map(|r| r[0].as_i64().unwrap()).collect()
}

#[test]
fn select_1_and_the_version_probe() {
    let mut h = Harness::new();
    assert_eq!(h.rows("SELECT 1"), vec![vec![Value::Int(1)]]);
    let version = h.rows("select @@VERSION");
    assert!(version[0][0].as_str().unwrap().starts_with("Microsoft SQL Server 2019"));
    let props = h.rows("SELECT SERVERPROPERTY('ProductVersion'), SERVERPROPERTY('EngineEdition'), @@SPID, DB_NAME()");
    assert_eq!(props[0], vec![Value::str("15.0.2000.5"), Value::Int(2), Value::Int(51), Value::str("multiMAX")]);
}

#[test]
fn email_lookup_matches_trimmed_and_case_insensitively() {
    let mut h = Harness::new();
    let rows = h.rows(
        "SELECT c.[CardID], c.CardNumber FROM [multiMAX].[dbo].[ViewSMSCardHolders] c \
         WHERE LOWER(LTRIM(RTRIM(c.PersonalData5))) = LOWER(N'FOX.MULDER@example.com')",
    );
    assert_eq!(rows, vec![vec![Value::Int(2), Value::Int(5002)]]);
    // The collation alone is case-insensitive, as on a real server.
    let rows =
        h.rows("select CardID from ViewSMSCardHolderPersonalData1_25 where PersonalData5 = 'DANA.SCULLY@EXAMPLE.COM'");
    assert_eq!(ints(&rows), vec![1]);
}

#[test]
fn where_supports_in_like_between_and_or_and_null_tests() {
    let mut h = Harness::new();
    let sql = "SELECT CardNumber FROM CardInfoTable WHERE (CustomerCodeNumber IN (100, 300) AND CardNumber BETWEEN 5000 AND 5003) \
               OR CardNumber = 6001 ORDER BY CardNumber DESC";
    assert_eq!(ints(&h.rows(sql)), vec![6001, 5003, 5002, 5001]);
    assert_eq!(
        ints(&h.rows("SELECT AccessCodeID FROM AccessCodeTable WHERE AccessCodeName LIKE 'visitor%' ORDER BY 1")),
        vec![20, 21]
    );
    assert_eq!(
        ints(&h.rows("SELECT CardID FROM ViewSMSCardHolderPersonalData1_25 WHERE PersonalData5 IS NULL")),
        vec![6, 7]
    );
}

#[test]
fn top_count_max_and_distinct() {
    let mut h = Harness::new();
    assert_eq!(ints(&h.rows("SELECT TOP 2 CompanyID FROM CompanyTable ORDER BY CompanyName")), vec![1, 2]);
    assert_eq!(ints(&h.rows("SELECT TOP (@@SPID - 50) CompanyID FROM CompanyTable")), vec![1]);
    assert_eq!(h.rows("SELECT COUNT(*) FROM CardInfoTable WHERE Inactive = 1"), vec![vec![Value::Int(4)]]);
    let max = h.result("SELECT MAX(CardNumber) AS HighestCard FROM CardInfoTable WHERE CustomerCodeNumber = 100 AND CardNumber BETWEEN 1000 AND 1999");
    assert_eq!(max.columns[0].name, "HighestCard");
    assert_eq!(max.columns[0].ty, SqlType::Int);
    assert_eq!(max.rows, vec![vec![Value::Int(1000)]]);
    assert_eq!(ints(&h.rows("SELECT DISTINCT CompanyID FROM CardHolderTable ORDER BY CompanyID")), vec![1, 2, 3]);
    assert_eq!(h.error("SELECT CardID, COUNT(*) FROM CardInfoTable").number, 8120);
}

#[test]
fn joins_and_subqueries() {
    let mut h = Harness::new();
    let rows = h.rows(
        "SELECT h.CardID, a.AccessGroupName FROM ViewSMSCardHolders h JOIN ViewAccessRights a ON a.CardID = h.CardID \
         WHERE h.CardNumber = 5001 ORDER BY a.AccessCodeID",
    );
    assert_eq!(
        rows.iter().map(|r| r[1].clone()).collect::<Vec<_>>(),
        vec![Value::str("Main Entrance"), Value::str("Lobby Turnstiles")]
    );
    let free = h.rows(
        "SELECT CardNumber FROM CardInfoTable c WHERE CustomerCodeNumber = 100 AND NOT EXISTS \
         (SELECT 1 FROM multiMAXImport.dbo.DataImportTable d WHERE d.CardNumber = c.CardNumber AND d.RecordStatus = 0) \
         AND CardNumber < 2000",
    );
    assert_eq!(ints(&free), vec![1000]);
    let left = h.rows("SELECT c.CompanyID, a.AccessCodeID FROM CompanyTable c LEFT JOIN AccessCodeTable a ON a.CompanyID = c.CompanyID AND a.AccessCodeID > 25 ORDER BY c.CompanyID");
    assert_eq!(left[0][1], Value::Null);
    assert_eq!(left[2][1], Value::Int(30));
}

#[test]
fn insert_with_output_into_and_scope_identity() {
    let mut h = Harness::new();
    let rows = h.rows(
        "DECLARE @ids TABLE (RecordCount int); \
         INSERT INTO [multiMAXImport].[dbo].[DataImportTable] (RecordRequest, RecordStatus, ImportNow, LastName, FirstName, CardNumber, CustomerCode) \
         OUTPUT INSERTED.RecordCount INTO @ids VALUES (0, 0, 1, N'Visitor', N'Vera', 1001, 100); \
         SELECT RecordCount FROM @ids",
    );
    assert_eq!(rows, vec![vec![Value::Int(1)]]);
    let identity = h.result("INSERT INTO multiMAXImport.dbo.DataImportTable (RecordRequest, CardNumber) VALUES (2, 5001); SELECT SCOPE_IDENTITY() AS id");
    assert_eq!(identity.columns[0].ty, SqlType::Decimal { precision: 38, scale: 0 });
    assert_eq!(identity.rows[0][0], Value::Decimal { mantissa: 2, scale: 0 });
    let status = h.rows("SELECT RecordStatus, ImportNow FROM multiMAXImport..DataImportTable WHERE RecordCount = 2");
    assert_eq!(status, vec![vec![Value::Int(0), Value::Bit(false)]]);
}

#[test]
fn bare_output_on_the_import_table_fails_like_a_table_with_a_trigger() {
    let mut h = Harness::new();
    let sql = "INSERT INTO multiMAXImport.dbo.DataImportTable (RecordRequest) OUTPUT INSERTED.RecordCount VALUES (1)";
    assert_eq!(h.error(sql).number, 334);
    h.trigger = false;
    assert_eq!(h.rows(sql), vec![vec![Value::Int(1)]]);
}

#[test]
fn insert_errors_match_sql_server() {
    let mut h = Harness::new();
    let long = format!("INSERT INTO multiMAXImport.dbo.DataImportTable (LastName) VALUES ('{}')", "x".repeat(41));
    let e = h.error(&long);
    assert_eq!(e.number, 2628);
    assert!(e.message.contains("table 'multiMAXImport.dbo.DataImportTable', column 'LastName'"), "{}", e.message);
    assert_eq!(h.error("INSERT INTO multiMAXImport.dbo.DataImportTable (RecordCount) VALUES (5)").number, 544);
    assert_eq!(h.error("INSERT INTO multiMAXImport.dbo.DataImportTable (CardNumber) VALUES ('abc')").number, 245);
    assert_eq!(h.error("INSERT INTO multiMAXImport.dbo.DataImportTable (CardNumber, LastName) VALUES (1)").number, 109);
    assert_eq!(h.error("INSERT INTO multiMAXImport.dbo.DataImportTable (Nope) VALUES (1)").number, 207);
    assert!(h.rows("SELECT COUNT(*) FROM multiMAXImport.dbo.DataImportTable")[0][0] == Value::Int(0));
}

#[test]
fn use_and_three_part_names() {
    let mut h = Harness::new();
    let out = h.run("USE multiMAXImport").unwrap();
    assert!(matches!(&out[0], Output::DatabaseChanged { new, .. } if new == "multiMAXImport"));
    assert_eq!(h.rows("SELECT COUNT(*) FROM MessageTable")[0][0], Value::Int(7));
    assert_eq!(h.error("SELECT * FROM CardInfoTable").number, 208);
    assert_eq!(h.rows("SELECT COUNT(*) FROM multiMAX.dbo.CardInfoTable")[0][0], Value::Int(8));
    assert_eq!(h.error("USE nowhere").number, 911);
    assert_eq!(h.error("SELECT * FROM other.dbo.CardInfoTable").number, 208);
}

#[test]
fn unmapped_databases_and_denied_objects_give_916_and_229() {
    let mut login = Login::new("limited", "pw");
    login.databases = vec!["multiMAX".into()];
    login.deny = vec![crate::config::Denial { permission: None, object: "CompanyTable".into() }];
    let mut h = Harness::with_login(login);
    assert_eq!(h.error("SELECT * FROM multiMAXImport.dbo.MessageTable").number, 916);
    let e = h.error("SELECT * FROM CompanyTable");
    assert_eq!((e.number, e.class, e.state), (229, 14, 5));
    assert_eq!(
        e.message,
        "The SELECT permission was denied on the object 'CompanyTable', database 'multiMAX', schema 'dbo'."
    );
}

#[test]
fn injected_statement_denials_count_statements_not_tables() {
    let mut h = Harness::new();
    h.faults.inject(Fault::DenyNextStatements { count: 1 });
    assert_eq!(h.error("SELECT 1 FROM CardInfoTable c JOIN CardHolderTable h ON h.CardID = c.CardID").number, 229);
    assert_eq!(h.rows("SELECT COUNT(*) FROM CardInfoTable")[0][0], Value::Int(8));
}

#[test]
fn unsupported_statements_fail_with_an_error_naming_them() {
    let mut h = Harness::new();
    for sql in [
        "UPDATE multiMAX.dbo.CardInfoTable SET Inactive = 1",
        "DELETE FROM multiMAXImport.dbo.DataImportTable",
        "TRUNCATE TABLE multiMAXImport.dbo.DataImportTable",
        "SELECT CompanyID FROM CompanyTable UNION SELECT 1",
        "SELECT CompanyID, COUNT(*) FROM CardHolderTable GROUP BY CompanyID",
        "BEGIN TRANSACTION",
        "EXEC sp_who",
        "INSERT INTO multiMAX.dbo.CompanyTable (CompanyID, CompanyName) VALUES (9, 'x')",
    ] {
        let e = h.error(sql);
        assert_eq!(e.number, error::UNSUPPORTED, "{sql}: {e}");
        assert!(e.message.contains("does not support"), "{sql}: {e}");
    }
    assert_eq!(h.error("SELEC 1").number, 102);
}

#[test]
fn set_options_nocount_and_variables() {
    let mut h = Harness::new();
    h.run("SET ANSI_NULLS ON; SET QUOTED_IDENTIFIER ON; SET TEXTSIZE 2147483647; SET TRANSACTION ISOLATION LEVEL READ COMMITTED").unwrap();
    assert_eq!(h.error("SET BANANAS ON").number, 195);
    let out = h.run("SET NOCOUNT ON; SELECT 1").unwrap();
    assert!(out.iter().any(|o| matches!(o, Output::Done { count: None, .. })));
    assert_eq!(h.rows("DECLARE @n int = 5; SET @n = @n * 2; SELECT @n + 1 AS eleven"), vec![vec![Value::Int(11)]]);
    assert_eq!(h.error("SELECT @undeclared").number, 137);
}

#[test]
fn functions_cover_dates_text_and_nulls() {
    let mut h = Harness::new();
    let row = h.rows("SELECT GETDATE(), DATEADD(minute, 90, CAST('2024-01-01 10:00' AS datetime)), ISNULL(NULL, 'x'), COALESCE(NULL, NULL, 3), LEN('ab  '), UPPER(N'é')")
        .remove(0);
    // GETDATE is the SMS server's local time (New York, UTC-4 in May).
    assert_eq!(row[0], Value::DateTime("2024-05-01T08:00:00".parse().unwrap()));
    assert_eq!(row[1], Value::DateTime("2024-01-01T11:30:00".parse().unwrap()));
    assert_eq!(&row[2..], &[Value::str("x"), Value::Int(3), Value::Int(2), Value::str("É")]);
    let typed = h.result("SELECT CAST(5 AS bit) AS b, CAST(N'abc' AS nvarchar(2)) AS s");
    assert_eq!(typed.rows[0], vec![Value::Bit(true), Value::str("ab")]);
    assert_eq!(typed.columns[1].ty, SqlType::NVarChar(Len::Limited(2)));
    assert_eq!(h.error("SELECT 1/0").number, 8134);
}

#[test]
fn personal_data_titles_and_access_codes_listing() {
    let mut h = Harness::new();
    let titles = h.rows("SELECT PersonalDataNumber, Title FROM PersonalDataTitleTable WHERE Title = 'email'");
    assert_eq!(titles, vec![vec![Value::Int(5), Value::str("Email")]]);
    let codes = h.rows("SELECT AccessCodeID, AccessCodeName FROM multiMAX.dbo.AccessCodeTable WHERE CompanyID = 2 ORDER BY AccessCodeName");
    assert_eq!(ints(&codes), vec![20, 21]);
}
