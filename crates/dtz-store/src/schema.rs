//! The schema as the database reports it, in a form both dialects share, so a test can
//! prove SQLite and PostgreSQL migrate to the same tables and columns.

use crate::sql::Sql;
use crate::{Db, Dialect, Result};

/// One column: table, name, portable type class, nullable.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Column {
    /// Table.
    pub table: String,
    /// Column.
    pub name: String,
    /// `int`, `text`, `bytes` or `real`.
    pub class: String,
    /// Whether NULL is allowed.
    pub nullable: bool,
}

fn class_of(declared: &str) -> &'static str {
    match declared.to_ascii_lowercase().as_str() {
        "integer" | "bigint" | "boolean" | "smallint" => "int",
        "text" | "timestamp with time zone" | "date" | "character varying" => "text",
        "blob" | "bytea" | "uuid" => "bytes",
        "real" | "double precision" | "numeric" => "real",
        _ => "other",
    }
}

/// Every column of every table dtz made (migration bookkeeping left out).
pub async fn columns(db: &Db) -> Result<Vec<Column>> {
    let rows: Vec<(String, String, String, bool)> = match db.dialect() {
        Dialect::Sqlite => {
            db.read()
                .fetch_all(&Sql::new(
                    "SELECT m.name, p.name, p.type, p.\"notnull\" = 0 AND p.pk = 0 FROM sqlite_schema m \
                     JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
                ))
                .await?
        }
        Dialect::Postgres => {
            db.read()
                .fetch_all(&Sql::new(
                    "SELECT table_name::text, column_name::text, data_type::text, is_nullable = 'YES' FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%'",
                ))
                .await?
        }
    };
    let mut out: Vec<Column> = rows
        .into_iter()
        .map(|(table, name, ty, nullable)| Column { table, name, class: class_of(&ty).to_owned(), nullable })
        .collect();
    out.sort();
    Ok(out)
}
