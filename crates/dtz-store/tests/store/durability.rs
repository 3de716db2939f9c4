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
