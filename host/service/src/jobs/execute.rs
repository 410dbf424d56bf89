//! Running one step: claim it, build the connector call from the current
//! state of its subject, call the gateway, and record the outcome and its
//! effects (PACS id, credentials, card numbers held or released) in one
//! transaction.

use super::{Engine, ServiceError};
use crate::domain::{
    ActionKind, CardCredential, ErrorClass, ErrorKind, Install, PersonKind, PersonRef, StepAction, Subject,
};
use crate::gateway::{ConnectorAction, ConnectorCall, ConnectorError, IssuedCredential, StepOutcome};
use crate::store::{AttachmentBody, AttemptRecord, IssuedCardHold, RunnableStep, StepRecord, StepUpdate, StoreError};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

/// A change a finished step makes besides its own status.
pub(super) enum Effect {
    SetPacsId(String),
    Attach(AttachmentBody),
    /// The pool follows the card the PACS issued (see `hold_issued_card`).
    HoldIssuedCard(CardCredential),
    ReleaseCards,
    /// The connector call itself, for the attempt log connector health reads.
    LogAttempt(ActionKind, AttemptRecord),
}

/// How a step ended and what else to record.
pub(super) struct StepResult {
    pub update: StepUpdate,
    pub effects: Vec<Effect>,
}

impl StepResult {
    pub fn stop(kind: ErrorKind, error: impl Into<String>) -> Self {
        StepResult { update: StepUpdate::Failed { kind, error: error.into() }, effects: Vec::new() }
    }
}

impl Engine {
    /// Runs the step if its install's breaker allows and no one claimed it
    /// first; returns whether it ran.
    pub(super) async fn execute(&self, runnable: RunnableStep) -> Result<bool, ServiceError> {
        let service = self.service();
        let now = service.clock().now();
        if !self.breakers().allow(&runnable.install_id, now) {
            return Ok(false);
        }
        if runnable.step.seq == 1 && runnable.step.attempts == 0 {
            if let Some(refusal) = self.admission(&runnable).await? {
                self.refuse(&runnable, refusal).await?;
                return Ok(true);
            }
        }
        let mut tx = service.store().begin().await?;
        let claimed = tx.claim_step(&runnable.step.id, now).await?;
        tx.commit().await?;
        if !claimed {
            return Ok(false);
        }
        let mut step = runnable.step.clone();
        step.attempts += 1;
        let result = match step.planned.action {
            StepAction::Connector(kind) => self.run_connector_step(&runnable, &step, kind).await?,
            StepAction::EmailCredential => self.run_email_step(&runnable, &step).await?,
        };
        self.record(&runnable, &step, result).await?;
        Ok(true)
    }

    async fn record(&self, runnable: &RunnableStep, step: &StepRecord, result: StepResult) -> Result<(), ServiceError> {
        let service = self.service();
        let (tenant, install) = (&runnable.tenant_id, &runnable.install_id);
        let compensation = match &result.update {
            StepUpdate::Failed { .. } | StepUpdate::Dead { .. } => self.compensation_for(runnable).await?,
            _ => None,
        };
        let now = service.clock().now();
        let mut tx = service.store().begin().await?;
        for effect in &result.effects {
            match effect {
                Effect::SetPacsId(pacs_id) => {
                    tx.set_pacs_id(tenant, install, runnable.subject.external_id(), pacs_id).await?
                }
                Effect::Attach(body) => {
                    tx.insert_attachment(tenant, install, &step.job_id, &runnable.subject, body, now).await?;
                }
                Effect::HoldIssuedCard(card) => {
                    let owner = runnable.subject.key();
                    let hold =
                        tx.hold_issued_card(tenant, install, &owner, card.facility_code, card.card_number, now).await?;
                    if let IssuedCardHold::HeldByOther(holder) = hold {
                        tracing::warn!(tenant = %tenant, install = %install, card = card.card_number, facility_code = card.facility_code,
                            %holder, "the PACS issued a card number the pool holds for someone else: pool and PACS ranges overlap");
                    }
                }
                Effect::ReleaseCards => {
                    tx.release_cards(tenant, install, &runnable.subject.key()).await?;
                }
                Effect::LogAttempt(action, attempt) => {
                    tx.insert_attempt(tenant, install, &step.job_id, *action, attempt).await?
                }
            }
        }
        if let Some(status) = tx.finish_step(step, &result.update, now).await? {
            self.on_job_finished(&mut tx, runnable, &status, compensation, now).await?;
        }
        tx.commit().await?;
        if let StepUpdate::Failed { error, .. } | StepUpdate::Dead { error, .. } = &result.update {
            tracing::warn!(tenant = %tenant, install = %install, job = %step.job_id, action = step.planned.action.name(), %error, "job stopped");
        }
        Ok(())
    }

    async fn run_connector_step(
        &self,
        runnable: &RunnableStep,
        step: &StepRecord,
        kind: ActionKind,
    ) -> Result<StepResult, ServiceError> {
        let service = self.service();
        let Some(install) = service.store().install(&runnable.tenant_id, &runnable.install_id).await? else {
            return Ok(StepResult::stop(ErrorKind::Config, "the install no longer exists"));
        };
        let call = match self.build_call(&install, runnable, step, kind).await? {
            Ok(call) => call,
            Err(stop) => return Ok(stop),
        };
        let started_at = service.clock().now();
        let elapsed = std::time::Instant::now();
        let result = service.gateway().run(&install, &call).await;
        // The version that ran the call; a failed call is labelled with the active one.
        let version = match &result {
            Ok(outcome) => outcome.plugin_version.as_ref().map(ToString::to_string),
            Err(_) => None,
        }
        .or_else(|| service.gateway().active_version(&install))
        .unwrap_or_else(|| "unknown".into());
        let outcome = result.as_ref().map_or_else(|e| e.kind.as_str(), |_| "ok");
        service.metrics().action_called(&install.plugin_id, &version, kind, outcome, elapsed.elapsed());
        let now = service.clock().now();
        let attempt = AttemptRecord { started_at, finished_at: now, error_kind: result.as_ref().err().map(|e| e.kind) };
        let mut result = match result {
            Ok(outcome) => {
                self.breakers().record_success(&install.id);
                self.success(kind, outcome, (started_at, now))
            }
            Err(error) => StepResult { update: self.classify(&install, step, error, now), effects: Vec::new() },
        };
        result.effects.push(Effect::LogAttempt(kind, attempt));
        Ok(result)
    }

    /// The call for the step, from the subject's current record; `Err` stops
    /// the step without calling the connector.
    async fn build_call(
        &self,
        install: &Install,
        runnable: &RunnableStep,
        step: &StepRecord,
        kind: ActionKind,
    ) -> Result<Result<ConnectorCall, StepResult>, ServiceError> {
        let service = self.service();
        let (tenant, subject) = (&runnable.tenant_id, &runnable.subject);
        let person = service.store().person(tenant, &install.id, subject.external_id()).await?;
        let who = PersonRef {
            kind: match subject {
                Subject::Visit(_) => PersonKind::Visitor,
                Subject::Employee(_) => PersonKind::Employee,
            },
            external_id: subject.external_id().to_string(),
            pacs_id: person.as_ref().and_then(|p| p.pacs_id.clone()),
            email: person.as_ref().and_then(|p| p.details.email.clone()),
        };
        let window = step.planned.window;
        let missing_window = || {
            StepResult::stop(ErrorKind::Permanent, format!("`{}` was planned without an access window", kind.as_str()))
        };
        let mut params = step.planned.params.clone();
        let action = match kind {
            ActionKind::UpsertPerson => {
                let mut details = person.map(|p| p.details).unwrap_or_default();
                if !step.planned.include_contact {
                    // Minimisation: contact details reach the PACS only when the policy opts in.
                    (details.phone, details.company, details.host_name) = (None, None, None);
                }
                ConnectorAction::UpsertPerson { who, details, include_contact: step.planned.include_contact }
            }
            ActionKind::SetAccessWindow => match window {
                Some(window) => ConnectorAction::SetAccessWindow { who, window },
                None => return Ok(Err(missing_window())),
            },
            ActionKind::IssueCard => {
                let Some(window) = window else { return Ok(Err(missing_window())) };
                match self.allocate_card(install, subject, &params).await? {
                    Ok(card) => {
                        params["card_number"] = json!(card.card_number);
                        params["facility_code"] = json!(card.facility_code);
                        params["format"] = json!(card.format);
                    }
                    Err(stop) => return Ok(Err(stop)),
                }
                ConnectorAction::IssueCard { who, window }
            }
            ActionKind::IssuePin => match window {
                Some(window) => ConnectorAction::IssuePin { who, window },
                None => return Ok(Err(missing_window())),
            },
            ActionKind::AddGroups => ConnectorAction::AddGroups { who },
            ActionKind::RemoveGroups => ConnectorAction::RemoveGroups { who },
            ActionKind::RevokeCredentials => ConnectorAction::RevokeCredentials { who },
            ActionKind::Activate => ConnectorAction::Activate { who },
            ActionKind::Deactivate => ConnectorAction::Deactivate { who },
            ActionKind::CheckOut => ConnectorAction::CheckOut { who },
            ActionKind::ErasePerson => ConnectorAction::ErasePerson { who },
            ActionKind::SetPhoto => match person.and_then(|p| p.details.photo) {
                Some(photo) => ConnectorAction::SetPhoto { who, photo },
                // A later event replaced the details, or they were erased: nothing to put on the record.
                None => {
                    let outcome = json!({ "changed": false, "detail": "no photo on record; nothing sent" });
                    return Ok(Err(StepResult { update: StepUpdate::Done { outcome }, effects: Vec::new() }));
                }
            },
        };
        Ok(Ok(ConnectorCall { action, params, idempotency_key: step.idempotency_key.clone() }))
    }

    /// A number from the install's pool, held by the subject until revoked.
    /// Committed before the connector is called, so a crash never loses it.
    async fn allocate_card(
        &self,
        install: &Install,
        subject: &Subject,
        params: &Value,
    ) -> Result<Result<CardCredential, StepResult>, ServiceError> {
        let Some(facility_code) = params["facility_code"].as_u64().and_then(|f| u32::try_from(f).ok()) else {
            return Ok(Err(StepResult::stop(ErrorKind::Config, "`issue-card` was planned without a facility code")));
        };
        let service = self.service();
        let mut tx = service.store().begin().await?;
        match tx
            .allocate_card(&install.tenant_id, &install.id, facility_code, &subject.key(), service.clock().now())
            .await
        {
            Ok(allocation) => {
                tx.commit().await?;
                Ok(Ok(CardCredential { card_number: allocation.number, facility_code, format: allocation.format }))
            }
            Err(e @ (StoreError::PoolExhausted { .. } | StoreError::NoPool { .. })) => {
                Ok(Err(StepResult::stop(ErrorKind::Config, e.to_string())))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// `ran` is when the connector call started and ended: with the plugin
    /// version it ran on, the trail shows which version served each step.
    fn success(&self, kind: ActionKind, outcome: StepOutcome, ran: (DateTime<Utc>, DateTime<Utc>)) -> StepResult {
        let mut effects = Vec::new();
        if let Some(pacs_id) = &outcome.pacs_id {
            effects.push(Effect::SetPacsId(pacs_id.clone()));
        }
        let credential = match outcome.credential {
            Some(IssuedCredential::Card(card)) => {
                let summary = json!({ "card_number": card.card_number, "facility_code": card.facility_code, "format": card.format });
                effects.push(Effect::HoldIssuedCard(card.clone()));
                effects.push(Effect::Attach(AttachmentBody::Card(card)));
                summary
            }
            Some(IssuedCredential::Pin(pin)) => {
                effects.push(Effect::Attach(AttachmentBody::Pin(crate::domain::SealedPin::seal(
                    self.service().sealer(),
                    &pin,
                ))));
                json!("pin (sealed)")
            }
            None => Value::Null,
        };
        effects.extend(warnings(&outcome.detail).map(|warning| Effect::Attach(AttachmentBody::Warning(warning))));
        if matches!(kind, ActionKind::RevokeCredentials | ActionKind::ErasePerson) {
            effects.push(Effect::ReleaseCards);
        }
        let outcome = json!({ "pacs_id": outcome.pacs_id, "changed": outcome.changed, "credential": credential, "detail": outcome.detail,
            "plugin_version": outcome.plugin_version.map(|v| v.to_string()), "started_at": ran.0, "finished_at": ran.1 });
        StepResult { update: StepUpdate::Done { outcome }, effects }
    }

    /// Retry, stop or give up, by the kind of error and the attempts so far.
    fn classify(&self, install: &Install, step: &StepRecord, error: ConnectorError, now: DateTime<Utc>) -> StepUpdate {
        let retry = &self.inner.config.retry;
        let ConnectorError { kind, message, retry_after } = error;
        if kind == ErrorKind::Transient {
            if self.breakers().record_failure(&install.id, now) {
                tracing::warn!(install = %install.id, "circuit breaker opened: the vendor looks down");
            }
        } else {
            self.breakers().record_success(&install.id);
        }
        match (kind, kind.class()) {
            // A conflict gets one retry, after which the connector has re-read the vendor state.
            (ErrorKind::Conflict, _) if step.attempts >= 2 => StepUpdate::Failed { kind, error: message },
            (ErrorKind::Conflict, _) => StepUpdate::Retry { at: now + Duration::seconds(1), kind, error: message },
            (_, ErrorClass::Final) => StepUpdate::Failed { kind, error: message },
            (_, ErrorClass::Retryable) if retry.exhausted(step.attempts) => StepUpdate::Dead { kind, error: message },
            (_, ErrorClass::Retryable) => {
                let asked = retry_after.and_then(|d| Duration::from_std(d).ok());
                StepUpdate::Retry { at: now + retry.delay(step.attempts, asked), kind, error: message }
            }
        }
    }
}

/// The connector's `warnings` in an outcome's detail: what it could not do
/// exactly as asked (a name the PACS stores through a code page, cut to its
/// length, ...). Each becomes a warning attachment on the job.
fn warnings(detail: &Value) -> impl Iterator<Item = String> + '_ {
    detail
        .get("warnings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|w| w.as_str().map(str::to_string))
}
