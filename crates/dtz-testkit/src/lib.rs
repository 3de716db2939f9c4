//! Test support: each test gets its own database — a temporary SQLite file, or a fresh
//! PostgreSQL database cloned from a migrated template when `DTZ_TEST_POSTGRES_URL` is
//! set — and services with a manual clock, cheap Argon2 and a temporary key file; and
//! ([`smtp`]) an in-process SMTP sink; ([`sheets`]) a spreadsheet program's edits.

#![expect(clippy::expect_used, clippy::panic, reason = "test support fails loudly")]

pub mod sheets;
pub mod smtp;

use dtz_domain::{ManualClock, SystemClock};
use dtz_services::passwords::Cost;
use dtz_services::{Passwords, Services, Settings};
use dtz_store::db::ConnectOptions;
use dtz_store::{Db, Keys};
use sqlx::{Connection, Executor, PgConnection};
use std::sync::Arc;
use tokio::sync::OnceCell;

/// Which database a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SQLite file.
    Sqlite,
    /// PostgreSQL database.
    Postgres,
}

/// A test database and what keeps it alive.
pub struct TestDb {
    /// The pool.
    pub db: Db,
    /// Its URL (for running the binary against it).
    pub url: String,
    /// Which backend.
    pub backend: Backend,
    /// Temporary directory (SQLite file, key file).
    pub dir: tempfile::TempDir,
    _pg: Option<PgGuard>,
}

struct PgGuard {
    admin_url: String,
    name: String,
}

impl Drop for PgGuard {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async {
                if let Ok(mut c) = PgConnection::connect(&url).await {
                    let _ = c
                        .execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")))
                        .await;
                }
            });
        })
        .join();
    }
}

/// The PostgreSQL URL for tests, if configured. Without it, PostgreSQL tests are skipped
/// with a message — except under CI, where that is a failure.
pub fn postgres_url() -> Option<String> {
    match std::env::var("DTZ_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("CI=true but DTZ_TEST_POSTGRES_URL is not set: PostgreSQL tests must run in CI");
            }
            eprintln!("skipped: PostgreSQL test (set DTZ_TEST_POSTGRES_URL to run it)");
            None
        }
    }
}

fn with_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let cut = base.rfind('/').map(|i| i + 1).unwrap_or(base.len());
    let mut out = format!("{}{}", &base[..cut], name);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

static TEMPLATE: OnceCell<String> = OnceCell::const_new();

async fn template(admin_url: &str) -> String {
    TEMPLATE
        .get_or_init(|| async {
            let name = format!("dtzt_tmpl_{}", uuid::Uuid::new_v4().simple());
            let mut admin = PgConnection::connect(admin_url).await.expect("connect to DTZ_TEST_POSTGRES_URL");
            admin.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\""))).await.expect("create template");
            let db =
                Db::connect(&with_db_name(admin_url, &name), &ConnectOptions { max_connections: 1, durable: true })
                    .await
                    .expect("connect template");
            db.migrate().await.expect("migrate template");
            db.close().await;
            // Leave the template behind on purpose: other test processes may be cloning
            // it; .ci/run drops the whole per-run cluster database afterwards.
            name
        })
        .await
        .clone()
}

impl TestDb {
    /// A migrated database on `backend`, or `None` for PostgreSQL when not configured.
    pub async fn new(backend: Backend) -> Option<Self> {
        let dir = tempfile::tempdir().expect("temp dir");
        match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                let db = Db::connect(&url, &ConnectOptions::default()).await.expect("open sqlite");
                db.migrate().await.expect("migrate sqlite");
                Some(Self { db, url, backend, dir, _pg: None })
            }
            Backend::Postgres => {
                let admin_url = postgres_url()?;
                let tmpl = template(&admin_url).await;
                let name = format!("dtzt_{}", uuid::Uuid::new_v4().simple());
                let mut admin = PgConnection::connect(&admin_url).await.expect("connect");
                admin
                    .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\" TEMPLATE \"{tmpl}\"")))
                    .await
                    .expect("clone template");
                let url = with_db_name(&admin_url, &name);
                let db =
                    Db::connect(&url, &ConnectOptions { max_connections: 4, durable: true }).await.expect("open pg");
                Some(Self { db, url, backend, dir, _pg: Some(PgGuard { admin_url, name }) })
            }
        }
    }

    /// Services over this database with a manual clock, cheap hashing and a fresh key file.
    pub fn services(&self, clock: &ManualClock) -> Services {
        let keys = Keys::generate(&self.dir.path().join("dtz.key")).expect("keys");
        keys.write_new().expect("write key file");
        Services {
            db: self.db.clone(),
            keys: Arc::new(keys),
            clock: Arc::new(clock.clone()),
            passwords: Passwords::new(Cost::Test, 2),
            settings: Settings::default(),
            rollups: Default::default(),
            read_audit: Default::default(),
            node_key: Default::default(),
        }
    }
}

/// A clock at a fixed, realistic time.
pub fn clock() -> ManualClock {
    use dtz_domain::Clock;
    ManualClock::at(SystemClock.now())
}
