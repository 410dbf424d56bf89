//! Jobs and their steps: creation in queue order, the query that finds the
//! next runnable step of every subject, and the transitions of a step.

use super::rows::{get, instant, json, parse, window};
use super::{Store, StoreError, WriteTx};
use crate::domain::{
    to_millis, ErrorKind, EventId, IdempotencyKey, InstallId, JobId, JobStatus, PlannedStep, ScheduleEntryId,
    StepAction, StepId, StepStatus, Subject, TenantId,
};
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;

pub struct NewJob<'a> {
    pub id: JobId,
    pub tenant_id: &'a TenantId,
    pub install_id: &'a InstallId,
    pub event_id: Option<&'a EventId>,
    pub schedule_entry_id: Option<&'a ScheduleEntryId>,
    pub subject: &'a Subject,
    pub policy_version: Option<i64>,
    /// For a compensation: the failed job whose effects it undoes.
    pub compensates: Option<&'a JobId>,
    /// `Queued` with steps, or a finished status (`Ignored`, `Done`, `Failed`) without.
    pub status: JobStatus,
    pub steps: &'a [PlannedStep],
    pub now: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct JobRecord {
    pub id: JobId,
    pub tenant_id: TenantId,
    pub install_id: InstallId,
    pub event_id: Option<EventId>,
    pub schedule_entry_id: Option<ScheduleEntryId>,
    pub subject: Subject,
    pub policy_version: Option<i64>,
    pub status: JobStatus,
    /// For a compensation: the failed job whose effects it undoes.
    pub compensates: Option<JobId>,
    /// How often the job was run again from its first step (see [`IdempotencyKey::for_step`]).
    pub generation: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StepRecord {
    pub id: StepId,
    pub job_id: JobId,
    pub seq: u32,
    pub planned: PlannedStep,
    pub idempotency_key: IdempotencyKey,
    pub status: StepStatus,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub error_kind: Option<ErrorKind>,
    pub error: Option<String>,
    pub outcome: Option<serde_json::Value>,
}

/// A step whose turn has come, with what the engine needs to run it.
#[derive(Clone, Debug)]
pub struct RunnableStep {
    pub tenant_id: TenantId,
    pub install_id: InstallId,
    pub subject: Subject,
    pub step: StepRecord,
}

/// Which of a tenant's jobs to list; every field left out matches all.
#[derive(Clone, Debug, Default)]
pub struct JobFilter {
    pub install: Option<InstallId>,
    /// Any of these subjects (an empty list matches nothing).
    pub subjects: Option<Vec<Subject>>,
    /// A status name: queued, running, done, ignored, failed or dead.
    pub status: Option<String>,
    /// Created at or after.
    pub from: Option<DateTime<Utc>>,
    /// Created before.
    pub to: Option<DateTime<Utc>>,
    pub limit: u32,
}

/// What [`WriteTx::redrive_job`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Redrive {
    Requeued {
        from_first_step: bool,
    },
    /// The job is not dead or failed (or not the tenant's).
    NotStopped,
    /// This compensation of the job has not finished; redriving now would race it.
    CompensationUnfinished(JobId),
}

/// How a claimed step ended.
#[derive(Clone, Debug)]
pub enum StepUpdate {
    Done {
        outcome: serde_json::Value,
    },
    /// Failed in a way that may pass; run again at `at`.
    Retry {
        at: DateTime<Utc>,
        kind: ErrorKind,
        error: String,
    },
    /// Stop the job: retrying cannot help.
    Failed {
        kind: ErrorKind,
        error: String,
    },
    /// The retry budget is spent.
    Dead {
        kind: ErrorKind,
        error: String,
    },
}

const JOB_COLUMNS: &str =
    "id, tenant_id, install_id, event_id, schedule_entry_id, subject, policy_version, status, reason,
    compensates, generation, created_at, updated_at";

/// The stored names of the actions that grant access ([`StepAction::grants_access`]), as a SQL list.
fn granting_actions() -> String {
    let kinds = crate::domain::ActionKind::ALL.into_iter().map(StepAction::Connector);
    let names: Vec<String> = kinds
        .chain([StepAction::EmailCredential])
        .filter(|a| a.grants_access())
        .map(|a| format!("'{}'", a.name()))
        .collect();
    names.join(", ")
}
const STEP_COLUMNS: &str = "s.id, s.job_id, s.seq, s.action, s.params, s.due_at, s.window_start, s.window_end,
    s.include_contact, s.idempotency_key, s.status, s.attempts, s.next_attempt_at, s.error_kind, s.error, s.outcome";

fn job_from(row: &SqliteRow) -> Result<JobRecord, StoreError> {
    Ok(JobRecord {
        id: JobId::new(get::<String>(row, "id")?),
        tenant_id: TenantId::new(get::<String>(row, "tenant_id")?),
        install_id: InstallId::new(get::<String>(row, "install_id")?),
        event_id: get::<Option<String>>(row, "event_id")?.map(EventId::new),
        schedule_entry_id: get::<Option<String>>(row, "schedule_entry_id")?.map(ScheduleEntryId::new),
        subject: parse(Subject::parse(&get::<String>(row, "subject")?))?,
        policy_version: get(row, "policy_version")?,
        status: parse(JobStatus::from_parts(&get::<String>(row, "status")?, get(row, "reason")?))?,
        compensates: get::<Option<String>>(row, "compensates")?.map(JobId::new),
        generation: parse(u32::try_from(get::<i64>(row, "generation")?))?,
        created_at: instant(row, "created_at")?,
        updated_at: instant(row, "updated_at")?,
    })
}

fn step_from(row: &SqliteRow) -> Result<StepRecord, StoreError> {
    let outcome: Option<String> = get(row, "outcome")?;
    Ok(StepRecord {
        id: StepId::new(get::<String>(row, "id")?),
        job_id: JobId::new(get::<String>(row, "job_id")?),
        seq: parse(u32::try_from(get::<i64>(row, "seq")?))?,
        planned: PlannedStep {
            action: parse(StepAction::parse(&get::<String>(row, "action")?))?,
            params: json(row, "params")?,
            due_at: instant(row, "due_at")?,
            window: window(row, "window_start", "window_end")?,
            include_contact: get(row, "include_contact")?,
        },
        idempotency_key: IdempotencyKey::new(get::<String>(row, "idempotency_key")?),
        status: parse(StepStatus::parse(&get::<String>(row, "status")?))?,
        attempts: parse(u32::try_from(get::<i64>(row, "attempts")?))?,
        next_attempt_at: instant(row, "next_attempt_at")?,
        error_kind: get::<Option<String>>(row, "error_kind")?.map(|k| parse(ErrorKind::parse(&k))).transpose()?,
        error: get(row, "error")?,
        outcome: outcome.map(|o| parse(serde_json::from_str(&o))).transpose()?,
    })
}

impl WriteTx {
    /// Appends a job (and its steps) at the end of the queue.
    pub async fn insert_job(&mut self, job: NewJob<'_>) -> Result<JobId, StoreError> {
        let now = to_millis(job.now);
        sqlx::query(
            "INSERT INTO jobs (id, tenant_id, install_id, event_id, schedule_entry_id, subject, queue_pos,
                 policy_version, status, reason, compensates, generation, created_at, updated_at)
             SELECT $1, $2, $3, $4, $5, $6, COALESCE(MAX(queue_pos), 0) + 1, $7, $8, $9, $11, 0, $10, $10 FROM jobs",
        )
        .bind(job.id.as_str())
        .bind(job.tenant_id.as_str())
        .bind(job.install_id.as_str())
        .bind(job.event_id.map(EventId::as_str))
        .bind(job.schedule_entry_id.map(ScheduleEntryId::as_str))
        .bind(job.subject.key())
        .bind(job.policy_version)
        .bind(job.status.name())
        .bind(job.status.reason())
        .bind(now)
        .bind(job.compensates.map(JobId::as_str))
        .execute(self.conn())
        .await?;
        for (seq, step) in (1u32..).zip(job.steps) {
            sqlx::query(
                "INSERT INTO job_steps (id, job_id, tenant_id, seq, action, params, due_at, window_start, window_end,
                     include_contact, idempotency_key, status, attempts, next_attempt_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending', 0, $7, $12)",
            )
            .bind(StepId::generate().as_str())
            .bind(job.id.as_str())
            .bind(job.tenant_id.as_str())
            .bind(i64::from(seq))
            .bind(step.action.name())
            .bind(step.params.to_string())
            .bind(to_millis(step.due_at))
            .bind(step.window.map(|w| to_millis(w.starts_at())))
            .bind(step.window.map(|w| to_millis(w.ends_at())))
            .bind(step.include_contact)
            .bind(IdempotencyKey::for_step(&job.id, seq, 0).as_str())
            .bind(now)
            .execute(self.conn())
            .await?;
        }
        Ok(job.id)
    }

    /// Marks a runnable step as running and counts the attempt. False when
    /// another worker claimed it first.
    pub async fn claim_step(&mut self, step: &StepId, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let claimed = sqlx::query(
            "UPDATE job_steps SET status = 'running', attempts = attempts + 1, updated_at = $2
             WHERE id = $1 AND status = 'pending'",
        )
        .bind(step.as_str())
        .bind(to_millis(now))
        .execute(self.conn())
        .await?
        .rows_affected();
        if claimed == 1 {
            sqlx::query(
                "UPDATE jobs SET status = 'running', updated_at = $2
                 WHERE id = (SELECT job_id FROM job_steps WHERE id = $1) AND status = 'queued'",
            )
            .bind(step.as_str())
            .bind(to_millis(now))
            .execute(self.conn())
            .await?;
        }
        Ok(claimed == 1)
    }

    /// Records how a step ended and moves its job on accordingly; returns the
    /// job's new status when the step finished the job.
    pub async fn finish_step(
        &mut self,
        step: &StepRecord,
        update: &StepUpdate,
        now: DateTime<Utc>,
    ) -> Result<Option<JobStatus>, StoreError> {
        let now_ms = to_millis(now);
        let (status, next, kind, error, outcome) = match update {
            StepUpdate::Done { outcome } => ("done", now_ms, None, None, Some(outcome.to_string())),
            StepUpdate::Retry { at, kind, error } => ("pending", to_millis(*at), Some(*kind), Some(error), None),
            StepUpdate::Failed { kind, error } => ("failed", now_ms, Some(*kind), Some(error), None),
            StepUpdate::Dead { kind, error } => ("dead", now_ms, Some(*kind), Some(error), None),
        };
        sqlx::query(
            "UPDATE job_steps SET status = $2, next_attempt_at = $3, error_kind = $4, error = $5,
                 outcome = COALESCE($6, outcome), updated_at = $7 WHERE id = $1",
        )
        .bind(step.id.as_str())
        .bind(status)
        .bind(next)
        .bind(kind.map(ErrorKind::as_str))
        .bind(error)
        .bind(outcome)
        .bind(now_ms)
        .execute(self.conn())
        .await?;
        let job_status = match update {
            StepUpdate::Done { .. } => {
                let row = sqlx::query("SELECT COUNT(*) AS n FROM job_steps WHERE job_id = $1 AND status <> 'done'")
                    .bind(step.job_id.as_str())
                    .fetch_one(self.conn())
                    .await?;
                (get::<i64>(&row, "n")? == 0).then_some(JobStatus::Done)
            }
            StepUpdate::Retry { .. } => None,
            StepUpdate::Failed { error, .. } => {
                sqlx::query(
                    "UPDATE job_steps SET status = 'skipped', updated_at = $2 WHERE job_id = $1 AND status = 'pending'",
                )
                .bind(step.job_id.as_str())
                .bind(now_ms)
                .execute(self.conn())
                .await?;
                Some(JobStatus::Failed(format!("{}: {error}", step.planned.action.name())))
            }
            StepUpdate::Dead { error, .. } => Some(JobStatus::Dead(format!(
                "{} gave up after {} attempts: {error}",
                step.planned.action.name(),
                step.attempts
            ))),
        };
        if let Some(status) = &job_status {
            self.set_job_status(&step.job_id, status, now).await?;
        }
        Ok(job_status)
    }

    /// Ends a job that never started, as `status` (`Ignored` or `Held`);
    /// its steps are skipped, or stay pending for a hold.
    pub async fn stop_unstarted_job(
        &mut self,
        job: &JobId,
        status: &JobStatus,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if !matches!(status, JobStatus::Held(_)) {
            sqlx::query(
                "UPDATE job_steps SET status = 'skipped', updated_at = $2 WHERE job_id = $1 AND status = 'pending'",
            )
            .bind(job.as_str())
            .bind(to_millis(now))
            .execute(self.conn())
            .await?;
        }
        self.set_job_status(job, status, now).await
    }

    /// Puts the subject's held jobs back in the queue, to be admitted again.
    pub async fn release_held_jobs(
        &mut self,
        install: &InstallId,
        subject: &Subject,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        Ok(sqlx::query(
            "UPDATE jobs SET status = 'queued', reason = NULL, updated_at = $3
             WHERE install_id = $1 AND subject = $2 AND status = 'held'",
        )
        .bind(install.as_str())
        .bind(subject.key())
        .bind(to_millis(now))
        .execute(self.conn())
        .await?
        .rows_affected())
    }

    pub async fn set_job_status(
        &mut self,
        job: &JobId,
        status: &JobStatus,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE jobs SET status = $2, reason = $3, updated_at = $4 WHERE id = $1")
            .bind(job.as_str())
            .bind(status.name())
            .bind(status.reason())
            .bind(to_millis(now))
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Puts a dead or failed job back in the queue with a fresh retry budget.
    ///
    /// A job that was compensated runs again from its first step, in a new
    /// generation of idempotency keys, since its effects were undone; it waits
    /// until every compensation of it is done. Otherwise only its unfinished
    /// steps run again, under their keys.
    pub async fn redrive_job(
        &mut self,
        tenant: &TenantId,
        job: &JobId,
        now: DateTime<Utc>,
    ) -> Result<Redrive, StoreError> {
        let row = sqlx::query("SELECT status, generation FROM jobs WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.as_str())
            .bind(job.as_str())
            .fetch_optional(self.conn())
            .await?;
        let Some(row) = row else { return Ok(Redrive::NotStopped) };
        if !matches!(get::<String>(&row, "status")?.as_str(), "dead" | "failed") {
            return Ok(Redrive::NotStopped);
        }
        let compensations = sqlx::query("SELECT id, status FROM jobs WHERE compensates = $1 ORDER BY queue_pos")
            .bind(job.as_str())
            .fetch_all(self.conn())
            .await?;
        for compensation in &compensations {
            if !matches!(get::<String>(compensation, "status")?.as_str(), "done" | "ignored") {
                return Ok(Redrive::CompensationUnfinished(JobId::new(get::<String>(compensation, "id")?)));
            }
        }
        let now_ms = to_millis(now);
        let generation = if compensations.is_empty() {
            sqlx::query(
                "UPDATE job_steps SET status = 'pending', attempts = 0, next_attempt_at = $2, updated_at = $2
                 WHERE job_id = $1 AND status <> 'done'",
            )
            .bind(job.as_str())
            .bind(now_ms)
            .execute(self.conn())
            .await?;
            parse(u32::try_from(get::<i64>(&row, "generation")?))?
        } else {
            let generation = parse(u32::try_from(get::<i64>(&row, "generation")? + 1))?;
            let steps = sqlx::query("SELECT id, seq FROM job_steps WHERE job_id = $1")
                .bind(job.as_str())
                .fetch_all(self.conn())
                .await?;
            for step in &steps {
                let seq = parse(u32::try_from(get::<i64>(step, "seq")?))?;
                sqlx::query(
                    "UPDATE job_steps SET status = 'pending', attempts = 0, next_attempt_at = $2, idempotency_key = $3,
                         updated_at = $2 WHERE id = $1",
                )
                .bind(get::<String>(step, "id")?)
                .bind(now_ms)
                .bind(IdempotencyKey::for_step(job, seq, generation).as_str())
                .execute(self.conn())
                .await?;
            }
            generation
        };
        sqlx::query("UPDATE jobs SET status = 'queued', reason = NULL, generation = $2, updated_at = $3 WHERE id = $1")
            .bind(job.as_str())
            .bind(i64::from(generation))
            .bind(now_ms)
            .execute(self.conn())
            .await?;
        Ok(Redrive::Requeued { from_first_step: !compensations.is_empty() })
    }

    /// After a crash, steps left running ran or did not; either way they run
    /// again under the same idempotency key.
    pub async fn requeue_interrupted_steps(&mut self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(sqlx::query("UPDATE job_steps SET status = 'pending', updated_at = $1 WHERE status = 'running'")
            .bind(to_millis(now))
            .execute(self.conn())
            .await?
            .rows_affected())
    }
}

impl WriteTx {
    pub async fn job_in_tx(&mut self, id: &JobId) -> Result<Option<JobRecord>, StoreError> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1");
        let row = sqlx::query(&sql).bind(id.as_str()).fetch_optional(self.conn()).await?;
        row.as_ref().map(job_from).transpose()
    }

    pub async fn steps_in_tx(&mut self, job: &JobId) -> Result<Vec<StepRecord>, StoreError> {
        let sql = format!("SELECT {STEP_COLUMNS} FROM job_steps s WHERE s.job_id = $1 ORDER BY s.seq");
        let rows = sqlx::query(&sql).bind(job.as_str()).fetch_all(self.conn()).await?;
        rows.iter().map(step_from).collect()
    }
}

impl Store {
    /// The earliest job of the same visit, before `job` in the queue, that
    /// grants access and stopped (failed or dead): while it stands, `job`
    /// must not grant access either. Compensations never block.
    pub async fn stopped_grant_before(&self, job: &JobId) -> Result<Option<JobRecord>, StoreError> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE id = (
                 SELECT e.id FROM jobs e JOIN jobs j ON j.id = $1
                 WHERE e.install_id = j.install_id AND e.subject = j.subject AND e.queue_pos < j.queue_pos
                   AND e.status IN ('failed', 'dead') AND e.compensates IS NULL
                   AND EXISTS (SELECT 1 FROM job_steps s WHERE s.job_id = e.id AND s.action IN ({}))
                 ORDER BY e.queue_pos LIMIT 1)",
            granting_actions()
        );
        let row = sqlx::query(&sql).bind(job.as_str()).fetch_optional(self.pool()).await?;
        row.as_ref().map(job_from).transpose()
    }

    /// The next step of each subject whose turn has come, oldest job first:
    /// a step runs only after every earlier step of its job is done and every
    /// earlier job of its subject has finished.
    pub async fn runnable_steps_any_tenant(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<RunnableStep>, StoreError> {
        let sql = format!(
            "SELECT {STEP_COLUMNS}, j.tenant_id, j.install_id, j.subject
             FROM job_steps s JOIN jobs j ON j.id = s.job_id
             WHERE s.status = 'pending' AND s.next_attempt_at <= $1 AND j.status IN ('queued', 'running')
               AND NOT EXISTS (SELECT 1 FROM job_steps p WHERE p.job_id = s.job_id AND p.seq < s.seq AND p.status <> 'done')
               AND NOT EXISTS (SELECT 1 FROM jobs e WHERE e.install_id = j.install_id AND e.subject = j.subject
                                 AND e.queue_pos < j.queue_pos AND e.status IN ('queued', 'running'))
             ORDER BY j.queue_pos, s.seq LIMIT $2"
        );
        let rows = sqlx::query(&sql).bind(to_millis(now)).bind(i64::from(limit)).fetch_all(self.pool()).await?;
        rows.iter()
            .map(|row| {
                Ok(RunnableStep {
                    tenant_id: TenantId::new(get::<String>(row, "tenant_id")?),
                    install_id: InstallId::new(get::<String>(row, "install_id")?),
                    subject: parse(Subject::parse(&get::<String>(row, "subject")?))?,
                    step: step_from(row)?,
                })
            })
            .collect()
    }

    /// The earliest time a pending step of an unfinished job wants to run.
    pub async fn next_step_due_any_tenant(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let row = sqlx::query(
            "SELECT MIN(s.next_attempt_at) AS due FROM job_steps s JOIN jobs j ON j.id = s.job_id
             WHERE s.status = 'pending' AND j.status IN ('queued', 'running')",
        )
        .fetch_one(self.pool())
        .await?;
        super::rows::opt_instant(&row, "due")
    }

    pub async fn job(&self, tenant: &TenantId, id: &JobId) -> Result<Option<JobRecord>, StoreError> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE tenant_id = $1 AND id = $2");
        let row = sqlx::query(&sql).bind(tenant.as_str()).bind(id.as_str()).fetch_optional(self.pool()).await?;
        row.as_ref().map(job_from).transpose()
    }

    pub async fn steps(&self, tenant: &TenantId, job: &JobId) -> Result<Vec<StepRecord>, StoreError> {
        let sql =
            format!("SELECT {STEP_COLUMNS} FROM job_steps s WHERE s.tenant_id = $1 AND s.job_id = $2 ORDER BY s.seq");
        let rows = sqlx::query(&sql).bind(tenant.as_str()).bind(job.as_str()).fetch_all(self.pool()).await?;
        rows.iter().map(step_from).collect()
    }

    pub async fn jobs_for_event(&self, tenant: &TenantId, event: &EventId) -> Result<Vec<JobRecord>, StoreError> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE tenant_id = $1 AND event_id = $2 ORDER BY queue_pos");
        let rows = sqlx::query(&sql).bind(tenant.as_str()).bind(event.as_str()).fetch_all(self.pool()).await?;
        rows.iter().map(job_from).collect()
    }

    /// Every job of one visit or employee at an install, in queue order.
    pub async fn jobs_for_subject(
        &self,
        tenant: &TenantId,
        install: &InstallId,
        subject: &Subject,
    ) -> Result<Vec<JobRecord>, StoreError> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE tenant_id = $1 AND install_id = $2 AND subject = $3 ORDER BY queue_pos"
        );
        let rows = sqlx::query(&sql)
            .bind(tenant.as_str())
            .bind(install.as_str())
            .bind(subject.key())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(job_from).collect()
    }

    /// The tenant's jobs in one status (`dead` is the dead-letter queue).
    pub async fn jobs_with_status(&self, tenant: &TenantId, status: &str) -> Result<Vec<JobRecord>, StoreError> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE tenant_id = $1 AND status = $2 ORDER BY queue_pos");
        let rows = sqlx::query(&sql).bind(tenant.as_str()).bind(status).fetch_all(self.pool()).await?;
        rows.iter().map(job_from).collect()
    }

    /// The tenant's jobs matching `filter`, newest first.
    pub async fn jobs_matching(&self, tenant: &TenantId, filter: &JobFilter) -> Result<Vec<JobRecord>, StoreError> {
        let subjects: Vec<String> = filter.subjects.iter().flatten().map(Subject::key).collect();
        if filter.subjects.is_some() && subjects.is_empty() {
            return Ok(Vec::new());
        }
        let subject_clause = match filter.subjects {
            None => String::new(),
            Some(_) => {
                let placeholders: Vec<String> = (0..subjects.len()).map(|i| format!("${}", i + 7)).collect();
                format!(" AND subject IN ({})", placeholders.join(", "))
            }
        };
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE tenant_id = $1 AND ($2 IS NULL OR install_id = $2)
               AND ($3 IS NULL OR status = $3) AND ($4 IS NULL OR created_at >= $4) AND ($5 IS NULL OR created_at < $5)
               {subject_clause} ORDER BY queue_pos DESC LIMIT $6"
        );
        let mut query = sqlx::query(&sql)
            .bind(tenant.as_str())
            .bind(filter.install.as_ref().map(InstallId::as_str))
            .bind(filter.status.as_deref())
            .bind(filter.from.map(to_millis))
            .bind(filter.to.map(to_millis))
            .bind(i64::from(filter.limit));
        for subject in &subjects {
            query = query.bind(subject);
        }
        let rows = query.fetch_all(self.pool()).await?;
        rows.iter().map(job_from).collect()
    }
}
