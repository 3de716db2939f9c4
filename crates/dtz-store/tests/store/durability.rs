//! Durable commits (DESIGN §5 "Nothing lost"): the connection that writes runs with
//! SQLite `synchronous = FULL` in WAL mode, or PostgreSQL `synchronous_commit` on; a
//! PostgreSQL session with it off is refused at connect.

use dtz_store::db::ConnectOptions;
use dtz_store::{Db, Dialect, Sql, StoreError};
use dtz_testkit::{Backend, TestDb};

async fn the_write_connection_commits_durably(t: TestDb) {
    let mut tx = t.db.begin().await.unwrap();
    match t.db.dialect() {
        Dialect::Sqlite => {
            let sync: i64 = tx.q().scalar(&Sql::new("PRAGMA synchronous")).await.unwrap();
            assert_eq!(sync, 2, "synchronous = FULL on the writer");
            let mode: String = tx.q().scalar(&Sql::new("PRAGMA journal_mode")).await.unwrap();
            assert_eq!(mode, "wal");
        }
        Dialect::Postgres => {
            let sc: String = tx.q().scalar(&Sql::new("SHOW synchronous_commit")).await.unwrap();
            assert_eq!(sc, "on");
        }
    }
    tx.rollback().await.unwrap();
}

#[tokio::test]
async fn sqlite_writes_with_synchronous_full() {
    the_write_connection_commits_durably(TestDb::new(Backend::Sqlite).await.unwrap()).await;
}

#[tokio::test]
async fn postgres_writes_with_synchronous_commit_on() {
    if let Some(t) = TestDb::new(Backend::Postgres).await {
        the_write_connection_commits_durably(t).await;
    }
}

#[tokio::test]
async fn postgres_with_synchronous_commit_off_is_refused() {
    let Some(t) = TestDb::new(Backend::Postgres).await else { return };
    let sep = if t.url.contains('?') { '&' } else { '?' };
    let off = format!("{}{sep}options=-c%20synchronous_commit%3Doff", t.url);
    match Db::connect(&off, &ConnectOptions::default()).await {
        Err(StoreError::Config(m)) => assert!(m.contains("synchronous_commit"), "{m}"),
        other => panic!("a session without durable commits must be refused: {other:?}"),
    }
}

/// Many writers at once: what `commit` acknowledged is stored and visible to readers as
/// soon as it returns, what was rolled back, dropped or failed is not, and one failing
/// transaction leaves the others of its group alone. On SQLite the transactions share
/// commits (group commit), which this also checks happened.
async fn concurrent_transactions_keep_their_own_outcome(t: TestDb) {
    let db = std::sync::Arc::new(t.db.clone());
    let insert = |name: String| {
        Sql::with_args(
            "INSERT INTO organisations (id, name, kind, publishable, version, created_at, updated_at) VALUES ($1, $2, 'donor', $3, 1, $4, $4)",
            vec![uuid::Uuid::new_v4().into(), name.into(), true.into(), time::OffsetDateTime::UNIX_EPOCH.into()],
        )
    };
    let count = |name: String| {
        let mut q = Sql::new("SELECT COUNT(*) FROM organisations WHERE name = ");
        q.bind(name);
        q
    };
    let mut set = tokio::task::JoinSet::new();
    for task in 0..32 {
        let db = db.clone();
        set.spawn(async move {
            let mut kept = Vec::new();
            for i in 0..12 {
                let name = format!("group {task} {i}");
                let mut tx = db.begin().await.unwrap();
                tx.q().execute(&insert(name.clone())).await.unwrap();
                match i % 4 {
                    0 => tx.rollback().await.unwrap(),
                    1 => drop(tx),
                    2 => {
                        // A statement fails (the same name again); the caller gives up.
                        let again = tx.q().execute(&insert(name.clone())).await;
                        assert!(matches!(again, Err(StoreError::Duplicate(_))), "{again:?}");
                        drop(tx);
                    }
                    _ => {
                        tx.q().execute(&insert(format!("{name} b"))).await.unwrap();
                        tx.commit().await.unwrap();
                        let n: i64 = db.read().scalar(&count(name.clone())).await.unwrap();
                        assert_eq!(n, 1, "{name} is visible once its commit returned");
                        kept.push(name);
                    }
                }
            }
            kept
        });
    }
    let mut kept = Vec::new();
    while let Some(k) = set.join_next().await {
        kept.extend(k.unwrap());
    }
    assert_eq!(kept.len(), 32 * 3);
    let all: Vec<(String,)> =
        db.read().fetch_all(&Sql::new("SELECT name FROM organisations WHERE name LIKE 'group %'")).await.unwrap();
    let mut names: Vec<String> = all.into_iter().map(|(n,)| n).collect();
    names.sort();
    let mut want: Vec<String> = kept.iter().flat_map(|n| [n.clone(), format!("{n} b")]).collect();
    want.sort();
    assert_eq!(names, want, "exactly the committed transactions' rows");
    if let Some((groups, transactions)) = db.group_commits() {
        assert!(transactions >= 96, "{transactions} transactions committed");
        assert!(groups < transactions, "{groups} groups for {transactions} transactions: no commit was shared");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_concurrent_transactions_keep_their_own_outcome() {
    concurrent_transactions_keep_their_own_outcome(TestDb::new(Backend::Sqlite).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_concurrent_transactions_keep_their_own_outcome() {
    if let Some(t) = TestDb::new(Backend::Postgres).await {
        concurrent_transactions_keep_their_own_outcome(t).await;
    }
}

/// Poll `work` at most `polls` times, then drop it: a caller that goes away in the middle
/// (a client closing its connection drops its request's future wherever it stands).
async fn abandoned_after<F: std::future::Future>(work: F, polls: usize) -> Option<F::Output> {
    let mut work = std::pin::pin!(work);
    let mut n = 0;
    std::future::poll_fn(|cx| {
        if n >= polls {
            return std::task::Poll::Ready(None);
        }
        n += 1;
        work.as_mut().poll(cx).map(Some)
    })
    .await
}

/// Callers that go away at any point of `begin`, a statement, `commit` or `rollback` leave
/// the writer usable, and what was abandoned before its commit is not stored. Found by
/// `bench/run`: a client closing its connection during the writer's `BEGIN` left the
/// connection inside a transaction nobody ended, and every later write failed.
async fn abandoned_transactions_leave_the_writer_usable(t: TestDb) {
    let db = t.db.clone();
    let insert = |name: &str| {
        Sql::with_args(
            "INSERT INTO organisations (id, name, kind, publishable, version, created_at, updated_at) VALUES ($1, $2, 'donor', $3, 1, $4, $4)",
            vec![uuid::Uuid::new_v4().into(), name.into(), true.into(), time::OffsetDateTime::UNIX_EPOCH.into()],
        )
    };
    let stored = |name: String| {
        let db = db.clone();
        async move {
            let mut q = Sql::new("SELECT COUNT(*) FROM organisations WHERE name = ");
            q.bind(name);
            db.read().scalar::<i64>(&q).await.unwrap()
        }
    };
    for polls in 0..8 {
        // Abandoned while beginning: nothing to store.
        if let Some(tx) = abandoned_after(db.begin(), polls).await {
            drop(tx.unwrap());
        }
        // Abandoned during a statement, then dropped: not stored.
        let name = format!("abandoned statement {polls}");
        let mut tx = db.begin().await.unwrap();
        let _ = abandoned_after(tx.q().execute(&insert(&name)), polls).await;
        drop(tx);
        // Abandoned while rolling back: not stored.
        let rolled = format!("abandoned rollback {polls}");
        let mut tx = db.begin().await.unwrap();
        tx.q().execute(&insert(&rolled)).await.unwrap();
        let _ = abandoned_after(tx.rollback(), polls).await;
        // Abandoned while committing: stored or not, but the writer goes on.
        let mut tx = db.begin().await.unwrap();
        tx.q().execute(&insert(&format!("abandoned commit {polls}"))).await.unwrap();
        let _ = abandoned_after(tx.commit(), polls).await;
        // The next writer is served, and its commit is stored.
        let kept = format!("kept {polls}");
        let mut tx = tokio::time::timeout(std::time::Duration::from_secs(10), db.begin())
            .await
            .unwrap_or_else(|_| panic!("the writer is not free again after abandoning at poll {polls}"))
            .unwrap_or_else(|e| panic!("after abandoning at poll {polls}: {e}"));
        tx.q().execute(&insert(&kept)).await.unwrap();
        tx.commit().await.unwrap_or_else(|e| panic!("after abandoning at poll {polls}: {e}"));
        assert_eq!(stored(kept).await, 1);
        assert_eq!(stored(name).await, 0, "poll {polls}");
        assert_eq!(stored(rolled).await, 0, "poll {polls}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_abandoned_transactions_leave_the_writer_usable() {
    abandoned_transactions_leave_the_writer_usable(TestDb::new(Backend::Sqlite).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_abandoned_transactions_leave_the_writer_usable() {
    if let Some(t) = TestDb::new(Backend::Postgres).await {
        abandoned_transactions_leave_the_writer_usable(t).await;
    }
}
