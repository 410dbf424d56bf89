//! FreeTDS's `tsql`, a client we did not write, against the simulator: it logs in (with each of
//! FreeTDS's encryption settings), runs queries, reads rows and sees SQL Server style errors.
//!
//! `tsql` comes from the Debian package freetds-bin; `cargo xtask test` installs it. Without it
//! these tests fail (they are never skipped).

mod common;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use common::*;
use gatehouse_sim_symmetry::RunningSim;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

fn tsql() -> PathBuf {
    std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|p| p.join("tsql")).find(|p| p.is_file()))
        .expect("FreeTDS `tsql` is not installed: install the Debian package freetds-bin (apt-get install freetds-bin), or run `cargo xtask test`, which installs it")
}

struct TsqlOutput {
    stdout: String,
    stderr: String,
}

/// Runs `script` (statements separated by `go` lines) through tsql with a private
/// freetds.conf selecting `encryption` (off | request | require).
async fn run_tsql(sim: &RunningSim, user: &str, password: &str, encryption: &str, script: &str) -> TsqlOutput {
    let dir = std::env::temp_dir().join(format!("symmetry-tsql-{}-{}", std::process::id(), sim.tds_addr().port()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join(format!("freetds-{encryption}.conf"));
    std::fs::write(&conf, format!("[global]\n\ttds version = 7.4\n\tencryption = {encryption}\n")).unwrap();
    let mut child = Command::new(tsql())
        .args(["-H", "127.0.0.1", "-p", &sim.tds_addr().port().to_string(), "-U", user, "-P", password, "-o", "q"])
        .env("FREETDSCONF", &conf)
        .env("TDSVER", "7.4")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("tsql starts");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{script}\nexit\n").as_bytes()).await.unwrap();
    drop(stdin);
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("tsql finishes")
        .expect("tsql runs");
    TsqlOutput {
        stdout: String::from_utf8_lossy(&output.stdout).into(),
        stderr: String::from_utf8_lossy(&output.stderr).into(),
    }
}

/// Data lines of tsql's output, split at tabs.
fn table(stdout: &str) -> Vec<Vec<String>> {
    stdout.lines().filter(|l| l.contains('\t')).map(|l| l.split('\t').map(str::to_string).collect()).collect()
}

#[tokio::test]
async fn tsql_reads_rows_with_each_freetds_encryption_setting() {
    let sim = start().await;
    for (encryption, transport) in [("off", "plaintext"), ("request", "login_only_tls"), ("require", "full_tls")] {
        let out = run_tsql(
            &sim,
            USER,
            PASSWORD,
            encryption,
            "SELECT CardID, FirstName, LastName, CardNumber FROM ViewSMSCardHolders WHERE CompanyID = 1 ORDER BY CardNumber\ngo",
        )
        .await;
        let rows = table(&out.stdout);
        assert_eq!(
            rows[0],
            ["CardID", "FirstName", "LastName", "CardNumber"],
            "{encryption}: {}{}",
            out.stdout,
            out.stderr
        );
        assert_eq!(rows[1], ["1", "Dana", "Scully", "5001"], "{encryption}");
        assert_eq!(rows.len(), 7, "{encryption}: header + 6 cards");
        assert_eq!(sim.dump()["connections"][transport], 1, "{encryption} negotiates {transport}");
    }
}

#[tokio::test]
async fn tsql_sees_error_18456_for_a_wrong_password() {
    let sim = start().await;
    let out = run_tsql(&sim, USER, "not-the-password", "request", "SELECT 1\ngo").await;
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(all.contains("Msg 18456 (severity 14, state 1)"), "{all}");
    assert!(all.contains("Login failed for user 'gatehouse'."), "{all}");
}

#[tokio::test]
async fn tsql_sees_errors_for_unsupported_and_missing_objects() {
    let sim = start().await;
    let out =
        run_tsql(&sim, USER, PASSWORD, "off", "UPDATE CardInfoTable SET Inactive = 0\ngo\nSELECT * FROM Nope\ngo")
            .await;
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(all.contains("Msg 50000 (severity 16, state 1)"), "{all}");
    assert!(all.contains("does not support UPDATE statements"), "{all}");
    assert!(all.contains("Invalid object name 'Nope'."), "{all}");
}

#[tokio::test]
async fn tsql_writes_an_import_row_and_reads_the_processed_result() {
    let sim = start().await;
    let script = "USE multiMAXImport\ngo\n\
                  INSERT INTO DataImportTable (RecordRequest, RecordStatus, ImportNow, CardNumber, CustomerCode, LastName, FirstName) \
                  VALUES (0, 0, 1, 1500, 100, 'Tsql', 'Tina')\ngo";
    run_tsql(&sim, USER, PASSWORD, "request", script).await;
    let mut client = connect(&sim).await;
    assert_eq!(wait_for_status(&mut client, 1).await.0, 1);
    let out = run_tsql(
        &sim,
        USER,
        PASSWORD,
        "request",
        "SELECT FirstName, Inactive FROM multiMAX.dbo.ViewSMSCardHolders WHERE CardNumber = 1500\ngo",
    )
    .await;
    assert_eq!(table(&out.stdout)[1], ["Tina", "0"], "{}{}", out.stdout, out.stderr);
}
