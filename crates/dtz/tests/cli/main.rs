//! Integration tests of the `dtz` binary's command-line contracts (DESIGN §6): each test
//! runs the real binary in its own working directory, on SQLite and, with
//! `DTZ_TEST_POSTGRES_URL`, on a fresh PostgreSQL database.

#![expect(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests")]

/// Runs each named `async fn name(env: Env)` of the invoking module as two tests,
/// `sqlite::name` and `postgres::name` (the latter skipped with a printed reason when
/// no PostgreSQL is configured, and failing under `CI=true`). Attributes such as
/// `#[ignore = "…"]` before a name apply to both; `name on postgres #[…]` adds one to
/// the PostgreSQL test only.
macro_rules! on_both_backends {
    ($($(#[$m:meta])* $name:ident $(on postgres #[$pm:meta])?),+ $(,)?) => {
        mod sqlite {
            $(
                $(#[$m])*
                #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
                async fn $name() {
                    super::$name($crate::support::Env::sqlite()).await;
                }
            )+
        }
        mod postgres {
            $(
                $(#[$m])*
                $(#[$pm])?
                #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
                async fn $name() {
                    if let Some(env) = $crate::support::Env::postgres().await {
                        super::$name(env).await;
                    }
                }
            )+
        }
    };
}

mod support;

mod accounts;
mod audit;
mod backup;
mod demo_scale;
mod durability;
mod help;
mod iati;
mod iati_import;
mod import;
mod keys;
mod node;
mod node_ops;
mod node_secure;
mod programme;
mod retention;
mod serve;
mod sheets;
