//! Protocol details no convenient client exposes, checked with a hand-rolled TDS client over a
//! real socket: attention (cancel), the negotiated packet size in both directions, forced
//! encryption and old protocol versions.

mod common;

use std::time::Duration;

use common::*;
use gatehouse_sim_symmetry::{EncryptionPolicy, SimConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const PRELOGIN: u8 = 0x12;
const LOGIN7: u8 = 0x10;
const SQL_BATCH: u8 = 0x01;
const ATTENTION: u8 = 0x06;
const DONE: u8 = 0xFD;
const DONE_ATTN: u16 = 0x20;

struct Raw {
    tcp: TcpStream,
}

struct Packet {
    status: u8,
    length: usize,
    body: Vec<u8>,
}

impl Raw {
    async fn open(port: u16) -> Raw {
        let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        Raw { tcp }
    }

    /// PRELOGIN without encryption, then LOGIN7 asking for `packet_size`.
    async fn login(port: u16, packet_size: u32) -> (Raw, Vec<u8>) {
        let mut raw = Raw::open(port).await;
        raw.send(PRELOGIN, &prelogin(2), 4096).await;
        raw.read_message().await;
        raw.send(LOGIN7, &login7(USER, PASSWORD, packet_size, 0x7400_0004), 4096).await;
        let response = raw.read_message().await;
        (raw, response.iter().flat_map(|p| p.body.clone()).collect())
    }

    async fn send(&mut self, kind: u8, payload: &[u8], packet_size: usize) {
        let chunks: Vec<&[u8]> = payload.chunks(packet_size - 8).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            let mut packet = vec![kind, (i + 1 == chunks.len()) as u8];
            packet.extend_from_slice(&((chunk.len() + 8) as u16).to_be_bytes());
            packet.extend_from_slice(&[0, 0, (i + 1) as u8, 0]);
            packet.extend_from_slice(chunk);
            self.tcp.write_all(&packet).await.unwrap();
        }
        if payload.is_empty() {
            self.tcp.write_all(&[kind, 1, 0, 8, 0, 0, 1, 0]).await.unwrap();
        }
    }

    /// Packets up to and including the one marked end-of-message.
    async fn read_message(&mut self) -> Vec<Packet> {
        let mut packets = Vec::new();
        loop {
            let mut header = [0u8; 8];
            self.tcp.read_exact(&mut header).await.unwrap();
            let length = u16::from_be_bytes([header[2], header[3]]) as usize;
            let mut body = vec![0u8; length - 8];
            self.tcp.read_exact(&mut body).await.unwrap();
            let status = header[1];
            packets.push(Packet { status, length, body });
            if status & 1 == 1 {
                return packets;
            }
        }
    }
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
}

fn prelogin(encryption: u8) -> Vec<u8> {
    // VERSION (6 bytes) and ENCRYPTION (1 byte), then the terminator.
    let mut p = vec![0, 0, 11, 0, 6, 1, 0, 17, 0, 1, 0xFF];
    p.extend_from_slice(&[0, 0, 0, 0, 0, 0, encryption]);
    p
}

fn login7(user: &str, password: &str, packet_size: u32, tds_version: u32) -> Vec<u8> {
    let pw: Vec<u8> = utf16(password).into_iter().map(|b| b.rotate_left(4) ^ 0xA5).collect();
    let strings: [(Vec<u8>, usize); 9] = [
        (utf16("raw-test"), 8),
        (utf16(user), user.len()),
        (pw, password.len()),
        (utf16("raw"), 3),
        (vec![], 0),
        (vec![], 0),
        (vec![], 0),
        (vec![], 0),
        (utf16("multiMAX"), 8),
    ];
    let mut fixed = Vec::new();
    fixed.extend_from_slice(&0u32.to_le_bytes());
    fixed.extend_from_slice(&tds_version.to_le_bytes());
    fixed.extend_from_slice(&packet_size.to_le_bytes());
    fixed.extend_from_slice(&[0u8; 24]);
    let mut data = Vec::new();
    for (bytes, chars) in &strings {
        fixed.extend_from_slice(&((94 + data.len()) as u16).to_le_bytes());
        fixed.extend_from_slice(&(*chars as u16).to_le_bytes());
        data.extend_from_slice(bytes);
    }
    fixed.extend_from_slice(&[0u8; 6]);
    for _ in 0..3 {
        fixed.extend_from_slice(&((94 + data.len()) as u16).to_le_bytes());
        fixed.extend_from_slice(&[0, 0]);
    }
    fixed.extend_from_slice(&[0u8; 4]);
    fixed.extend(data);
    let len = fixed.len() as u32;
    fixed[0..4].copy_from_slice(&len.to_le_bytes());
    fixed
}

fn batch(sql: &str) -> Vec<u8> {
    let mut p = vec![22, 0, 0, 0, 18, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0];
    p.extend(utf16(sql));
    p
}

/// Status of the DONE token that ends a token stream.
fn final_done_status(tokens: &[u8]) -> u16 {
    let done = &tokens[tokens.len() - 13..];
    assert_eq!(done[0], DONE, "the stream ends with DONE");
    u16::from_le_bytes([done[1], done[2]])
}

fn joined(packets: &[Packet]) -> Vec<u8> {
    packets.iter().flat_map(|p| p.body.clone()).collect()
}

#[tokio::test]
async fn an_attention_cancels_a_running_waitfor_with_done_attn() {
    let sim = start().await;
    let (mut raw, _) = Raw::login(sim.tds_addr().port(), 4096).await;
    raw.send(SQL_BATCH, &batch("SELECT 1; WAITFOR DELAY '01:00:00'; SELECT 2"), 4096).await;
    raw.send(ATTENTION, &[], 4096).await;
    let reply = tokio::time::timeout(Duration::from_secs(30), raw.read_message())
        .await
        .expect("the cancel ends the hour-long wait");
    let tokens = joined(&reply);
    assert_ne!(final_done_status(&tokens) & DONE_ATTN, 0);

    // The connection carries on.
    raw.send(SQL_BATCH, &batch("SELECT 3"), 4096).await;
    let next = joined(&raw.read_message().await);
    assert_eq!(final_done_status(&next) & DONE_ATTN, 0);
}

#[tokio::test]
async fn an_attention_after_the_reply_is_still_acknowledged() {
    let sim = start().await;
    let (mut raw, _) = Raw::login(sim.tds_addr().port(), 4096).await;
    raw.send(SQL_BATCH, &batch("SELECT 1"), 4096).await;
    raw.read_message().await;
    raw.send(ATTENTION, &[], 4096).await;
    let ack = joined(&raw.read_message().await);
    assert_ne!(final_done_status(&ack) & DONE_ATTN, 0);
}

#[tokio::test]
async fn the_negotiated_packet_size_splits_replies_and_small_client_packets_are_reassembled() {
    let sim = start().await;
    let (mut raw, login) = Raw::login(sim.tds_addr().port(), 512).await;
    let packet_size_change = [&[0xE3u8][..], &[0x11, 0x00, 0x04, 0x03], &utf16("512")[..]].concat();
    assert!(login.windows(packet_size_change.len()).any(|w| w == packet_size_change), "ENVCHANGE packet size 512");

    let literal = "x".repeat(3000);
    let sql = format!("SELECT N'{literal}' AS big, CardID, PersonalData1 FROM multiMAX.dbo.ViewSMSCardHolders");
    raw.send(SQL_BATCH, &batch(&sql), 512).await;
    let reply = raw.read_message().await;
    assert!(reply.len() > 10, "a large reply spans many packets");
    assert!(reply.iter().all(|p| p.length <= 512));
    assert!(reply[..reply.len() - 1].iter().all(|p| p.status == 0));
    let tokens = joined(&reply);
    assert_eq!(final_done_status(&tokens), 0x10, "a final DONE with a row count");
    assert_eq!(u64::from_le_bytes(tokens[tokens.len() - 8..].try_into().unwrap()), 8);
}

#[tokio::test]
async fn forced_encryption_refuses_a_client_that_cannot_encrypt() {
    let sim = start_with(SimConfig { encryption: EncryptionPolicy::Required, ..SimConfig::default() }).await;
    let mut raw = Raw::open(sim.tds_addr().port()).await;
    raw.send(PRELOGIN, &prelogin(2), 4096).await;
    let reply = joined(&raw.read_message().await);
    // The ENCRYPTION option's value is ENCRYPT_REQ.
    let offset = u16::from_be_bytes([reply[6], reply[7]]) as usize;
    assert_eq!((reply[5], reply[offset]), (1, 3));
    let mut rest = Vec::new();
    assert_eq!(raw.tcp.read_to_end(&mut rest).await.unwrap(), 0, "the server closes the connection");
}

#[tokio::test]
async fn a_client_older_than_tds_7_2_is_told_so() {
    let sim = start().await;
    let mut raw = Raw::open(sim.tds_addr().port()).await;
    raw.send(PRELOGIN, &prelogin(2), 4096).await;
    raw.read_message().await;
    raw.send(LOGIN7, &login7(USER, PASSWORD, 4096, 0x7100_0001), 4096).await;
    let reply = joined(&raw.read_message().await);
    assert_eq!(reply[0], 0xAA, "an ERROR token");
    let needle = utf16("TDS versions before 7.2");
    assert!(reply.windows(needle.len()).any(|w| w == needle));
}

/// An RPC calling `sp_executesql` by name (as some drivers do) with named NVARCHAR parameters.
fn rpc_by_name(statement: &str, declarations: &str, params: &[(&str, &str)]) -> Vec<u8> {
    let mut p = vec![22, 0, 0, 0, 18, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0];
    let name = "sp_executesql";
    p.extend_from_slice(&(name.len() as u16).to_le_bytes());
    p.extend(utf16(name));
    p.extend_from_slice(&[0, 0]);
    let nvarchar = |p: &mut Vec<u8>, param_name: &str, value: &str| {
        p.push(param_name.encode_utf16().count() as u8);
        p.extend(utf16(param_name));
        p.push(0);
        p.extend_from_slice(&[0xE7, 0x40, 0x1F, 0x09, 0x04, 0xD0, 0x00, 0x34]);
        let bytes = utf16(value);
        p.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
        p.extend(bytes);
    };
    nvarchar(&mut p, "", statement);
    nvarchar(&mut p, "", declarations);
    for (n, v) in params {
        nvarchar(&mut p, n, v);
    }
    p
}

#[tokio::test]
async fn sp_executesql_called_by_name_binds_named_parameters_and_ends_with_doneproc() {
    const RPC: u8 = 0x03;
    let sim = start().await;
    let (mut raw, _) = Raw::login(sim.tds_addr().port(), 4096).await;
    let rpc = rpc_by_name(
        "SELECT AccessCodeID FROM multiMAX.dbo.AccessCodeTable WHERE AccessCodeName = @name",
        "@name nvarchar(50)",
        &[("@name", "visitor lobby")],
    );
    raw.send(RPC, &rpc, 4096).await;
    let tokens = joined(&raw.read_message().await);
    assert_eq!(tokens[0], 0x81, "COLMETADATA first");
    // ... ROW, DONEINPROC(MORE|COUNT, 1 row), RETURNSTATUS 0, DONEPROC(final).
    let tail = &tokens[tokens.len() - 31..];
    assert_eq!(&tail[..5], &[0xFF, 0x11, 0x00, 0xC1, 0x00]);
    assert_eq!(tail[5], 1);
    assert_eq!(&tail[13..18], &[0x79, 0, 0, 0, 0]);
    assert_eq!(&tail[18..21], &[0xFE, 0, 0]);
    let value = 20i32.to_le_bytes();
    assert!(tokens.windows(6).any(|w| w == [0xD1, 4, value[0], value[1], value[2], value[3]]), "the row holds 20");
}
