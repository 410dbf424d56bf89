//! Conversions between stored columns and domain types, in one place.

use super::StoreError;
use crate::domain::{from_millis, AccessWindow};
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

pub(crate) fn get<'r, T>(row: &'r SqliteRow, column: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    Ok(row.try_get(column)?)
}

pub(crate) fn instant(row: &SqliteRow, column: &str) -> Result<DateTime<Utc>, StoreError> {
    Ok(from_millis(get::<i64>(row, column)?))
}

pub(crate) fn opt_instant(row: &SqliteRow, column: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(get::<Option<i64>>(row, column)?.map(from_millis))
}

pub(crate) fn json(row: &SqliteRow, column: &str) -> Result<serde_json::Value, StoreError> {
    let text: String = get(row, column)?;
    serde_json::from_str(&text).map_err(|e| StoreError::corrupt(format!("{column}: {e}")))
}

pub(crate) fn window(row: &SqliteRow, start: &str, end: &str) -> Result<Option<AccessWindow>, StoreError> {
    match (opt_instant(row, start)?, opt_instant(row, end)?) {
        (Some(s), Some(e)) => Ok(Some(AccessWindow::new(s, e).map_err(StoreError::corrupt)?)),
        _ => Ok(None),
    }
}

pub(crate) fn parse<T, E: std::fmt::Display>(result: Result<T, E>) -> Result<T, StoreError> {
    result.map_err(StoreError::corrupt)
}
