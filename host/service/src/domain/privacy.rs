//! A tenant's privacy settings, as the privacy sheet describes them: how long
//! personal data and history are kept, and whether connector health figures
//! may leave Gatehouse at all.

use serde::{Deserialize, Serialize};

/// The privacy sheet's default retention, for every kind of data.
pub const DEFAULT_RETENTION_DAYS: u32 = 90;
/// The longest retention accepted: ten years.
pub const MAX_RETENTION_DAYS: u32 = 3650;

/// How long each kind of data is kept, in whole days. Always flattened into
/// [`PrivacySettings`], which refuses unknown fields for both.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Retention {
    /// Visitor names, e-mails, phones and raw events, counted from the end of the visit.
    #[schema(minimum = 1, maximum = 3650)]
    pub personal_data_days: u32,
    /// Jobs, steps, attachments, attempts and events, counted from the job's last change.
    #[schema(minimum = 1, maximum = 3650)]
    pub job_history_days: u32,
    /// Audit entries, counted from when they were written.
    #[schema(minimum = 1, maximum = 3650)]
    pub audit_days: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            personal_data_days: DEFAULT_RETENTION_DAYS,
            job_history_days: DEFAULT_RETENTION_DAYS,
            audit_days: DEFAULT_RETENTION_DAYS,
        }
    }
}

impl Retention {
    /// Checks every period is between one day and [`MAX_RETENTION_DAYS`].
    pub fn validate(&self) -> Result<(), String> {
        let periods = [
            ("personal_data_days", self.personal_data_days),
            ("job_history_days", self.job_history_days),
            ("audit_days", self.audit_days),
        ];
        let wrong: Vec<String> = periods
            .iter()
            .filter(|(_, days)| !(1..=MAX_RETENTION_DAYS).contains(days))
            .map(|(name, days)| format!("{name} is {days}"))
            .collect();
        if wrong.is_empty() {
            Ok(())
        } else {
            Err(format!("retention must be between 1 and {MAX_RETENTION_DAYS} days: {}", wrong.join(", ")))
        }
    }
}

/// Everything the privacy sheet lets a tenant choose.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrivacySettings {
    #[serde(flatten)]
    pub retention: Retention,
    /// Whether connector health figures may be shared outside Gatehouse.
    /// Off by default, and nothing sends them anywhere unless it is on.
    #[serde(default)]
    pub share_health: bool,
}
