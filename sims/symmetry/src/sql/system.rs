//! Server facts clients probe for: `@@VERSION`, `@@SPID`, `@@SERVERNAME` and the other `@@`
//! system functions, and `SERVERPROPERTY(...)`.

use super::error::SqlError;
use super::expr::Evaluator;
use super::functions::identity_value;
use crate::product;
use crate::value::{Len, SqlType, Value};

/// SERVERPROPERTY. Deliberate deviation: SQL Server returns sql_variant, which tiberius
/// cannot decode, so the simulator returns a plain nvarchar (or int for numeric properties).
pub(super) fn server_property(ev: &Evaluator<'_>, property: &str) -> (SqlType, Value) {
    let text = |s: &str| (SqlType::NVarChar(Len::Limited(128)), Value::str(s));
    let int = |i: i64| (SqlType::Int, Value::Int(i));
    match property.to_lowercase().as_str() {
        "productversion" => text(product::PRODUCT_VERSION),
        "productmajorversion" => text("15"),
        "productminorversion" => text("0"),
        "productlevel" => text("RTM"),
        "edition" => text(product::EDITION),
        "engineedition" => int(2),
        "collation" => text(product::COLLATION_NAME),
        "servername" | "machinename" => text(ev.env.server_name),
        "isclustered" | "ishadrenabled" | "isintegratedsecurityonly" => int(0),
        _ => (SqlType::NVarChar(Len::Limited(128)), Value::Null),
    }
}

pub fn system_variable(ev: &Evaluator<'_>, name: &str) -> Result<(SqlType, Value), SqlError> {
    let text = |s: &str, n: u16| (SqlType::NVarChar(Len::Limited(n)), Value::str(s));
    Ok(match name.to_lowercase().as_str() {
        "@@version" => text(&product::version_string(), 300),
        "@@spid" => (SqlType::SmallInt, Value::Int(ev.session.spid as i64)),
        "@@servername" => text(ev.env.server_name, 128),
        "@@servicename" => text("MSSQLSERVER", 128),
        "@@language" => text(product::LANGUAGE, 128),
        "@@identity" => (SqlType::Decimal { precision: 38, scale: 0 }, identity_value(ev.session.last_identity)),
        "@@rowcount" => (SqlType::Int, Value::Int(ev.session.row_count as i64)),
        "@@trancount" | "@@error" => (SqlType::Int, Value::Int(0)),
        "@@microsoftversion" => (SqlType::Int, Value::Int(0x0F00_07D0)),
        other => return Err(SqlError::unsupported(format!("the system function {other}"))),
    })
}
