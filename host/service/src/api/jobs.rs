//! Jobs and events: what each event caused, step by step, with errors and
//! attachments (a PIN shows only whether it was revealed, never its digits),
//! and re-driving a dead job.

use super::auth::Principal;
use super::{limit, ApiQuery, ApiState, TenantPath};
use crate::domain::{CardCredential, InstallId, JobId, TenantId, VisitId};
use crate::intake::ApiError;
use crate::service::{AttachmentView, JobQuery, JobView};
use crate::store::{EventFilter, JobRecord, StepRecord, StoredEvent};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct JobSummaryView {
    pub id: JobId,
    pub install_id: InstallId,
    /// `visit:<id>` or `employee:<email>`.
    pub subject: String,
    /// queued, running, held, done, ignored, failed or dead.
    pub status: String,
    pub reason: Option<String>,
    pub event_id: Option<String>,
    pub policy_version: Option<i64>,
    /// For a compensation job: the failed job whose effects it undoes.
    pub compensates: Option<JobId>,
    /// How often the job was run again from its first step after its compensation.
    pub generation: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<JobRecord> for JobSummaryView {
    fn from(j: JobRecord) -> Self {
        JobSummaryView {
            id: j.id,
            install_id: j.install_id,
            subject: j.subject.key(),
            status: j.status.name().to_string(),
            reason: j.status.reason().map(str::to_string),
            event_id: j.event_id.map(|e| e.to_string()),
            policy_version: j.policy_version,
            compensates: j.compensates,
            generation: j.generation,
            created_at: j.created_at,
            updated_at: j.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct StepView {
    pub seq: u32,
    pub action: String,
    #[schema(value_type = Object)]
    pub params: serde_json::Value,
    pub status: String,
    pub attempts: u32,
    pub due_at: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
    /// transient, permanent, config, auth or conflict.
    pub error_kind: Option<String>,
    pub error: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub outcome: Option<serde_json::Value>,
}

impl From<StepRecord> for StepView {
    fn from(s: StepRecord) -> Self {
        StepView {
            seq: s.seq,
            action: s.planned.action.name().to_string(),
            params: s.planned.params,
            status: s.status.as_str().to_string(),
            attempts: s.attempts,
            due_at: s.planned.due_at,
            next_attempt_at: s.next_attempt_at,
            error_kind: s.error_kind.map(|k| k.as_str().to_string()),
            error: s.error,
            outcome: s.outcome,
        }
    }
}

/// A card, a PIN (only whether it was revealed) or a QR image (only its size).
#[derive(Serialize, ToSchema)]
pub struct AttachmentInfo {
    pub id: String,
    /// card, pin, qr-png or warning.
    pub kind: String,
    pub card_number: Option<u64>,
    pub facility_code: Option<u32>,
    pub card_format: Option<String>,
    pub pin_revealed: Option<bool>,
    pub bytes: Option<usize>,
    /// A warning's text.
    pub message: Option<String>,
}

impl From<AttachmentView> for AttachmentInfo {
    fn from(a: AttachmentView) -> Self {
        let none = |id: String, kind: &str| AttachmentInfo {
            id,
            kind: kind.into(),
            card_number: None,
            facility_code: None,
            card_format: None,
            pin_revealed: None,
            bytes: None,
            message: None,
        };
        match a {
            AttachmentView::Card { id, card: CardCredential { card_number, facility_code, format } } => {
                AttachmentInfo {
                    card_number: Some(card_number),
                    facility_code: Some(facility_code),
                    card_format: Some(format),
                    ..none(id.to_string(), "card")
                }
            }
            AttachmentView::Pin { id, revealed } => {
                AttachmentInfo { pin_revealed: Some(revealed), ..none(id.to_string(), "pin") }
            }
            AttachmentView::QrPng { id, bytes } => {
                AttachmentInfo { bytes: Some(bytes), ..none(id.to_string(), "qr-png") }
            }
            AttachmentView::Warning { id, message } => {
                AttachmentInfo { message: Some(message), ..none(id.to_string(), "warning") }
            }
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct JobDetail {
    pub job: JobSummaryView,
    pub steps: Vec<StepView>,
    pub attachments: Vec<AttachmentInfo>,
}

impl From<JobView> for JobDetail {
    fn from(v: JobView) -> Self {
        JobDetail {
            job: v.job.into(),
            steps: v.steps.into_iter().map(StepView::from).collect(),
            attachments: v.attachments.into_iter().map(AttachmentInfo::from).collect(),
        }
    }
}

/// Filters of the job list; every one left out matches all.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct JobListQuery {
    /// The visit's id.
    visit: Option<VisitId>,
    /// An e-mail address: the employee's jobs and those of every visit of a visitor with it.
    person: Option<String>,
    install: Option<InstallId>,
    /// queued, running, held, done, ignored, failed or dead.
    #[param(pattern = "^(queued|running|held|done|ignored|failed|dead)$")]
    status: Option<String>,
    /// Created at or after (RFC 3339).
    from: Option<DateTime<Utc>>,
    /// Created before (RFC 3339).
    to: Option<DateTime<Utc>>,
    /// At most this many, newest first (default 100, at most 1000).
    limit: Option<u32>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(super) struct JobPath {
    tenant: TenantId,
    /// The job's id.
    job: JobId,
}

#[utoipa::path(get, path = "/v1/tenants/{tenant}/jobs", tag = "jobs", params(TenantPath, JobListQuery),
    responses((status = 200, body = Vec<JobSummaryView>, description = "newest first")))]
pub(super) async fn list(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<TenantPath>,
    ApiQuery(q): ApiQuery<JobListQuery>,
) -> Result<Json<Vec<JobSummaryView>>, ApiError> {
    principal.read(&p.tenant)?;
    let query = JobQuery {
        visit: q.visit,
        person: q.person,
        install: q.install,
        status: q.status,
        from: q.from,
        to: q.to,
        limit: limit(q.limit),
    };
    Ok(Json(app.service.jobs(&p.tenant, &query).await?.into_iter().map(JobSummaryView::from).collect()))
}

/// A job with its steps, errors and attachments.
#[utoipa::path(get, path = "/v1/tenants/{tenant}/jobs/{job}", tag = "jobs", params(JobPath), responses((status = 200, body = JobDetail)))]
pub(super) async fn get(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<JobPath>,
) -> Result<Json<JobDetail>, ApiError> {
    principal.read(&p.tenant)?;
    Ok(Json(app.service.job_view(&p.tenant, &p.job).await?.into()))
}

/// Puts a dead or failed job back in the queue with a fresh retry budget.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/jobs/{job}/redrive", tag = "jobs", params(JobPath), responses((status = 204)))]
pub(super) async fn redrive(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<JobPath>,
) -> Result<StatusCode, ApiError> {
    principal.write(&p.tenant)?;
    app.service.redrive(&principal.actor(), &p.tenant, &p.job).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct EventView {
    pub id: String,
    pub install_id: InstallId,
    /// gatehouse (our JSON) or envoy.
    pub source: String,
    pub name: String,
    /// The normalised event; absent when it is only recorded.
    #[schema(value_type = Option<Object>)]
    pub normalised: Option<serde_json::Value>,
    pub ignored_reason: Option<String>,
    pub received_at: DateTime<Utc>,
}

impl From<StoredEvent> for EventView {
    fn from(e: StoredEvent) -> Self {
        EventView {
            id: e.id.to_string(),
            install_id: e.install_id,
            source: e.source,
            name: e.name,
            normalised: e.normalised.and_then(|n| serde_json::to_value(n).ok()),
            ignored_reason: e.ignored_reason,
            received_at: e.received_at,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct EventListQuery {
    install: Option<InstallId>,
    /// Received at or after (RFC 3339).
    from: Option<DateTime<Utc>>,
    /// Received before (RFC 3339).
    to: Option<DateTime<Utc>>,
    /// At most this many, newest first (default 100, at most 1000).
    limit: Option<u32>,
}

#[utoipa::path(get, path = "/v1/tenants/{tenant}/events", tag = "jobs", params(TenantPath, EventListQuery),
    responses((status = 200, body = Vec<EventView>, description = "newest first")))]
pub(super) async fn events(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<TenantPath>,
    ApiQuery(q): ApiQuery<EventListQuery>,
) -> Result<Json<Vec<EventView>>, ApiError> {
    principal.read(&p.tenant)?;
    let filter = EventFilter { install: q.install, from: q.from, to: q.to, limit: limit(q.limit) };
    Ok(Json(app.service.events(&p.tenant, &filter).await?.into_iter().map(EventView::from).collect()))
}
