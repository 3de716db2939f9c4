//! The one marked place where SQLite and PostgreSQL differ: connecting, durability
//! settings, write transactions and binding values.

mod group;

use crate::sql::{Arg, Sql};
use crate::{Result, StoreError};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, FromRow, Postgres, Sqlite};
use std::str::FromStr;
use std::time::Duration;
use time::OffsetDateTime;

/// Which database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// Embedded SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// A connection pool to either database. SQLite has one writer connection (writes are
/// serial there anyway) and a few readers, so a write transaction never waits on a
/// lock upgrade; its transactions commit in groups (see [`group`]).
#[derive(Clone, Debug)]
pub enum Db {
    /// SQLite in WAL mode.
    Sqlite {
        /// Read-only work.
        read: SqlitePool,
        /// The single writer's pool (one connection).
        write: SqlitePool,
        /// Write transactions on it, committed in groups.
        writer: std::sync::Arc<group::Writer>,
    },
    /// PostgreSQL.
    Postgres(PgPool),
}

/// A row type that decodes from both databases.
pub trait Row: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

/// A scalar that decodes from both databases.
pub trait Scalar:
    for<'r> sqlx::Decode<'r, Sqlite>
    + sqlx::Type<Sqlite>
    + for<'r> sqlx::Decode<'r, Postgres>
    + sqlx::Type<Postgres>
    + Send
    + Unpin
{
}
impl<T> Scalar for T where
    T: for<'r> sqlx::Decode<'r, Sqlite>
        + sqlx::Type<Sqlite>
        + for<'r> sqlx::Decode<'r, Postgres>
        + sqlx::Type<Postgres>
        + Send
        + Unpin
{
}

/// Fixed-width UTC text, so stored times sort as text in SQLite.
fn sqlite_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

macro_rules! bind_args {
    ($q:expr, $args:expr, $db:ident) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::Uuid(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.clone()),
                Arg::Int(v) => q.bind(*v),
                Arg::Bool(v) => q.bind(*v),
                Arg::Time(v) => bind_args!(@time q, v, $db),
                Arg::Bytes(v) => q.bind(v.clone()),
                Arg::Date(v) => q.bind(*v),
            };
        }
        q
    }};
    (@time $q:ident, $v:ident, Sqlite) => { $q.bind($v.map(sqlite_time)) };
    (@time $q:ident, $v:ident, Postgres) => { $q.bind(*$v) };
}

/// The statement's text as each database is sent it. SQLite reads `$N` as a *named*
/// parameter: it finds each name again with a linear search while it parses, and sqlx
/// asks every parameter's name at every execution (another linear search), so a statement
/// with n placeholders costs n² each time it runs — a multi-row insert of 500 values spent
/// most of its time there. When the placeholders come in order, each once (`$1, $2, …`,
/// as [`Sql::bind`] writes them), SQLite gets anonymous `?`, which costs nothing to look
/// up; otherwise numbered `?N`. The text's `$` followed by a digit is always a
/// placeholder (see [`Sql::append`]).
fn statement_text(sql: &Sql, sqlite: bool) -> String {
    let text = sql.text();
    if !sqlite {
        return text.to_owned();
    }
    let placeholders = || {
        let b = text.as_bytes();
        (0..b.len()).filter(move |&i| b[i] == b'$' && b.get(i + 1).is_some_and(u8::is_ascii_digit))
    };
    let number = |i: usize| {
        text[i + 1..].bytes().take_while(u8::is_ascii_digit).fold(0usize, |n, d| n * 10 + usize::from(d - b'0'))
    };
    let in_order = placeholders().enumerate().all(|(k, i)| number(i) == k + 1);
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for i in placeholders() {
        out.push_str(&text[last..i]);
        out.push('?');
        last = i + 1;
        if in_order {
            last += text[i + 1..].bytes().take_while(u8::is_ascii_digit).count();
        }
    }
    out.push_str(&text[last..]);
    out
}

macro_rules! text_for {
    (Sqlite, $sql:expr) => {
        statement_text($sql, true)
    };
    (Postgres, $sql:expr) => {
        statement_text($sql, false)
    };
}
macro_rules! query_as {
    ($db:ident, $t:ty, $sql:expr) => {
        bind_args!(sqlx::query_as::<$db, $t>(AssertSqlSafe(text_for!($db, $sql))), $sql.args(), $db)
    };
}
macro_rules! query_scalar {
    ($db:ident, $t:ty, $sql:expr) => {
        bind_args!(sqlx::query_scalar::<$db, $t>(AssertSqlSafe(text_for!($db, $sql))), $sql.args(), $db)
    };
}
macro_rules! query {
    ($db:ident, $sql:expr) => {
        bind_args!(sqlx::query::<$db>(AssertSqlSafe(text_for!($db, $sql))), $sql.args(), $db)
    };
}

/// The ways to run a query, written once for the pool and once for a transaction:
/// `$sp => $se` picks the SQLite executor, `$pp => $pe` the PostgreSQL one.
macro_rules! executor_methods {
    ($sp:pat => $se:expr, $pp:pat => $pe:expr) => {
        /// All rows.
        pub async fn fetch_all<T: Row>(self, sql: &Sql) -> Result<Vec<T>> {
            crate::counting::tick();
            Ok(match self {
                $sp => query_as!(Sqlite, T, sql).fetch_all($se).await?,
                $pp => query_as!(Postgres, T, sql).fetch_all($pe).await?,
            })
        }

        /// At most one row.
        pub async fn fetch_optional<T: Row>(self, sql: &Sql) -> Result<Option<T>> {
            crate::counting::tick();
            Ok(match self {
                $sp => query_as!(Sqlite, T, sql).fetch_optional($se).await?,
                $pp => query_as!(Postgres, T, sql).fetch_optional($pe).await?,
            })
        }

        /// Exactly one row, or [`StoreError::NotFound`].
        pub async fn fetch_one<T: Row>(self, sql: &Sql) -> Result<T> {
            self.fetch_optional(sql).await?.ok_or(StoreError::NotFound)
        }

        /// One value of the first row.
        pub async fn scalar<T: Scalar>(self, sql: &Sql) -> Result<T> {
            crate::counting::tick();
            Ok(match self {
                $sp => query_scalar!(Sqlite, T, sql).fetch_one($se).await?,
                $pp => query_scalar!(Postgres, T, sql).fetch_one($pe).await?,
            })
        }

        /// Run a statement; returns the number of rows it touched.
        pub async fn execute(self, sql: &Sql) -> Result<u64> {
            crate::counting::tick();
            Ok(match self {
                $sp => query!(Sqlite, sql).execute($se).await?.rows_affected(),
                $pp => query!(Postgres, sql).execute($pe).await?.rows_affected(),
            })
        }
    };
}

impl<'a> ReadHandle<'a> {
    executor_methods!(ReadHandle(Db::Sqlite { read: ex, .. }) => ex, ReadHandle(Db::Postgres(ex)) => ex);

    /// Every row, handed to `f` one at a time as the database sends it: for reads too
    /// large to hold as rows (the rollup's values at scale), so that only what `f` keeps
    /// stays in memory.
    pub async fn for_each<T: Row>(self, sql: &Sql, mut f: impl FnMut(T) + Send) -> Result<()> {
        use futures_util::TryStreamExt;
        crate::counting::tick();
        match self {
            ReadHandle(Db::Sqlite { read, .. }) => {
                let mut rows = query_as!(Sqlite, T, sql).fetch(read);
                while let Some(r) = rows.try_next().await? {
                    f(r);
                }
            }
            ReadHandle(Db::Postgres(pool)) => {
                let mut rows = query_as!(Postgres, T, sql).fetch(pool);
                while let Some(r) = rows.try_next().await? {
                    f(r);
                }
            }
        }
        Ok(())
    }
}

/// A borrowed pool for reads; see [`Db::read`].
#[derive(Clone, Copy)]
pub struct ReadHandle<'a>(&'a Db);

/// A write transaction. SQLite: a savepoint in a group under `BEGIN IMMEDIATE` on the
/// single writer connection, so it holds the write lock from the start and never fails to
/// upgrade, and shares its group's commit with those that waited for it (see [`group`]).
/// PostgreSQL: READ COMMITTED, with row locks where a rule needs them.
pub enum Tx {
    /// SQLite transaction.
    Sqlite(group::SqliteTx),
    /// PostgreSQL transaction.
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl<'t> TxHandle<'t> {
    executor_methods!(TxHandle(Tx::Sqlite(ex)) => ex.conn()?, TxHandle(Tx::Postgres(ex)) => &mut **ex);
}

/// A borrowed transaction; see [`Tx::q`].
pub struct TxHandle<'t>(&'t mut Tx);

impl Tx {
    /// Run queries inside this transaction: `tx.q().execute(&sql)`.
    pub fn q(&mut self) -> TxHandle<'_> {
        TxHandle(self)
    }

    /// The dialect of this transaction.
    pub fn dialect(&self) -> Dialect {
        match self {
            Tx::Sqlite(_) => Dialect::Sqlite,
            Tx::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Make the transaction durable.
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    /// Undo everything (also what dropping the transaction does).
    pub async fn rollback(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.rollback().await?,
            Tx::Postgres(t) => t.rollback().await?,
        }
        Ok(())
    }
}

/// Settings for opening a database.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    /// Connections to PostgreSQL, or SQLite readers.
    pub max_connections: u32,
    /// SQLite `synchronous = FULL` (the default): an acknowledged write survives power
    /// loss. Only benchmarks of the raw floor turn it off.
    pub durable: bool,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self { max_connections: 8, durable: true }
    }
}

impl Db {
    /// Open `sqlite://PATH` (created when missing) or `postgres://…`.
    pub async fn connect(url: &str, opts: &ConnectOptions) -> Result<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let o = PgConnectOptions::from_str(url).map_err(|e| StoreError::Config(format!("database URL: {e}")))?;
            let pool = PgPoolOptions::new()
                .max_connections(opts.max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(o)
                .await?;
            let sc: String = sqlx::query_scalar("SHOW synchronous_commit").fetch_one(&pool).await?;
            if sc == "off" && opts.durable {
                return Err(StoreError::Config(
                    "PostgreSQL has synchronous_commit = off: an acknowledged write could be lost in a crash. Turn it on.".into(),
                ));
            }
            Ok(Db::Postgres(pool))
        } else if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            let path = path.split('?').next().unwrap_or(path);
            if path.is_empty() {
                return Err(StoreError::Config("sqlite:// needs a file path".into()));
            }
            if !std::path::Path::new(path).exists() {
                create_private(std::path::Path::new(path))?;
            }
            let base = SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .synchronous(if opts.durable { SqliteSynchronous::Full } else { SqliteSynchronous::Off })
                .pragma("secure_delete", "ON");
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(base.clone())
                .await?;
            let read = SqlitePoolOptions::new()
                .max_connections(opts.max_connections.max(1))
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(base.read_only(true))
                .await?;
            let writer = std::sync::Arc::new(group::Writer::new(write.clone()));
            Ok(Db::Sqlite { read, write, writer })
        } else {
            Err(StoreError::Config(format!(
                "database URL must start with sqlite:// or postgres:// (got {:?})",
                url.split(':').next().unwrap_or("")
            )))
        }
    }

    /// Bring the schema up to date (idempotent).
    pub async fn migrate(&self) -> Result<()> {
        match self {
            Db::Sqlite { write, .. } => sqlx::migrate!("./migrations/sqlite").run(write).await?,
            Db::Postgres(p) => sqlx::migrate!("./migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    /// SQLite: the groups committed so far and the write transactions they held (their
    /// ratio is the transactions per fsync). `None` for PostgreSQL, which groups its
    /// commits itself.
    pub fn group_commits(&self) -> Option<(u64, u64)> {
        match self {
            Db::Sqlite { writer, .. } => Some(writer.commits()),
            Db::Postgres(_) => None,
        }
    }

    /// Which database this is.
    pub fn dialect(&self) -> Dialect {
        match self {
            Db::Sqlite { .. } => Dialect::Sqlite,
            Db::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Start a write transaction.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite { writer, .. } => Tx::Sqlite(writer.begin().await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Set SQLite's writer up for a bulk load (an import, the generator) with `true`, and
    /// back for ordinary writes with `false`. During the load the writer gets a page cache
    /// of 64 MiB instead of 2 MiB: rows whose ids or keys are spread land on pages all over
    /// each index, and a load larger than the cache writes the same pages out and reads them
    /// back many times (see docs/ARCHITECTURE.md, "Bulk writes"); `false` frees it again.
    /// It also checkpoints the write-ahead log every 64 MiB instead of every 4 MiB, so the
    /// pages a load keeps changing are copied into the database file (and synced) a few
    /// times rather than after every few batches. And it keeps temporary files in memory:
    /// a multi-row insert keeps a statement journal (the pages it changed, to undo the
    /// statement alone if a row fails), which spills into a temporary file past 64 KiB —
    /// a profile of the generator found a quarter to a third of its time writing it. Durability is
    /// unchanged: each commit is still synced to the log (`synchronous = FULL`) before it
    /// returns. Nothing for PostgreSQL, whose shared buffers serve every connection.
    pub async fn bulk_writes(&self, on: bool) -> Result<()> {
        if let Db::Sqlite { write, .. } = self {
            let (cache, checkpoint, temp) = if on { (-65_536, 16_384, "MEMORY") } else { (-2_000, 1_000, "DEFAULT") };
            let mut c = write.acquire().await?;
            for pragma in [
                format!("PRAGMA cache_size = {cache}"),
                format!("PRAGMA wal_autocheckpoint = {checkpoint}"),
                format!("PRAGMA temp_store = {temp}"),
            ] {
                sqlx::query(AssertSqlSafe(pragma)).execute(&mut *c).await?;
            }
        }
        Ok(())
    }

    /// Run reads outside a transaction: `db.read().fetch_all(&sql)`.
    pub fn read(&self) -> ReadHandle<'_> {
        ReadHandle(self)
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<()> {
        let _: i64 = self.read().scalar(&Sql::new("SELECT CAST(1 AS BIGINT)")).await?;
        Ok(())
    }

    /// Write a consistent copy of an SQLite database to `path` (which must not exist),
    /// while others go on reading and writing: `VACUUM INTO` copies one snapshot.
    /// PostgreSQL is backed up with its own tools (`pg_dump`, WAL archiving).
    pub async fn backup_to(&self, path: &std::path::Path) -> Result<()> {
        match self {
            Db::Sqlite { write, .. } => {
                if path.exists() {
                    return Err(StoreError::Config(format!("{} exists already; choose a new file", path.display())));
                }
                let target =
                    path.to_str().ok_or_else(|| StoreError::Config("the backup path is not valid UTF-8".into()))?;
                create_private(path)?;
                sqlx::query("VACUUM INTO $1").bind(target.to_owned()).execute(write).await?;
                Ok(())
            }
            Db::Postgres(_) => Err(StoreError::Config(
                "dtz backup copies SQLite databases; back up PostgreSQL with pg_dump or WAL archiving (see the README)"
                    .into(),
            )),
        }
    }

    /// Close every connection.
    pub async fn close(&self) {
        match self {
            Db::Sqlite { read, write, .. } => {
                read.close().await;
                write.close().await;
            }
            Db::Postgres(p) => p.close().await,
        }
    }
}

/// Create an empty file readable by its owner only (the database and its backups hold
/// personal data; what is most sensitive is encrypted as well).
fn create_private(path: &std::path::Path) -> Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path).map(|_| ()).map_err(|e| StoreError::Config(format!("cannot create {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_gets_numbered_placeholders_and_postgres_the_text_as_written() {
        let mut q = Sql::new("SELECT '$x', a FROM t WHERE a = ");
        q.bind(1i64).push(" AND b IN (").bind_list([2i64, 3]).push(")");
        assert_eq!(statement_text(&q, true), "SELECT '$x', a FROM t WHERE a = ? AND b IN (?, ?)");
        assert_eq!(statement_text(&q, false), "SELECT '$x', a FROM t WHERE a = $1 AND b IN ($2, $3)");
        // Repeated or out of order: numbered.
        let q = Sql::with_args("UPDATE t SET a = $2 WHERE id = $1 OR parent = $1", vec![1i64.into(), 2i64.into()]);
        assert_eq!(statement_text(&q, true), "UPDATE t SET a = ?2 WHERE id = ?1 OR parent = ?1");
        let q = Sql::with_args("SELECT $1, $10, $2", (0..10i64).map(Into::into).collect());
        assert_eq!(statement_text(&q, true), "SELECT ?1, ?10, ?2");
    }
}
