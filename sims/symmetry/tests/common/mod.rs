//! Shared by the socket-level tests: start a simulator, connect tiberius, wait for the import
//! processor. Not every test file uses every helper.
#![allow(dead_code)]

use std::time::Duration;

use gatehouse_sim_symmetry::{RunningSim, SimConfig, SymmetrySim};
use tiberius::{AuthMethod, Client, Config, EncryptionLevel};
use tokio::net::TcpStream;
use tokio_util::compat::{Compat, TokioAsyncWriteCompatExt};

pub const USER: &str = "gatehouse";
pub const PASSWORD: &str = "Gatehouse-Sim-2024!";

pub type Tds = Client<Compat<TcpStream>>;

/// A simulator whose processor ticks every few milliseconds.
pub async fn start() -> RunningSim {
    start_with(SimConfig::default()).await
}

pub async fn start_with(config: SimConfig) -> RunningSim {
    SymmetrySim::start(SimConfig { process_interval: Duration::from_millis(5), ..config })
        .await
        .expect("simulator starts")
}

pub fn config(sim: &RunningSim, user: &str, password: &str, encryption: EncryptionLevel) -> Config {
    let mut config = Config::new();
    config.host("127.0.0.1");
    config.port(sim.tds_addr().port());
    config.authentication(AuthMethod::sql_server(user, password));
    config.encryption(encryption);
    config.trust_cert();
    config
}

pub async fn connect_with(config: Config) -> tiberius::Result<Tds> {
    let tcp = TcpStream::connect(config.get_addr()).await?;
    tcp.set_nodelay(true)?;
    Client::connect(config, tcp.compat_write()).await
}

/// The integration login over plaintext.
pub async fn connect(sim: &RunningSim) -> Tds {
    connect_with(config(sim, USER, PASSWORD, EncryptionLevel::NotSupported)).await.expect("login succeeds")
}

/// Runs a query and returns the first result set.
pub async fn rows(client: &mut Tds, sql: &str, params: &[&dyn tiberius::ToSql]) -> Vec<tiberius::Row> {
    client
        .query(sql, params)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_first_result()
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

pub fn server_error(e: tiberius::error::Error) -> tiberius::error::TokenError {
    match e {
        tiberius::error::Error::Server(token) => token,
        other => panic!("expected a server error token, got {other:?}"),
    }
}

/// Inserts an import row with `ImportNow = 1` and returns its RecordCount, read back with
/// `OUTPUT ... INTO` as integrators do.
pub async fn insert_import_row(client: &mut Tds, columns: &str, values: &[&dyn tiberius::ToSql]) -> i32 {
    let placeholders: Vec<String> = (1..=values.len()).map(|i| format!("@P{i}")).collect();
    let sql = format!(
        "DECLARE @ids TABLE (RecordCount int); \
         INSERT INTO multiMAXImport.dbo.DataImportTable (RecordStatus, ImportNow, {columns}) \
         OUTPUT INSERTED.RecordCount INTO @ids VALUES (0, 1, {}); \
         SELECT RecordCount FROM @ids",
        placeholders.join(", ")
    );
    let rows = rows(client, &sql, values).await;
    rows[0].get::<i32, _>(0).expect("a RecordCount")
}

/// Polls RecordStatus until the processor has handled the row; returns status and message.
pub async fn wait_for_status(client: &mut Tds, record_count: i32) -> (i32, String) {
    let poll = async {
        loop {
            let found = rows(
                client,
                "SELECT d.RecordStatus, m.Message FROM multiMAXImport.dbo.DataImportTable d \
                 LEFT JOIN multiMAXImport.dbo.MessageTable m ON m.RecordStatus = d.RecordStatus \
                 WHERE d.RecordCount = @P1",
                &[&record_count],
            )
            .await;
            let status: i32 = found[0].get(0).expect("status");
            if status != 0 {
                let message: &str = found[0].get(1).unwrap_or_default();
                return (status, message.to_string());
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), poll).await.expect("the import processor handles the row")
}
