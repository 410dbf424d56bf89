//! The request loop of a logged-in connection: SQL batches, `sp_executesql` RPCs and attention.
//!
//! A reader task keeps receiving while a request runs, so an attention (cancel) stops a
//! WAITFOR at once; an attention that arrives after the reply still gets its DONE(ATTN), as the
//! protocol requires. Injected "drop connection" faults strike here, before or after the
//! request took effect, and so does the shared fault plan: its latency before a request runs
//! (an attention cancels it), its error rate as error 1205 instead of running, its answer-after
//! and its byte limit on the reply.

use std::collections::VecDeque;
use std::sync::Arc;

use gatehouse_sim_faults::{CutOff, Cutting, Decision};
use sqlparser::ast::Statement;
use tokio::io::{AsyncWriteExt, WriteHalf};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::handshake::{server_message, write, Established};
use super::{ConnectionError, Stream};
use crate::faults::DropPoint;
use crate::sql::{parse_batch, parse_parameter_list, Environment, Executor, Output, Session, SqlError, Variable};
use crate::state::SimState;
use crate::tds::packet::{read_message, Message, PacketType, ReadError};
use crate::tds::rpc::{parse_rpc, parse_sql_batch, Procedure, RpcError, RpcParam, SP_EXECUTESQL};
use crate::tds::tokens::{cur_cmd, done_status, DoneKind, TokenWriter};
use crate::value::convert;

struct Connection {
    state: Arc<SimState>,
    session: Session,
    packet_size: usize,
    writer: WriteHalf<Cutting<Box<dyn Stream>>>,
    /// How many bytes of the current reply may still be written (the fault plan's cut).
    cut: CutOff,
    inbox: mpsc::Receiver<Result<Message, ReadError>>,
    /// Messages that arrived while waiting for an attention.
    queued: VecDeque<Message>,
}

/// How a request ended.
enum Completion {
    Finished,
    Cancelled,
    Failed(SqlError),
}

pub async fn run(state: Arc<SimState>, established: Established) -> Result<(), ConnectionError> {
    let cut = CutOff::default();
    let (mut reader, writer) = tokio::io::split(Cutting::new(established.stream, cut.clone()));
    let (tx, inbox) = mpsc::channel(8);
    let reader_task: JoinHandle<()> = tokio::spawn(async move {
        loop {
            let result = read_message(&mut reader).await;
            let item = match result {
                Ok(Some(message)) => Ok(message),
                Ok(None) => return,
                Err(e) => Err(e),
            };
            let failed = item.is_err();
            if tx.send(item).await.is_err() || failed {
                return;
            }
        }
    });
    let mut connection = Connection {
        state,
        session: established.session,
        packet_size: established.packet_size,
        writer,
        cut,
        inbox,
        queued: VecDeque::new(),
    };
    let result = connection.serve().await;
    reader_task.abort();
    let _ = connection.writer.shutdown().await;
    result
}

impl Connection {
    async fn next_message(&mut self) -> Result<Option<Message>, ConnectionError> {
        if let Some(m) = self.queued.pop_front() {
            return Ok(Some(m));
        }
        match self.inbox.recv().await {
            None => Ok(None),
            Some(Ok(m)) => Ok(Some(m)),
            Some(Err(e)) => Err(e.into()),
        }
    }

    async fn serve(&mut self) -> Result<(), ConnectionError> {
        while let Some(message) = self.next_message().await? {
            let keep_open = match message.kind {
                PacketType::SqlBatch => self.sql_batch(&message.payload).await?,
                PacketType::Rpc => self.rpc(&message.payload).await?,
                PacketType::Attention => {
                    // Nothing is running any more; acknowledge the cancel.
                    let mut w = TokenWriter::new();
                    w.done(DoneKind::Done, done_status::ATTENTION, 0, 0);
                    self.send(w).await?;
                    true
                }
                PacketType::TransactionManager => {
                    let mut w = TokenWriter::new();
                    let e = SqlError::unsupported("transaction manager requests (every statement commits on its own)");
                    w.error(&self.message(&e));
                    w.done(DoneKind::Done, done_status::ERROR, 0, 0);
                    self.send(w).await?;
                    true
                }
                other => return Err(crate::tds::ProtocolError::new(format!("unexpected {other:?} message")).into()),
            };
            if !keep_open {
                return Ok(());
            }
        }
        Ok(())
    }

    /// Returns whether the connection stays open.
    async fn sql_batch(&mut self, payload: &[u8]) -> Result<bool, ConnectionError> {
        let text = parse_sql_batch(payload)?;
        tracing::debug!(spid = self.session.spid, sql = %text, "SQL batch");
        let plan = self.state.fault_plan.decide(&text);
        if self.cancelled_in_latency(&plan).await? {
            return Ok(true);
        }
        let drop = self.state.faults.take_drop(&text);
        if drop == Some(DropPoint::BeforeExecute) {
            return Ok(false);
        }
        let mut w = TokenWriter::new();
        let completion = match parse_batch(&text) {
            Ok(_) if self.state.faults.fails_statement(&text) => Completion::Failed(injected_failure()),
            Ok(_) if plan.fail => Completion::Failed(SqlError::deadlock_victim(self.session.spid)),
            Ok(statements) => self.run_statements(&statements, DoneKind::Done, &mut w).await?,
            Err(e) => Completion::Failed(e),
        };
        self.session.end_batch();
        if drop == Some(DropPoint::AfterExecute) {
            return Ok(false);
        }
        match completion {
            Completion::Finished => {}
            Completion::Cancelled => w.done(DoneKind::Done, done_status::ATTENTION, 0, 0),
            Completion::Failed(e) => {
                w.error(&self.message(&e));
                w.done(DoneKind::Done, done_status::ERROR, 0, 0);
            }
        }
        self.answer(&plan, w).await?;
        Ok(true)
    }

    async fn rpc(&mut self, payload: &[u8]) -> Result<bool, ConnectionError> {
        let request = match parse_rpc(payload) {
            Ok(r) => r,
            Err(RpcError::Protocol(e)) => return Err(e.into()),
            Err(other) => {
                self.rpc_failed(SqlError::unsupported_request(other)).await?;
                return Ok(true);
            }
        };
        if !is_sp_executesql(&request.procedure) {
            let name = match &request.procedure {
                Procedure::Id(id) => format!("the system procedure #{id} (only sp_executesql is)"),
                Procedure::Name(n) => format!("the stored procedure {n} (only sp_executesql is)"),
            };
            self.rpc_failed(SqlError::unsupported(name)).await?;
            return Ok(true);
        }
        let statement_text = request.params.first().and_then(|p| p.value.as_str()).unwrap_or_default().to_string();
        tracing::debug!(spid = self.session.spid, sql = %statement_text, params = request.params.len().saturating_sub(2), "sp_executesql");
        let plan = self.state.fault_plan.decide(&statement_text);
        if self.cancelled_in_latency(&plan).await? {
            return Ok(true);
        }
        let drop = self.state.faults.take_drop(&statement_text);
        if drop == Some(DropPoint::BeforeExecute) {
            return Ok(false);
        }
        let mut w = TokenWriter::new();
        let completion = match bind_parameters(&statement_text, &request.params, &mut self.session) {
            Ok(()) if self.state.faults.fails_statement(&statement_text) => Completion::Failed(injected_failure()),
            Ok(()) => match parse_batch(&statement_text) {
                Ok(_) if plan.fail => Completion::Failed(SqlError::deadlock_victim(self.session.spid)),
                Ok(statements) => self.run_statements(&statements, DoneKind::DoneInProc, &mut w).await?,
                Err(e) => Completion::Failed(e),
            },
            Err(e) => Completion::Failed(e),
        };
        self.session.end_batch();
        if drop == Some(DropPoint::AfterExecute) {
            return Ok(false);
        }
        match completion {
            Completion::Finished => {
                w.return_status(0);
                w.done(DoneKind::DoneProc, done_status::FINAL, 0, 0);
            }
            Completion::Cancelled => w.done(DoneKind::Done, done_status::ATTENTION, 0, 0),
            Completion::Failed(e) => {
                w.error(&self.message(&e));
                w.done(DoneKind::DoneProc, done_status::ERROR, 0, 0);
            }
        }
        self.answer(&plan, w).await?;
        Ok(true)
    }

    /// Waits out the plan's latency before a request runs. `true` when an attention cancelled
    /// the request meanwhile; it is then acknowledged and never runs.
    async fn cancelled_in_latency(&mut self, plan: &Decision) -> Result<bool, ConnectionError> {
        if plan.latency.is_zero() || !self.wait_unless_cancelled(plan.latency).await? {
            return Ok(false);
        }
        let mut w = TokenWriter::new();
        w.done(DoneKind::Done, done_status::ATTENTION, 0, 0);
        self.send(w).await?;
        Ok(true)
    }

    /// Sends a request's reply as the plan says: no sooner than its answer-after, and cut (the
    /// connection closed) after its byte limit.
    async fn answer(&mut self, plan: &Decision, w: TokenWriter) -> Result<(), ConnectionError> {
        plan.before_answering().await;
        self.cut.limit(plan.drop_after_bytes);
        let sent = self.send(w).await;
        self.cut.limit(None);
        sent
    }

    async fn rpc_failed(&mut self, error: SqlError) -> Result<(), ConnectionError> {
        let mut w = TokenWriter::new();
        w.error(&self.message(&error));
        w.done(DoneKind::DoneProc, done_status::ERROR, 0, 0);
        self.send(w).await
    }

    /// Runs statements in order, writing their tokens. The last completion token is written
    /// without MORE only when the batch finishes; on error or cancel it keeps MORE and the
    /// caller appends the final token.
    async fn run_statements(
        &mut self,
        statements: &[Statement],
        done_kind: DoneKind,
        w: &mut TokenWriter,
    ) -> Result<Completion, ConnectionError> {
        let mut pending_done: Option<(u16, Option<u64>)> = None;
        let flush = |w: &mut TokenWriter, pending: &mut Option<(u16, Option<u64>)>, last: bool| {
            if let Some((cmd, count)) = pending.take() {
                let mut status = if last { done_status::FINAL } else { done_status::MORE };
                if count.is_some() {
                    status |= done_status::COUNT;
                }
                w.done(done_kind, status, cmd, count.unwrap_or(0));
            }
        };
        for statement in statements {
            let outputs = match self.execute(statement) {
                Ok(outputs) => outputs,
                Err(e) => {
                    flush(w, &mut pending_done, false);
                    return Ok(Completion::Failed(e));
                }
            };
            for output in outputs {
                if !matches!(output, Output::Wait(_)) {
                    flush(w, &mut pending_done, false);
                }
                match output {
                    Output::Rows(result) => {
                        w.col_metadata(&result.columns);
                        for row in &result.rows {
                            if let Err(e) = w.row(&result.columns, row) {
                                return Ok(Completion::Failed(e.into()));
                            }
                        }
                    }
                    Output::Done { cmd, count } => pending_done = Some((cmd, count)),
                    Output::DatabaseChanged { old, new } => {
                        w.env_change_database(&new, &old);
                        let info =
                            server_message(&self.state, 5701, 0, 1, format!("Changed database context to '{new}'."));
                        w.info(&info);
                    }
                    Output::Wait(delay) => {
                        if self.wait_unless_cancelled(delay).await? {
                            flush(w, &mut pending_done, false);
                            return Ok(Completion::Cancelled);
                        }
                    }
                }
            }
        }
        match done_kind {
            // Inside an RPC the DONEPROC that follows is the final token.
            DoneKind::DoneInProc => flush(w, &mut pending_done, false),
            _ if pending_done.is_some() => flush(w, &mut pending_done, true),
            _ => w.done(done_kind, done_status::FINAL, cur_cmd::NONE, 0),
        }
        Ok(Completion::Finished)
    }

    /// One statement under the catalog lock (never held across an await).
    fn execute(&mut self, statement: &Statement) -> Result<Vec<Output>, SqlError> {
        let state = &self.state;
        let env = Environment {
            server_name: &state.config.server_name,
            now_utc: state.now_utc(),
            time_zone: state.config.time_zone,
            import_table_has_trigger: state.config.import_table_has_trigger,
            faults: &state.faults,
        };
        let mut catalog = state.lock_catalog();
        Executor { catalog: &mut catalog, session: &mut self.session, env: &env }.execute(statement)
    }

    /// Sleeps for a WAITFOR; `true` if an attention cancelled it.
    async fn wait_unless_cancelled(&mut self, delay: std::time::Duration) -> Result<bool, ConnectionError> {
        let sleep = tokio::time::sleep(delay);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                _ = &mut sleep => return Ok(false),
                message = self.inbox.recv() => match message {
                    Some(Ok(m)) if m.kind == PacketType::Attention => return Ok(true),
                    Some(Ok(m)) => self.queued.push_back(m),
                    Some(Err(e)) => return Err(e.into()),
                    None => return Err(ConnectionError::Closed),
                },
            }
        }
    }

    fn message(&self, e: &SqlError) -> crate::tds::tokens::ServerMessage {
        server_message(&self.state, e.number, e.class, e.state, e.message.clone())
    }

    async fn send(&mut self, w: TokenWriter) -> Result<(), ConnectionError> {
        write(&mut self.writer, &w.into_bytes(), self.packet_size, self.session.spid).await
    }
}

fn is_sp_executesql(procedure: &Procedure) -> bool {
    match procedure {
        Procedure::Id(id) => *id == SP_EXECUTESQL,
        Procedure::Name(name) => {
            let last = name.rsplit('.').next().unwrap_or_default().trim_matches(|c| c == '[' || c == ']');
            last.eq_ignore_ascii_case("sp_executesql")
        }
    }
}

/// Binds `sp_executesql` parameters as variables: declared names and types from the parameter
/// list, values by name or, when unnamed, by position.
fn bind_parameters(statement: &str, params: &[RpcParam], session: &mut Session) -> Result<(), SqlError> {
    let declared = match params.get(1).map(|p| &p.value) {
        Some(crate::value::Value::Str(list)) => parse_parameter_list(list)?,
        _ => Vec::new(),
    };
    let values = params.get(2..).unwrap_or_default();
    for (position, param) in values.iter().enumerate() {
        let name = if param.name.is_empty() {
            declared.get(position).map(|(n, _)| n.clone()).ok_or_else(|| {
                SqlError::new(8144, 16, 2, "Procedure or function sp_executesql has too many arguments specified.")
            })?
        } else {
            param.name.clone()
        };
        let ty = declared.iter().find(|(n, _)| n.eq_ignore_ascii_case(&name)).map_or(param.ty, |(_, t)| *t);
        let value = convert(&param.value, ty)?;
        session.variables.insert(name.to_lowercase(), Variable { ty, value });
    }
    if let Some((missing, _)) = declared.iter().find(|(n, _)| !session.variables.contains_key(&n.to_lowercase())) {
        let list = params.get(1).and_then(|p| p.value.as_str()).unwrap_or_default();
        return Err(SqlError::new(
            8178,
            16,
            1,
            format!("The parameterized query '({list}){statement}' expects the parameter '{missing}', which was not supplied."),
        ));
    }
    Ok(())
}

/// What a `FailStatements` fault answers: the permission error a revoked grant gives.
fn injected_failure() -> SqlError {
    SqlError::permission_denied("EXECUTE", "injected fault", "multiMAXImport")
}
