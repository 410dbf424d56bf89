//! SQL Server (TDS) through tiberius: the first [`SqlDriver`].
//!
//! Maps the contract's typed values to SQL Server types (bigint, bit, float,
//! nvarchar, varbinary, datetimeoffset for instants, datetime2 for wall-clock
//! times) and back, and the server's errors to `login` / `server` errors
//! carrying its error number and class.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, NaiveTime, Utc};
use futures_util::TryStreamExt;
use tiberius::{AuthMethod, Client, ColumnData, Config, EncryptionLevel, FromSql, Query, QueryItem};
use tokio::net::TcpStream;
use tokio_util::compat::{Compat, TokioAsyncWriteCompatExt};

use crate::capabilities::sql::{value_size, SqlConnection, SqlDriver};
use crate::contract::bindings::gatehouse::connector::sql::{Rows, ServerError, SqlError, Value};
use crate::grant::{EncryptMode, SqlDsn};

/// Opens SQL Server connections with SQL authentication.
#[derive(Clone, Copy, Debug, Default)]
pub struct TdsDriver;

struct TdsConnection(Client<Compat<TcpStream>>);

#[async_trait]
impl SqlDriver for TdsDriver {
    async fn connect(&self, dsn: &SqlDsn, password: &str) -> Result<Box<dyn SqlConnection>, SqlError> {
        let mut config = Config::new();
        config.host(&dsn.host);
        config.port(dsn.port);
        config.database(&dsn.database);
        config.application_name("gatehouse");
        config.authentication(AuthMethod::sql_server(&dsn.user, password));
        config.encryption(match dsn.encrypt {
            EncryptMode::Off => EncryptionLevel::NotSupported,
            EncryptMode::LoginOnly => EncryptionLevel::Off,
            EncryptMode::Required => EncryptionLevel::Required,
        });
        if dsn.trust_server_cert {
            config.trust_cert();
        }
        let tcp = TcpStream::connect(config.get_addr())
            .await
            .map_err(|error| SqlError::Connect(format!("{}:{}: {error}", dsn.host, dsn.port)))?;
        // Small request/response exchanges: do not wait to fill packets.
        let _ = tcp.set_nodelay(true);
        let client = Client::connect(config, tcp.compat_write()).await.map_err(|error| match error {
            tiberius::error::Error::Server(token) => SqlError::Login(server_error(&token)),
            other => SqlError::Connect(other.to_string()),
        })?;
        Ok(Box::new(TdsConnection(client)))
    }
}

#[async_trait]
impl SqlConnection for TdsConnection {
    async fn query(&mut self, statement: &str, params: &[Value], max_bytes: u64) -> Result<Rows, SqlError> {
        let mut stream = bind(statement, params).query(&mut self.0).await.map_err(statement_error)?;
        let mut columns = Vec::new();
        let mut rows = Vec::new();
        let mut size = 0u64;
        // Only the first result set is returned; later ones are drained.
        let mut result_sets = 0;
        while let Some(item) = stream.try_next().await.map_err(statement_error)? {
            match item {
                QueryItem::Metadata(meta) => {
                    result_sets += 1;
                    if result_sets == 1 {
                        columns = meta.columns().iter().map(|c| c.name().to_owned()).collect();
                    }
                }
                QueryItem::Row(row) if result_sets <= 1 => {
                    let values: Vec<Value> = row.into_iter().map(to_value).collect();
                    size += values.iter().map(value_size).sum::<u64>();
                    if size > max_bytes {
                        return Err(SqlError::TooLarge(max_bytes));
                    }
                    rows.push(values);
                }
                QueryItem::Row(_) => {}
            }
        }
        Ok(Rows { columns, rows })
    }

    async fn execute(&mut self, statement: &str, params: &[Value]) -> Result<u64, SqlError> {
        let result = bind(statement, params).execute(&mut self.0).await.map_err(statement_error)?;
        Ok(result.total())
    }
}

fn bind<'a>(statement: &'a str, params: &[Value]) -> Query<'a> {
    let mut query = Query::new(statement);
    for param in params {
        match param.clone() {
            Value::Null => query.bind(Option::<&str>::None),
            Value::Boolean(b) => query.bind(b),
            Value::Int(i) => query.bind(i),
            Value::Float(f) => query.bind(f),
            Value::Text(text) => query.bind(text),
            Value::Bytes(bytes) => query.bind(bytes),
            Value::Timestamp(millis) => match DateTime::<Utc>::from_timestamp_millis(millis) {
                Some(instant) => query.bind(instant),
                None => query.bind(Option::<DateTime<Utc>>::None),
            },
            Value::LocalTimestamp(millis) => match DateTime::<Utc>::from_timestamp_millis(millis) {
                Some(wall) => query.bind(wall.naive_utc()),
                None => query.bind(Option::<NaiveDateTime>::None),
            },
        }
    }
    query
}

fn to_value(data: ColumnData<'static>) -> Value {
    let local = |data: &ColumnData<'static>| {
        NaiveDateTime::from_sql(data)
            .ok()
            .flatten()
            .map_or(Value::Null, |wall| Value::LocalTimestamp(wall.and_utc().timestamp_millis()))
    };
    match data {
        ColumnData::U8(v) => v.map_or(Value::Null, |v| Value::Int(v.into())),
        ColumnData::I16(v) => v.map_or(Value::Null, |v| Value::Int(v.into())),
        ColumnData::I32(v) => v.map_or(Value::Null, |v| Value::Int(v.into())),
        ColumnData::I64(v) => v.map_or(Value::Null, Value::Int),
        ColumnData::F32(v) => v.map_or(Value::Null, |v| Value::Float(v.into())),
        ColumnData::F64(v) => v.map_or(Value::Null, Value::Float),
        ColumnData::Bit(v) => v.map_or(Value::Null, Value::Boolean),
        ColumnData::String(v) => v.map_or(Value::Null, |v| Value::Text(v.into_owned())),
        ColumnData::Guid(v) => v.map_or(Value::Null, |v| Value::Text(v.to_string())),
        ColumnData::Binary(v) => v.map_or(Value::Null, |v| Value::Bytes(v.into_owned())),
        ColumnData::Numeric(v) => v.map_or(Value::Null, |n| match i64::try_from(n.value()) {
            Ok(int) if n.scale() == 0 => Value::Int(int),
            _ => Value::Float(n.into()),
        }),
        ColumnData::Xml(v) => v.map_or(Value::Null, |xml| Value::Text(xml.to_string())),
        ColumnData::Time(_) => {
            NaiveTime::from_sql(&data).ok().flatten().map_or(Value::Null, |time| Value::Text(time.to_string()))
        }
        ColumnData::DateTimeOffset(_) => DateTime::<Utc>::from_sql(&data)
            .ok()
            .flatten()
            .map_or(Value::Null, |instant| Value::Timestamp(instant.timestamp_millis())),
        ColumnData::DateTime(_) | ColumnData::SmallDateTime(_) | ColumnData::DateTime2(_) => local(&data),
        ColumnData::Date(_) => chrono::NaiveDate::from_sql(&data).ok().flatten().map_or(Value::Null, |date| {
            Value::LocalTimestamp(date.and_time(NaiveTime::MIN).and_utc().timestamp_millis())
        }),
    }
}

fn server_error(token: &tiberius::error::TokenError) -> ServerError {
    ServerError { number: token.code(), class: token.class(), message: token.message().to_owned() }
}

fn statement_error(error: tiberius::error::Error) -> SqlError {
    match error {
        tiberius::error::Error::Server(token) => SqlError::Server(server_error(&token)),
        other => SqlError::Connect(other.to_string()),
    }
}
