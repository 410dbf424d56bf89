//! A connection's opening: PRELOGIN, the TLS handshake inside PRELOGIN packets when encryption
//! is negotiated, LOGIN7 (over TLS, then back to plaintext for login-only encryption), and the
//! login response or refusal.
//!
//! A refused login gets SQL Server's error tokens and the connection is closed, as SQL Server does.

use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{ConnectionError, Stream};
use crate::config::Login;
use crate::model::schema::Database;
use crate::product;
use crate::sql::Session;
use crate::state::SimState;
use crate::tds::login7::{self, Login7};
use crate::tds::packet::{
    encode_message, read_message, Message, PacketType, DEFAULT_PACKET_SIZE, MAX_PACKET_SIZE, MIN_PACKET_SIZE,
};
use crate::tds::prelogin::{self, EncryptionPolicy, Transport};
use crate::tds::tls::PreloginFramed;
use crate::tds::tokens::{done_status, DoneKind, ServerMessage, TokenWriter};
use crate::tds::types::COLLATION;
use crate::tds::{version, ProtocolError};

/// A logged-in connection, ready for requests.
pub struct Established {
    pub stream: Box<dyn Stream>,
    pub session: Session,
    pub packet_size: usize,
}

/// Runs the opening. `Ok(None)` when the connection ended by design (refused encryption or login).
pub async fn establish(state: &Arc<SimState>, mut tcp: TcpStream) -> Result<Option<Established>, ConnectionError> {
    let prelogin_msg = expect(&mut tcp, PacketType::PreLogin).await?;
    let request = prelogin::parse_request(&prelogin_msg.payload)?;
    let policy = if state.tls.is_some() { state.config.encryption } else { EncryptionPolicy::Unsupported };
    let (reply, transport) = prelogin::negotiate(policy, request.encryption);
    state.record_transport(transport);
    let response = prelogin::encode_response(product::VERSION_BYTES, reply);
    write(&mut tcp, &response, DEFAULT_PACKET_SIZE, 0).await?;

    let (login_msg, mut stream): (Message, Box<dyn Stream>) = match transport {
        Transport::Refused => return Ok(None),
        Transport::Plaintext => (expect(&mut tcp, PacketType::Login7).await?, Box::new(tcp)),
        Transport::FullTls | Transport::LoginOnlyTls => {
            let identity =
                state.tls.as_ref().ok_or_else(|| ProtocolError::new("TLS negotiated without a certificate"))?;
            let mut tls = identity.acceptor.accept(PreloginFramed::new(tcp)).await.map_err(ConnectionError::Tls)?;
            tls.get_mut().0.finish_handshake();
            let login = expect(&mut tls, PacketType::Login7).await?;
            if transport == Transport::LoginOnlyTls {
                // The client drops TLS right after LOGIN7 without a close_notify; so do we.
                let (framed, _) = tls.into_inner();
                (login, Box::new(framed.into_inner()))
            } else {
                (login, Box::new(tls))
            }
        }
    };

    let login = login7::parse(&login_msg.payload)?;
    let spid = state.next_spid();
    match authenticate(state, &login) {
        Ok((account, database)) => {
            let packet_size = match login.packet_size as usize {
                0 => DEFAULT_PACKET_SIZE,
                n => n.clamp(MIN_PACKET_SIZE, MAX_PACKET_SIZE),
            };
            let tokens = login_response(&login, database, packet_size);
            write(&mut stream, &tokens, DEFAULT_PACKET_SIZE, spid).await?;
            let mut session = Session::new(spid, account, database);
            session.host_name = login.host_name;
            session.app_name = login.app_name;
            Ok(Some(Established { stream, session, packet_size }))
        }
        Err(errors) => {
            let mut w = TokenWriter::new();
            for (number, class, message) in errors {
                w.error(&server_message(state, number, class, 1, message));
            }
            w.done(DoneKind::Done, done_status::ERROR, 0, 0);
            write(&mut stream, &w.into_bytes(), DEFAULT_PACKET_SIZE, spid).await?;
            let _ = stream.shutdown().await;
            Ok(None)
        }
    }
}

type LoginErrors = Vec<(u32, u8, String)>;

/// Checks credentials and the requested database, answering with SQL Server's login errors.
fn authenticate(state: &SimState, login: &Login7) -> Result<(Arc<Login>, Database), LoginErrors> {
    let failed = |user: &str| (18456, 14, format!("Login failed for user '{user}'."));
    if login.tds_version < version::TDS_7_2 {
        return Err(vec![(
            crate::sql::error::UNSUPPORTED,
            14,
            "The Gatehouse Symmetry simulator does not support TDS versions before 7.2 (SQL Server 2005).".into(),
        )]);
    }
    if login.integrated_security {
        return Err(vec![(
            18452,
            14,
            "Login failed. The login is from an untrusted domain and cannot be used with Integrated authentication."
                .into(),
        )]);
    }
    let account = state
        .login(&login.user_name)
        .filter(|a| a.password == login.password)
        .ok_or_else(|| vec![failed(&login.user_name)])?;
    let database = if login.database.is_empty() {
        Some(account.default_database())
    } else {
        Database::from_name(&login.database).filter(|db| state.config.has_database(*db))
    };
    match database {
        Some(db) if account.may_use(db) => Ok((account, db)),
        _ => {
            let requested = if login.database.is_empty() {
                account.default_database().name().to_string()
            } else {
                login.database.clone()
            };
            Err(vec![
                (4060, 11, format!("Cannot open database \"{requested}\" requested by the login. The login failed.")),
                failed(&login.user_name),
            ])
        }
    }
}

/// The tokens SQL Server sends after a successful login, in its order.
fn login_response(login: &Login7, database: Database, packet_size: usize) -> Vec<u8> {
    let tds_version = match login.tds_version {
        v if v >= version::TDS_7_4 => version::TDS_7_4,
        v if v >= version::TDS_7_3_B => version::TDS_7_3_B,
        v if v >= version::TDS_7_3_A => version::TDS_7_3_A,
        _ => version::TDS_7_2,
    };
    let info = |number, state, message: String| ServerMessage {
        number,
        state,
        class: 0,
        message,
        server: String::new(),
        procedure: String::new(),
        line: 1,
    };
    let mut w = TokenWriter::new();
    w.env_change_database(database.name(), "master");
    w.info(&info(5701, 2, format!("Changed database context to '{}'.", database.name())));
    w.env_change_collation(&COLLATION);
    w.env_change_language(product::LANGUAGE, "");
    w.info(&info(5703, 1, format!("Changed language setting to {}.", product::LANGUAGE)));
    w.login_ack(tds_version, product::PROGRAM_NAME, product::VERSION_BYTES);
    w.env_change_packet_size(packet_size, DEFAULT_PACKET_SIZE);
    w.done(DoneKind::Done, done_status::FINAL, 0, 0);
    w.into_bytes()
}

pub fn server_message(state: &SimState, number: u32, class: u8, msg_state: u8, message: String) -> ServerMessage {
    ServerMessage {
        number,
        state: msg_state,
        class,
        message,
        server: state.config.server_name.clone(),
        procedure: String::new(),
        line: 1,
    }
}

async fn expect<S: AsyncRead + Unpin>(stream: &mut S, kind: PacketType) -> Result<Message, ConnectionError> {
    let message = read_message(stream).await?.ok_or(ConnectionError::Closed)?;
    if message.kind != kind {
        return Err(ProtocolError::new(format!("expected {kind:?}, got {:?}", message.kind)).into());
    }
    Ok(message)
}

pub async fn write<S: AsyncWrite + Unpin + ?Sized>(
    stream: &mut S,
    payload: &[u8],
    packet_size: usize,
    spid: u16,
) -> Result<(), ConnectionError> {
    let packets = encode_message(PacketType::TabularResult, payload, packet_size, spid);
    stream.write_all(&packets).await?;
    stream.flush().await?;
    Ok(())
}
