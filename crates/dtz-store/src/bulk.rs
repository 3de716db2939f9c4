//! Multi-row inserts: many rows per statement, within the databases' limits on bound
//! values (SQLite 32766 per statement, PostgreSQL 65535). Bulk loads (`dtz demo --scale`,
//! the audit chain's batches) go through here; one statement per row would cost a round
//! trip per row on PostgreSQL.

use crate::sql::{Arg, Sql};
use crate::{Dialect, Result, StoreError, Tx};

/// Values bound per statement. SQLite looks each `$N` parameter up by name with a linear
/// search while it parses, so a statement's cost grows with the square of its parameters:
/// a few hundred per statement loaded fastest (see bench/RESULTS.md). PostgreSQL pays a
/// round trip per statement instead, so it takes larger ones (its limit is 65535).
pub fn bound_per_statement(dialect: Dialect) -> usize {
    match dialect {
        Dialect::Sqlite => 500,
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
}
