//! The simulated databases: multiMAX as typed records, multiMAXImport as stored tables, and the
//! catalog that names them for SQL.

pub mod multimax;
pub mod schema;
pub mod table;

use serde_json::{Map, Value as Json};

use self::multimax::MultiMax;
use self::schema::{Database, ObjectId};
use self::table::StoredTable;
use crate::value::Value;

/// Everything a statement or the import processor reads and writes, behind one lock.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub multimax: MultiMax,
    pub data_import: StoredTable,
    pub messages: StoredTable,
}

impl Catalog {
    /// An empty multiMAX and an import database whose MessageTable holds `messages`.
    pub fn new(messages: &[(i64, String)]) -> Self {
        let mut message_table = StoredTable::new(ObjectId::MessageTable.columns().to_vec());
        let rows =
            messages.iter().map(|(status, text)| vec![(0, Value::Int(*status)), (1, Value::str(text))]).collect();
        message_table.insert_rows(rows).expect("status messages fit MessageTable");
        Catalog {
            multimax: MultiMax::default(),
            data_import: StoredTable::new(ObjectId::DataImportTable.columns().to_vec()),
            messages: message_table,
        }
    }

    /// A snapshot of an object's rows in its column order.
    pub fn rows(&self, object: ObjectId) -> Vec<Vec<Value>> {
        match object {
            ObjectId::DataImportTable => self.data_import.rows().to_vec(),
            ObjectId::MessageTable => self.messages.rows().to_vec(),
            other => self.multimax.rows(other),
        }
    }

    /// Every table and view as JSON: `{ "multiMAX": { "CardInfoTable": [ {column: value} ] } }`.
    /// Import rows list only the columns that are set, to keep dumps readable.
    pub fn dump(&self) -> Json {
        let mut databases = Map::new();
        for database in [Database::MultiMax, Database::MultiMaxImport] {
            let mut objects = Map::new();
            for object in ObjectId::ALL.into_iter().filter(|o| o.database() == database) {
                let columns = object.columns();
                let sparse = object == ObjectId::DataImportTable;
                let rows: Vec<Json> = self
                    .rows(object)
                    .iter()
                    .map(|row| {
                        let fields = columns
                            .iter()
                            .zip(row)
                            .filter(|(_, v)| !(sparse && v.is_null()))
                            .map(|(c, v)| (c.name.clone(), v.to_json()));
                        Json::Object(fields.collect())
                    })
                    .collect();
                objects.insert(object.name().to_string(), Json::Array(rows));
            }
            databases.insert(database.name().to_string(), Json::Object(objects));
        }
        Json::Object(databases)
    }
}
