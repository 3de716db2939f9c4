//! Group commit for SQLite's single writer. Every write transaction is a savepoint inside
//! an outer `BEGIN IMMEDIATE` transaction, the *group*. When a transaction commits while
//! others wait for the writer, it releases its savepoint, lets the next one in and waits
//! for the group's `COMMIT`, which the first member to get the writer back (or the last
//! transaction, finding nobody waiting) issues for all: one fsync for many durable
//! transactions. Alone, a transaction commits at once, as before.
//!
//! What a caller sees does not change: `commit` returns only once the transaction is
//! durable, and an error means it is not stored. A member's savepoint keeps its work
//! apart: rolling one back (or dropping it) undoes only its own writes. Should the group's
//! `COMMIT` fail, every member of the group gets the error (none of them was
//! acknowledged). Readers on other connections see a member's writes only when its group
//! commits, which is also when its caller hears of it.

use crate::{Result, StoreError};
use sqlx::pool::PoolConnection;
use sqlx::{Sqlite, SqliteConnection, SqlitePool};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// Members at most in one group, so that the first does not wait behind too many.
const MAX_MEMBERS: usize = 64;

/// How long `begin` waits for the writer before answering busy (as the pool did).
const WAIT: Duration = Duration::from_secs(30);

/// The writer connection and its open group.
pub struct Writer {
    pool: SqlitePool,
    state: Arc<Mutex<State>>,
    /// Callers of [`Writer::begin`] waiting for the writer now.
    waiting: AtomicUsize,
    /// Groups committed, and the transactions they held (for `dtz bench` and tests).
    groups: AtomicU64,
    transactions: AtomicU64,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").field("waiting", &self.waiting.load(Ordering::Relaxed)).finish_non_exhaustive()
    }
}

#[derive(Default)]
struct State {
    /// The writer connection while a group is open (`BEGIN IMMEDIATE` done).
    conn: Option<PoolConnection<Sqlite>>,
    /// The open group; replaced when it ends.
    group: Arc<Group>,
    /// Members whose savepoint is released and who wait for the group's commit.
    members: usize,
    /// A savepoint is open: a transaction holds the writer, or one was dropped without
    /// commit or rollback and is undone before anything else runs.
    in_savepoint: bool,
}

/// The outcome of one group's `COMMIT`, set once when the group ends.
#[derive(Default)]
struct Group {
    done: OnceLock<std::result::Result<(), String>>,
}

impl Group {
    fn outcome(&self) -> Result<()> {
        match self.done.get() {
            Some(Ok(())) => Ok(()),
            Some(Err(e)) => Err(group_failed(e)),
            None => Err(group_failed("the group ended without an outcome")),
        }
    }
}

/// A transaction holds the writer from `begin` until `commit` or `rollback` consume it,
/// so this cannot happen; an error rather than a panic all the same.
fn ended() -> StoreError {
    group_failed("the transaction has ended")
}

fn group_failed(e: &str) -> StoreError {
    StoreError::Db(sqlx::Error::Protocol(format!("the write was not stored: {e}")))
}

async fn run(conn: &mut SqliteConnection, sql: &'static str) -> Result<()> {
    sqlx::query(sql).execute(conn).await?;
    Ok(())
}

impl Writer {
    /// The writer over SQLite's one-connection write pool.
    pub fn new(pool: SqlitePool) -> Self {
        Self {
            pool,
            state: Arc::default(),
            waiting: AtomicUsize::new(0),
            groups: AtomicU64::new(0),
            transactions: AtomicU64::new(0),
        }
    }

    /// Groups committed so far and the transactions they held.
    pub fn commits(&self) -> (u64, u64) {
        (self.groups.load(Ordering::Relaxed), self.transactions.load(Ordering::Relaxed))
    }

    /// Start a transaction: wait for the writer, open a group if none is, and a savepoint.
    pub async fn begin(self: &Arc<Self>) -> Result<SqliteTx> {
        struct Waiting<'a>(&'a AtomicUsize);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let waiting = Waiting(&self.waiting);
        let st = tokio::time::timeout(WAIT, self.state.clone().lock_owned()).await.map_err(|_| StoreError::Busy)?;
        drop(waiting);
        detached(self.clone().open(st)).await
    }

    /// `begin` once the writer is ours: undo what a dropped transaction left, open a group
    /// if none is open, and the savepoint.
    async fn open(self: Arc<Self>, mut st: OwnedMutexGuard<State>) -> Result<SqliteTx> {
        if let Err(e) = st.undo_dropped().await {
            // Its group failed (every member was told); this transaction starts a new one.
            tracing::warn!("undoing a dropped transaction: {e}");
        }
        if st.conn.is_none() {
            let mut conn = self.pool.acquire().await?;
            run(&mut conn, "BEGIN IMMEDIATE").await?;
            st.conn = Some(conn);
        }
        if let Err(e) = run(st.conn_mut()?, "SAVEPOINT tx").await {
            st.end_if_empty().await;
            return Err(e);
        }
        st.in_savepoint = true;
        Ok(SqliteTx { st: Some(st), writer: self })
    }
}

/// Run `work` on a task of its own and wait for it. The writer's statements (`BEGIN`,
/// `SAVEPOINT`, `RELEASE`, `COMMIT`, `ROLLBACK`) must each run to the end and be recorded
/// in `State`: a caller that goes away in the middle of one (a client closing its
/// connection) would otherwise leave the connection inside a transaction that nobody
/// ends, and every later write would fail ("cannot start a transaction within a
/// transaction"), as `bench/run` found at 64 connections. A transaction begun for a caller
/// that has gone is dropped when the task ends, which undoes it.
async fn detached<T: Send + 'static>(work: impl Future<Output = Result<T>> + Send + 'static) -> Result<T> {
    tokio::spawn(work).await.map_err(|e| group_failed(&e.to_string()))?
}

impl Writer {
    async fn flush(&self, st: &mut State) {
        let members = st.members as u64;
        st.flush().await;
        self.groups.fetch_add(1, Ordering::Relaxed);
        self.transactions.fetch_add(members, Ordering::Relaxed);
    }
}

impl State {
    fn conn_mut(&mut self) -> Result<&mut SqliteConnection> {
        match self.conn.as_mut() {
            Some(c) => Ok(c),
            None => Err(group_failed("no group is open")),
        }
    }

    /// Undo the savepoint of a transaction dropped without commit or rollback.
    async fn undo_dropped(&mut self) -> Result<()> {
        if !self.in_savepoint {
            return Ok(());
        }
        self.in_savepoint = false;
        self.undo_savepoint().await
    }

    /// Roll the open savepoint back and release it. Should SQLite have rolled the whole
    /// group back already (a full disk or an I/O error does), the group fails for all.
    async fn undo_savepoint(&mut self) -> Result<()> {
        let undone = match run(self.conn_mut()?, "ROLLBACK TO tx").await {
            Ok(()) => run(self.conn_mut()?, "RELEASE tx").await,
            Err(e) => Err(e),
        };
        match undone {
            Ok(()) => {
                self.end_if_empty().await;
                Ok(())
            }
            Err(e) => {
                self.fail(&e.to_string()).await;
                Err(e)
            }
        }
    }

    /// With no member waiting, close the (empty) group so that the write lock is not
    /// held while nobody writes.
    async fn end_if_empty(&mut self) {
        if self.members == 0
            && let Some(mut conn) = self.conn.take()
        {
            let _ = run(&mut conn, "ROLLBACK").await;
        }
    }

    /// End the group with an error for every member.
    async fn fail(&mut self, e: &str) {
        if let Some(mut conn) = self.conn.take() {
            let _ = run(&mut conn, "ROLLBACK").await;
        }
        self.finish(Err(e.to_owned()));
    }

    fn finish(&mut self, outcome: std::result::Result<(), String>) {
        let group = std::mem::take(&mut self.group);
        self.members = 0;
        let _ = group.done.set(outcome);
    }

    /// Commit the group: one `COMMIT` (and fsync) for every member.
    async fn flush(&mut self) {
        let Some(mut conn) = self.conn.take() else {
            self.finish(Ok(()));
            return;
        };
        match run(&mut conn, "COMMIT").await {
            Ok(()) => self.finish(Ok(())),
            Err(e) => {
                let _ = run(&mut conn, "ROLLBACK").await;
                self.finish(Err(e.to_string()));
            }
        }
    }
}

/// A transaction on SQLite's writer: a savepoint in the open group.
pub struct SqliteTx {
    st: Option<OwnedMutexGuard<State>>,
    writer: Arc<Writer>,
}

impl SqliteTx {
    /// The writer connection, for the transaction's statements.
    pub fn conn(&mut self) -> Result<&mut SqliteConnection> {
        match self.st.as_mut() {
            Some(st) => st.conn_mut(),
            None => Err(ended()),
        }
    }

    /// Make the transaction durable: release its savepoint and wait for its group's
    /// commit, or commit the group now when nobody else waits for the writer.
    pub async fn commit(self) -> Result<()> {
        detached(self.commit_now()).await
    }

    async fn commit_now(mut self) -> Result<()> {
        let Some(mut st) = self.st.take() else { return Err(ended()) };
        st.in_savepoint = false;
        if let Err(e) = run(st.conn_mut()?, "RELEASE tx").await {
            st.in_savepoint = true;
            let _ = st.undo_dropped().await;
            return Err(e);
        }
        st.members += 1;
        let group = st.group.clone();
        if st.members >= MAX_MEMBERS || self.writer.waiting.load(Ordering::SeqCst) == 0 {
            self.writer.flush(&mut st).await;
            return group.outcome();
        }
        drop(st);
        // Queue behind those waiting now; the first member back commits for the group.
        let mut st = self.writer.state.clone().lock_owned().await;
        if Arc::ptr_eq(&st.group, &group) {
            if let Err(e) = st.undo_dropped().await {
                // The group failed with it; `group` holds the outcome.
                tracing::warn!("undoing a dropped transaction: {e}");
            }
            if Arc::ptr_eq(&st.group, &group) {
                self.writer.flush(&mut st).await;
            }
        }
        group.outcome()
    }

    /// Undo the transaction's writes (the rest of its group is untouched).
    pub async fn rollback(mut self) -> Result<()> {
        let Some(mut st) = self.st.take() else { return Err(ended()) };
        detached(async move { st.undo_dropped().await }).await
    }
}

impl Drop for SqliteTx {
    fn drop(&mut self) {
        // Dropped without commit or rollback: undo it now if a runtime is at hand, or
        // whoever next takes the writer does (`in_savepoint` stays set).
        if let Some(mut st) = self.st.take()
            && let Ok(rt) = tokio::runtime::Handle::try_current()
        {
            rt.spawn(async move {
                let _ = st.undo_dropped().await;
            });
        }
    }
}
