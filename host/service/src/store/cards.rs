//! Card-number pools. A number is live from issue until its owner's
//! credentials are revoked, and is never handed out again while live; an
//! exhausted pool is an error, never a wrap-around.

use super::rows::{get, parse};
use super::{StoreError, WriteTx};
use crate::domain::{to_millis, InstallId, TenantId};
use chrono::{DateTime, Utc};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardAllocation {
    pub facility_code: u32,
    pub number: u64,
    pub format: String,
}

/// What [`WriteTx::hold_issued_card`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IssuedCardHold {
    /// The PACS used the allocated number.
    AsAllocated,
    /// The owner now holds the number the PACS used instead.
    Moved,
    /// The PACS's number is outside the pool; the allocation was freed.
    OutsidePool,
    /// Another owner holds the PACS's number: pool and PACS disagree, and the
    /// allocation was kept.
    HeldByOther(String),
}

impl WriteTx {
    /// The lowest free number of the install's pool for `facility_code`,
    /// marked live for `owner`. An owner that already holds a number of the
    /// pool gets it again, so a retried step never takes a second card.
    pub async fn allocate_card(
        &mut self,
        tenant: &TenantId,
        install: &InstallId,
        facility_code: u32,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<CardAllocation, StoreError> {
        let fc = i64::from(facility_code);
        let pool = sqlx::query(
            "SELECT format, min_number, max_number FROM card_pools
             WHERE tenant_id = $1 AND install_id = $2 AND facility_code = $3",
        )
        .bind(tenant.as_str())
        .bind(install.as_str())
        .bind(fc)
        .fetch_optional(self.conn())
        .await?
        .ok_or_else(|| StoreError::NoPool { install: install.to_string(), facility_code })?;
        let format: String = get(&pool, "format")?;
        let (min, max): (i64, i64) = (get(&pool, "min_number")?, get(&pool, "max_number")?);

        let held = sqlx::query(
            "SELECT number FROM card_numbers WHERE tenant_id = $1 AND install_id = $2 AND facility_code = $3 AND owner = $4",
        )
        .bind(tenant.as_str())
        .bind(install.as_str())
        .bind(fc)
        .bind(owner)
        .fetch_optional(self.conn())
        .await?;
        if let Some(row) = held {
            let number = parse(u64::try_from(get::<i64>(&row, "number")?))?;
            return Ok(CardAllocation { facility_code, number, format });
        }

        // The lowest free number is the minimum itself, or one above a live number.
        let row = sqlx::query(
            "SELECT MIN(candidate) AS free FROM (
                 SELECT $4 AS candidate WHERE NOT EXISTS (
                     SELECT 1 FROM card_numbers WHERE install_id = $2 AND facility_code = $3 AND number = $4)
                 UNION ALL
                 SELECT n.number + 1 AS candidate FROM card_numbers n
                 WHERE n.tenant_id = $1 AND n.install_id = $2 AND n.facility_code = $3
                   AND n.number >= $4 AND n.number < $5
                   AND NOT EXISTS (SELECT 1 FROM card_numbers m
                                   WHERE m.install_id = $2 AND m.facility_code = $3 AND m.number = n.number + 1)
             ) AS candidates",
        )
        .bind(tenant.as_str())
        .bind(install.as_str())
        .bind(fc)
        .bind(min)
        .bind(max)
        .fetch_one(self.conn())
        .await?;
        let Some(free) = get::<Option<i64>>(&row, "free")? else {
            return Err(StoreError::PoolExhausted {
                install: install.to_string(),
                facility_code,
                min: parse(u64::try_from(min))?,
                max: parse(u64::try_from(max))?,
            });
        };
        self.hold(tenant, install, fc, free, owner, now).await?;
        Ok(CardAllocation { facility_code, number: parse(u64::try_from(free))?, format })
    }

    /// Makes the pool agree with the card the PACS really issued to `owner`,
    /// which a connector that numbers its own cards may choose apart from the
    /// number allocated for the call. The owner's number of that facility
    /// code becomes `number` when the pool covers it and nobody else holds
    /// it; a number outside the pool frees the allocation, which no card uses.
    pub async fn hold_issued_card(
        &mut self,
        tenant: &TenantId,
        install: &InstallId,
        owner: &str,
        facility_code: u32,
        number: u64,
        now: DateTime<Utc>,
    ) -> Result<IssuedCardHold, StoreError> {
        let (fc, wanted) = (i64::from(facility_code), parse(i64::try_from(number))?);
        let holder =
            sqlx::query("SELECT owner FROM card_numbers WHERE install_id = $1 AND facility_code = $2 AND number = $3")
                .bind(install.as_str())
                .bind(fc)
                .bind(wanted)
                .fetch_optional(self.conn())
                .await?;
        if let Some(row) = holder {
            let holder: String = get(&row, "owner")?;
            return Ok(if holder == owner { IssuedCardHold::AsAllocated } else { IssuedCardHold::HeldByOther(holder) });
        }
        let in_pool = sqlx::query(
            "SELECT 1 AS hit FROM card_pools WHERE tenant_id = $1 AND install_id = $2 AND facility_code = $3
               AND min_number <= $4 AND $4 <= max_number",
        )
        .bind(tenant.as_str())
        .bind(install.as_str())
        .bind(fc)
        .bind(wanted)
        .fetch_optional(self.conn())
        .await?
        .is_some();
        let owned = "tenant_id = $1 AND install_id = $2 AND facility_code = $3 AND owner = $4";
        if in_pool {
            let moved = sqlx::query(&format!("UPDATE card_numbers SET number = $5 WHERE {owned}"))
                .bind(tenant.as_str())
                .bind(install.as_str())
                .bind(fc)
                .bind(owner)
                .bind(wanted)
                .execute(self.conn())
                .await?
                .rows_affected();
            if moved == 0 {
                // Nothing was allocated under this facility code: hold the card's number all the same.
                self.hold(tenant, install, fc, wanted, owner, now).await?;
            }
            Ok(IssuedCardHold::Moved)
        } else {
            sqlx::query(&format!("DELETE FROM card_numbers WHERE {owned}"))
                .bind(tenant.as_str())
                .bind(install.as_str())
                .bind(fc)
                .bind(owner)
                .execute(self.conn())
                .await?;
            Ok(IssuedCardHold::OutsidePool)
        }
    }

    /// Marks `number` live for `owner`.
    async fn hold(
        &mut self,
        tenant: &TenantId,
        install: &InstallId,
        fc: i64,
        number: i64,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO card_numbers (tenant_id, install_id, facility_code, number, owner, issued_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(tenant.as_str())
        .bind(install.as_str())
        .bind(fc)
        .bind(number)
        .bind(owner)
        .bind(to_millis(now))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Returns every number `owner` holds at the install to its pool.
    pub async fn release_cards(
        &mut self,
        tenant: &TenantId,
        install: &InstallId,
        owner: &str,
    ) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM card_numbers WHERE tenant_id = $1 AND install_id = $2 AND owner = $3")
            .bind(tenant.as_str())
            .bind(install.as_str())
            .bind(owner)
            .execute(self.conn())
            .await?
            .rows_affected())
    }

    /// The live numbers of one pool, ascending.
    pub async fn live_cards(
        &mut self,
        tenant: &TenantId,
        install: &InstallId,
        facility_code: u32,
    ) -> Result<Vec<u64>, StoreError> {
        let rows = sqlx::query(
            "SELECT number FROM card_numbers WHERE tenant_id = $1 AND install_id = $2 AND facility_code = $3 ORDER BY number",
        )
        .bind(tenant.as_str())
        .bind(install.as_str())
        .bind(i64::from(facility_code))
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(|row| parse(u64::try_from(get::<i64>(row, "number")?))).collect()
    }
}
