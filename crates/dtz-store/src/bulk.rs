//! Multi-row inserts: many rows per statement. Bulk loads (`dtz demo --scale`, the CSV
//! import, the audit chain's batches) go through here; one statement per row would cost a
//! round trip per row on PostgreSQL. SQLite gets `VALUES (…), (…)` within its limit on
//! bound values (32766 per statement); PostgreSQL gets one array per column and
//! `SELECT * FROM UNNEST(…)`, so a statement's text and its parameters stay the same
//! whatever the number of rows (see docs/ARCHITECTURE.md, "Bulk writes").

use crate::sql::{Arg, Sql};
use crate::{Dialect, Result, StoreError, Tx};
use sqlx::postgres::PgArguments;
use sqlx::{AssertSqlSafe, Postgres};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// Rows per statement of PostgreSQL's array inserts: bounds the memory of one statement.
const UNNEST_ROWS: usize = 10_000;

/// Values bound per statement. SQLite's limit is 32766; since it is sent anonymous `?`
/// placeholders (`db::statement_text`), a statement's cost grows with its rows only, so
/// few large statements beat many small ones (each is stepped, and its text built and
/// looked up in the statement cache, once). PostgreSQL pays a round trip per statement
/// and takes arrays anyway (see [`insert`]); its `VALUES` fallback stays under 65535.
pub fn bound_per_statement(dialect: Dialect) -> usize {
    match dialect {
        Dialect::Sqlite => 30_000,
        Dialect::Postgres => 8_000,
    }
}

/// Insert `rows`, each with one value per column named in `head`, which is the statement
/// up to and including `VALUES` (`"INSERT INTO teams (id, name) VALUES "`). Returns the
/// number of rows inserted.
pub async fn insert(tx: &mut Tx, head: &'static str, rows: &[Vec<Arg>]) -> Result<u64> {
    let Some(width) = rows.first().map(Vec::len) else {
        return Ok(0);
    };
    if width == 0 || rows.iter().any(|r| r.len() != width) {
        return Err(StoreError::Config(format!("bulk insert `{head}`: rows must have the same, non-zero width")));
    }
    if let Tx::Postgres(pg) = tx
        && let Some(statement) = unnest_statement(head, width)
        && let Some(pieces) = rows.chunks(UNNEST_ROWS).map(columns).collect::<Option<Vec<_>>>()
    {
        let mut inserted = 0;
        for piece in pieces {
            crate::counting::tick();
            let mut q = sqlx::query(AssertSqlSafe(statement.clone()));
            for c in piece {
                q = c.bind_to(q);
            }
            inserted += q.execute(&mut **pg).await?.rows_affected();
        }
        return Ok(inserted);
    }
    let mut inserted = 0;
    for chunk in rows.chunks((bound_per_statement(tx.dialect()) / width).max(1)) {
        inserted += tx.q().execute(&statement(head, chunk)).await?;
    }
    Ok(inserted)
}

/// One statement: `head ($1, $2), ($3, $4), …`.
fn statement(head: &'static str, rows: &[Vec<Arg>]) -> Sql {
    let mut q = Sql::new(head);
    for (i, row) in rows.iter().enumerate() {
        q.push(if i == 0 { "(" } else { ", (" });
        q.bind_list(row.iter().cloned());
        q.push(")");
    }
    q
}

/// `head` (`INSERT INTO t (a, b) VALUES `) as an insert of arrays, one per column:
/// `INSERT INTO t (a, b) SELECT * FROM UNNEST($1, $2)`; the arrays' types come from the
/// bound values. `None` if `head` does not end in `VALUES`.
fn unnest_statement(head: &str, width: usize) -> Option<String> {
    let into = head.trim_end().strip_suffix("VALUES")?;
    let params: Vec<String> = (1..=width).map(|i| format!("${i}")).collect();
    Some(format!("{into}SELECT * FROM UNNEST({})", params.join(", ")))
}

/// One column of rows as a typed array.
#[derive(Debug, PartialEq)]
enum Column {
    Uuid(Vec<Option<Uuid>>),
    Text(Vec<Option<String>>),
    Int(Vec<Option<i64>>),
    Bool(Vec<Option<bool>>),
    Time(Vec<Option<OffsetDateTime>>),
    Bytes(Vec<Option<Vec<u8>>>),
    Date(Vec<Option<Date>>),
}

macro_rules! column_kinds {
    ($m:ident) => {
        $m!(Uuid, Text, Int, Bool, Time, Bytes, Date)
    };
}

impl Column {
    fn bind_to<'q>(
        self,
        q: sqlx::query::Query<'q, Postgres, PgArguments>,
    ) -> sqlx::query::Query<'q, Postgres, PgArguments> {
        macro_rules! bind {
            ($($k:ident),*) => { match self { $(Column::$k(v) => q.bind(v)),* } };
        }
        column_kinds!(bind)
    }
}

/// The rows as columns, or `None` when a column holds values of different kinds (then
/// the rows go as `VALUES`, where the database converts each value on its own).
fn columns(rows: &[Vec<Arg>]) -> Option<Vec<Column>> {
    let width = rows.first()?.len();
    (0..width)
        .map(|j| {
            macro_rules! collect {
                ($($k:ident),*) => { match &rows[0][j] {
                    $(Arg::$k(_) => rows
                        .iter()
                        .map(|r| match &r[j] { Arg::$k(v) => Some(v.clone()), _ => None })
                        .collect::<Option<Vec<_>>>()
                        .map(Column::$k),)*
                } };
            }
            column_kinds!(collect)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_one_statement_with_numbered_placeholders() {
        let rows = vec![vec![Arg::from(1i64), Arg::from("a")], vec![Arg::from(2i64), Arg::from("b")]];
        let q = statement("INSERT INTO t (n, s) VALUES ", &rows);
        assert_eq!(q.text(), "INSERT INTO t (n, s) VALUES ($1, $2), ($3, $4)");
        assert_eq!(q.args().len(), 4);
    }

    #[test]
    fn rows_become_typed_columns_in_pieces() {
        let id = Uuid::from_u128(7);
        let rows: Vec<Vec<Arg>> = (0..5).map(|i| vec![Arg::from(i as i64), Arg::Text(None), Arg::from(id)]).collect();
        let head = "INSERT INTO t (n, s, u) VALUES ";
        assert_eq!(unnest_statement(head, 3).unwrap(), "INSERT INTO t (n, s, u) SELECT * FROM UNNEST($1, $2, $3)");
        assert_eq!(unnest_statement("INSERT INTO t (n) SELECT 1", 1), None);
        let cols = columns(&rows).unwrap();
        assert_eq!(cols[0], Column::Int((0..5).map(Some).collect()));
        assert_eq!(cols[1], Column::Text(vec![None; 5]));
        let pieces: Vec<Vec<Column>> = rows.chunks(2).map(|r| columns(r).unwrap()).collect();
        assert_eq!(pieces.len(), 3);
        assert_eq!(pieces[2][0], Column::Int(vec![Some(4)]));
        assert_eq!(pieces[1][2], Column::Uuid(vec![Some(id); 2]));
        // A column of mixed kinds goes as VALUES.
        let mixed = vec![vec![Arg::from(1i64)], vec![Arg::from("a")]];
        assert!(columns(&mixed).is_none());
    }
}
