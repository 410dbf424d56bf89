//! Jobs and their steps: the durable trail of what an event caused.

use super::{DomainError, VisitId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Whose work a job belongs to. Jobs of one subject run strictly in order.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    Visit(VisitId),
    /// Keyed by the lower-cased e-mail, the join key with the PACS.
    Employee(String),
}

impl Subject {
    pub fn employee(email: &str) -> Self {
        Subject::Employee(email.trim().to_lowercase())
    }

    /// The stored form: `visit:<id>` or `employee:<email>`.
    pub fn key(&self) -> String {
        match self {
            Subject::Visit(id) => format!("visit:{id}"),
            Subject::Employee(email) => format!("employee:{email}"),
        }
    }

    pub fn parse(key: &str) -> Result<Self, DomainError> {
        match key.split_once(':') {
            Some(("visit", id)) => Ok(Subject::Visit(VisitId::new(id))),
            Some(("employee", email)) => Ok(Subject::Employee(email.to_string())),
            _ => Err(DomainError::Unknown { what: "subject", value: key.into() }),
        }
    }

    /// The person's external id as connectors see it.
    pub fn external_id(&self) -> &str {
        match self {
            Subject::Visit(id) => id.as_str(),
            Subject::Employee(email) => email,
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

/// Where a job stands. The stopped states carry their reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", content = "reason", rename_all = "lowercase")]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    /// Nothing to do, by policy; the reason says why.
    Ignored(String),
    /// Stopped by an error retrying cannot fix.
    Failed(String),
    /// The retry budget ran out; an operator may re-drive it.
    Dead(String),
    /// Waiting, without blocking the subject's later jobs: it grants access,
    /// and an earlier provisioning job of its visit failed. It returns to the
    /// queue once that job is redriven and done.
    Held(String),
}

impl JobStatus {
    pub fn name(&self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Ignored(_) => "ignored",
            JobStatus::Failed(_) => "failed",
            JobStatus::Dead(_) => "dead",
            JobStatus::Held(_) => "held",
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            JobStatus::Ignored(r) | JobStatus::Failed(r) | JobStatus::Dead(r) | JobStatus::Held(r) => Some(r),
            _ => None,
        }
    }

    pub fn is_finished(&self) -> bool {
        !matches!(self, JobStatus::Queued | JobStatus::Running | JobStatus::Held(_))
    }

    /// Stopped by an error: what a compensation undoes and an operator redrives.
    pub fn is_stopped(&self) -> bool {
        matches!(self, JobStatus::Failed(_) | JobStatus::Dead(_))
    }

    /// Rebuilds a status from its stored name and reason.
    pub fn from_parts(name: &str, reason: Option<String>) -> Result<Self, DomainError> {
        let reason = || reason.clone().unwrap_or_default();
        Ok(match name {
            "queued" => JobStatus::Queued,
            "running" => JobStatus::Running,
            "done" => JobStatus::Done,
            "ignored" => JobStatus::Ignored(reason()),
            "failed" => JobStatus::Failed(reason()),
            "dead" => JobStatus::Dead(reason()),
            "held" => JobStatus::Held(reason()),
            other => return Err(DomainError::Unknown { what: "job status", value: other.into() }),
        })
    }
}

/// Where a step stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    Pending,
    Running,
    Done,
    Failed,
    Dead,
    /// Not run because an earlier step of its job stopped the job.
    Skipped,
}

impl StepStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Pending => "pending",
            StepStatus::Running => "running",
            StepStatus::Done => "done",
            StepStatus::Failed => "failed",
            StepStatus::Dead => "dead",
            StepStatus::Skipped => "skipped",
        }
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Ok(match s {
            "pending" => StepStatus::Pending,
            "running" => StepStatus::Running,
            "done" => StepStatus::Done,
            "failed" => StepStatus::Failed,
            "dead" => StepStatus::Dead,
            "skipped" => StepStatus::Skipped,
            other => return Err(DomainError::Unknown { what: "step status", value: other.into() }),
        })
    }
}

/// Same key, same effect: a retried step passes the key it was given first.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The key of step `seq` of a job in its `generation`; stable across
    /// retries and restarts. A job run again from its first step after its
    /// compensation (generation 1, 2, ...) gets new keys: its effects were
    /// undone on purpose, so the PACS must act again.
    pub fn for_step(job: &super::JobId, seq: u32, generation: u32) -> Self {
        match generation {
            0 => Self(format!("{job}/{seq}")),
            g => Self(format!("{job}/{seq}/g{g}")),
        }
    }
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
