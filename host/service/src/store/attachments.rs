//! Attachments on a job: the cards, PINs (sealed) and QR images it issued.

use super::rows::{get, instant, parse};
use super::{Store, StoreError, WriteTx};
use crate::domain::{to_millis, AttachmentId, CardCredential, InstallId, JobId, SealedPin, Subject, TenantId};
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;

/// What an attachment holds.
#[derive(Clone, Debug, PartialEq)]
pub enum AttachmentBody {
    Card(CardCredential),
    /// Shown once through [`WriteTx::take_pin`], then only its existence.
    Pin(SealedPin),
    /// The QR code of a card, as PNG.
    QrPng(Vec<u8>),
    /// What the connector could not do exactly as asked, in its words (a name
    /// stored through a code page that lacks some of its characters, ...).
    Warning(String),
}

impl AttachmentBody {
    fn kind(&self) -> &'static str {
        match self {
            AttachmentBody::Card(_) => "card",
            AttachmentBody::Pin(_) => "pin",
            AttachmentBody::QrPng(_) => "qr-png",
            AttachmentBody::Warning(_) => "warning",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Attachment {
    pub id: AttachmentId,
    pub job_id: JobId,
    pub subject: Subject,
    pub body: AttachmentBody,
    pub pin_revealed: bool,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str =
    "id, job_id, subject, kind, card_number, facility_code, card_format, sealed_pin, pin_revealed, png, note, created_at";

fn attachment_from(row: &SqliteRow) -> Result<Attachment, StoreError> {
    let body = match get::<String>(row, "kind")?.as_str() {
        "card" => AttachmentBody::Card(CardCredential {
            card_number: parse(u64::try_from(get::<i64>(row, "card_number")?))?,
            facility_code: parse(u32::try_from(get::<i64>(row, "facility_code")?))?,
            format: get(row, "card_format")?,
        }),
        "pin" => AttachmentBody::Pin(SealedPin::from_sealed_bytes(get(row, "sealed_pin")?)),
        "qr-png" => AttachmentBody::QrPng(get(row, "png")?),
        "warning" => AttachmentBody::Warning(get::<Option<String>>(row, "note")?.unwrap_or_default()),
        other => return Err(StoreError::corrupt(format!("attachment kind {other}"))),
    };
    Ok(Attachment {
        id: AttachmentId::new(get::<String>(row, "id")?),
        job_id: JobId::new(get::<String>(row, "job_id")?),
        subject: parse(Subject::parse(&get::<String>(row, "subject")?))?,
        body,
        pin_revealed: get(row, "pin_revealed")?,
        created_at: instant(row, "created_at")?,
    })
}

impl WriteTx {
    pub async fn insert_attachment(
        &mut self,
        tenant: &TenantId,
        install: &InstallId,
        job: &JobId,
        subject: &Subject,
        body: &AttachmentBody,
        now: DateTime<Utc>,
    ) -> Result<AttachmentId, StoreError> {
        let id = AttachmentId::generate();
        let (card, pin, png, note) = match body {
            AttachmentBody::Card(card) => (Some(card), None, None, None),
            AttachmentBody::Pin(pin) => (None, Some(pin.as_sealed_bytes()), None, None),
            AttachmentBody::QrPng(png) => (None, None, Some(png.as_slice()), None),
            AttachmentBody::Warning(note) => (None, None, None, Some(note.as_str())),
        };
        sqlx::query(
            "INSERT INTO attachments (id, tenant_id, install_id, job_id, subject, kind, card_number, facility_code,
                 card_format, sealed_pin, pin_revealed, png, note, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, FALSE, $11, $13, $12)",
        )
        .bind(id.as_str())
        .bind(tenant.as_str())
        .bind(install.as_str())
        .bind(job.as_str())
        .bind(subject.key())
        .bind(body.kind())
        .bind(card.map(|c| i64::try_from(c.card_number)).transpose().map_err(StoreError::corrupt)?)
        .bind(card.map(|c| i64::from(c.facility_code)))
        .bind(card.map(|c| c.format.as_str()))
        .bind(pin)
        .bind(png)
        .bind(to_millis(now))
        .bind(note)
        .execute(self.conn())
        .await?;
        Ok(id)
    }

    /// Hands out a sealed PIN the first time only; afterwards `None`.
    pub async fn take_pin(
        &mut self,
        tenant: &TenantId,
        attachment: &AttachmentId,
    ) -> Result<Option<SealedPin>, StoreError> {
        let row = sqlx::query(
            "UPDATE attachments SET pin_revealed = TRUE
             WHERE tenant_id = $1 AND id = $2 AND kind = 'pin' AND pin_revealed = FALSE RETURNING sealed_pin",
        )
        .bind(tenant.as_str())
        .bind(attachment.as_str())
        .fetch_optional(self.conn())
        .await?;
        row.map(|row| Ok(SealedPin::from_sealed_bytes(get(&row, "sealed_pin")?))).transpose()
    }
}

impl Store {
    /// The latest card issued to the subject at the install.
    pub async fn latest_card(
        &self,
        tenant: &TenantId,
        install: &InstallId,
        subject: &Subject,
    ) -> Result<Option<CardCredential>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM attachments WHERE tenant_id = $1 AND install_id = $2 AND subject = $3 AND kind = 'card'
             ORDER BY created_at DESC LIMIT 1"
        );
        let row = sqlx::query(&sql)
            .bind(tenant.as_str())
            .bind(install.as_str())
            .bind(subject.key())
            .fetch_optional(self.pool())
            .await?;
        match row.as_ref().map(attachment_from).transpose()? {
            Some(Attachment { body: AttachmentBody::Card(card), .. }) => Ok(Some(card)),
            _ => Ok(None),
        }
    }

    pub async fn attachments(&self, tenant: &TenantId, job: &JobId) -> Result<Vec<Attachment>, StoreError> {
        let sql =
            format!("SELECT {COLUMNS} FROM attachments WHERE tenant_id = $1 AND job_id = $2 ORDER BY created_at, id");
        let rows = sqlx::query(&sql).bind(tenant.as_str()).bind(job.as_str()).fetch_all(self.pool()).await?;
        rows.iter().map(attachment_from).collect()
    }
}
