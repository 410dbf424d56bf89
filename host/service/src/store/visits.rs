//! Visits and persons: the state the planner reasons on, and the PACS ids
//! connectors returned.

use super::rows::{get, opt_instant, parse, window};
use super::{Store, StoreError, WriteTx};
use crate::domain::{to_millis, InstallId, LocationId, Person, PersonKind, TenantId, Visit, VisitId, VisitState};
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;

const VISIT_COLUMNS: &str = "visit_id, visitor_type, invited, registration_complete, expected_arrival,
    window_start, window_end, provisioned, state";

fn visit_from(row: &SqliteRow) -> Result<Visit, StoreError> {
    Ok(Visit {
        visit_id: VisitId::new(get::<String>(row, "visit_id")?),
        visitor_type: get(row, "visitor_type")?,
        invited: get(row, "invited")?,
        registration_complete: get(row, "registration_complete")?,
        expected_arrival: opt_instant(row, "expected_arrival")?,
        window: window(row, "window_start", "window_end")?,
        provisioned: get(row, "provisioned")?,
        state: parse(VisitState::parse(&get::<String>(row, "state")?))?,
    })
}

pub(super) fn person_from(row: &SqliteRow) -> Result<Person, StoreError> {
    let kind = match get::<String>(row, "kind")?.as_str() {
        "visitor" => PersonKind::Visitor,
        "employee" => PersonKind::Employee,
        other => return Err(StoreError::corrupt(format!("person kind {other}"))),
    };
    let details: String = get(row, "details")?;
    Ok(Person {
        kind,
        external_id: get(row, "external_id")?,
        details: parse(serde_json::from_str(&details))?,
        pacs_id: get(row, "pacs_id")?,
    })
}

impl WriteTx {
    pub async fn visit(
        &mut self,
        tenant: &TenantId,
        install: &InstallId,
        visit: &VisitId,
    ) -> Result<Option<Visit>, StoreError> {
        let sql =
            format!("SELECT {VISIT_COLUMNS} FROM visits WHERE tenant_id = $1 AND install_id = $2 AND visit_id = $3");
        let row = sqlx::query(&sql)
            .bind(tenant.as_str())
            .bind(install.as_str())
            .bind(visit.as_str())
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(visit_from).transpose()
    }

    pub async fn upsert_visit(
        &mut self,
        tenant: &TenantId,
        install: &InstallId,
        visit: &Visit,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO visits (tenant_id, install_id, visit_id, visitor_type, invited, registration_complete,
                 expected_arrival, window_start, window_end, provisioned, state, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ON CONFLICT (install_id, visit_id) DO UPDATE SET visitor_type = excluded.visitor_type,
                 invited = excluded.invited, registration_complete = excluded.registration_complete,
                 expected_arrival = excluded.expected_arrival, window_start = excluded.window_start,
                 window_end = excluded.window_end, provisioned = excluded.provisioned, state = excluded.state,
                 updated_at = excluded.updated_at",
        )
        .bind(tenant.as_str())
        .bind(install.as_str())
        .bind(visit.visit_id.as_str())
        .bind(&visit.visitor_type)
        .bind(visit.invited)
        .bind(visit.registration_complete)
        .bind(visit.expected_arrival.map(to_millis))
        .bind(visit.window.map(|w| to_millis(w.starts_at())))
        .bind(visit.window.map(|w| to_millis(w.ends_at())))
        .bind(visit.provisioned)
        .bind(visit.state.as_str())
        .bind(to_millis(now))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    pub async fn person(
        &mut self,
        tenant: &TenantId,
        install: &InstallId,
        external_id: &str,
    ) -> Result<Option<Person>, StoreError> {
        let row = sqlx::query(
            "SELECT kind, external_id, details, pacs_id FROM persons
             WHERE tenant_id = $1 AND install_id = $2 AND external_id = $3",
        )
        .bind(tenant.as_str())
        .bind(install.as_str())
        .bind(external_id)
        .fetch_optional(self.conn())
        .await?;
        row.as_ref().map(person_from).transpose()
    }

    /// Records what we know of a person; keeps a PACS id already learned.
    pub async fn upsert_person(
        &mut self,
        tenant: &TenantId,
        install: &InstallId,
        person: &Person,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO persons (tenant_id, install_id, external_id, kind, details, pacs_id, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (install_id, external_id) DO UPDATE SET kind = excluded.kind, details = excluded.details,
                 pacs_id = COALESCE(excluded.pacs_id, persons.pacs_id), updated_at = excluded.updated_at",
        )
        .bind(tenant.as_str())
        .bind(install.as_str())
        .bind(&person.external_id)
        .bind(person.kind.as_str())
        .bind(serde_json::to_string(&person.details).map_err(StoreError::corrupt)?)
        .bind(&person.pacs_id)
        .bind(to_millis(now))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Persists the PACS id a connector returned, as soon as it exists.
    pub async fn set_pacs_id(
        &mut self,
        tenant: &TenantId,
        install: &InstallId,
        external_id: &str,
        pacs_id: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE persons SET pacs_id = $1 WHERE tenant_id = $2 AND install_id = $3 AND external_id = $4")
            .bind(pacs_id)
            .bind(tenant.as_str())
            .bind(install.as_str())
            .bind(external_id)
            .execute(self.conn())
            .await?;
        Ok(())
    }
}

impl Store {
    pub async fn visit(
        &self,
        tenant: &TenantId,
        install: &InstallId,
        visit: &VisitId,
    ) -> Result<Option<Visit>, StoreError> {
        let sql =
            format!("SELECT {VISIT_COLUMNS} FROM visits WHERE tenant_id = $1 AND install_id = $2 AND visit_id = $3");
        let row = sqlx::query(&sql)
            .bind(tenant.as_str())
            .bind(install.as_str())
            .bind(visit.as_str())
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(visit_from).transpose()
    }

    pub async fn person(
        &self,
        tenant: &TenantId,
        install: &InstallId,
        external_id: &str,
    ) -> Result<Option<Person>, StoreError> {
        let row = sqlx::query(
            "SELECT kind, external_id, details, pacs_id FROM persons
             WHERE tenant_id = $1 AND install_id = $2 AND external_id = $3",
        )
        .bind(tenant.as_str())
        .bind(install.as_str())
        .bind(external_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(person_from).transpose()
    }

    /// Visitors signed in now at any install of the location, with what we know of them.
    pub async fn signed_in_visitors(
        &self,
        tenant: &TenantId,
        location: &LocationId,
    ) -> Result<Vec<SignedInVisitor>, StoreError> {
        let sql = format!(
            "SELECT v.install_id AS visit_install, {VISIT_COLUMNS}, p.kind, p.external_id, p.details, p.pacs_id
             FROM visits v JOIN installs i ON i.id = v.install_id
               LEFT JOIN persons p ON p.install_id = v.install_id AND p.external_id = v.visit_id
             WHERE v.tenant_id = $1 AND i.location_id = $2 AND v.state = 'signed-in' ORDER BY v.updated_at, v.visit_id"
        );
        let rows = sqlx::query(&sql).bind(tenant.as_str()).bind(location.as_str()).fetch_all(self.pool()).await?;
        rows.iter()
            .map(|row| {
                let known = get::<Option<String>>(row, "kind")?.is_some();
                Ok(SignedInVisitor {
                    install_id: InstallId::new(get::<String>(row, "visit_install")?),
                    visit: visit_from(row)?,
                    person: if known { Some(person_from(row)?) } else { None },
                })
            })
            .collect()
    }

    /// The visit ids of visitors known by this e-mail address (case ignored).
    pub async fn visits_of_email(&self, tenant: &TenantId, email: &str) -> Result<Vec<VisitId>, StoreError> {
        let rows = sqlx::query(
            "SELECT kind, external_id, details, pacs_id FROM persons WHERE tenant_id = $1 AND kind = 'visitor'",
        )
        .bind(tenant.as_str())
        .fetch_all(self.pool())
        .await?;
        let mut visits = Vec::new();
        for row in &rows {
            let person = person_from(row)?;
            if person.details.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(email)) {
                visits.push(VisitId::new(person.external_id));
            }
        }
        Ok(visits)
    }
}

/// A visitor on site: the visit, at which install, and the person if known.
#[derive(Clone, Debug, PartialEq)]
pub struct SignedInVisitor {
    pub install_id: InstallId,
    pub visit: Visit,
    pub person: Option<Person>,
}
