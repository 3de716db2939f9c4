//! Storage of dtz: one code base on SQLite (embedded, the default) and PostgreSQL.
//!
//! Dialect differences live in [`db`] (connection, transactions, binding); every query is
//! written once with `$N` placeholders and run on either database through [`Sql`].

pub mod activities;
pub mod audit;
pub mod bulk;
pub mod cases;
pub mod config;
pub mod counting;
pub mod crypto;
pub mod db;
pub mod directory;
pub mod error;
pub mod files;
pub mod filtered;
pub mod finance;
pub mod iati_imports;
pub mod keys;
pub mod monitoring;
pub mod notifications;
pub mod orgs;
pub mod programmes;
pub mod referrals;
pub mod retention;
pub mod schema;
pub mod scope;
pub mod sealed;
pub mod sessions;
pub mod settings;
pub mod signals;
pub mod sql;
pub mod sync;
pub mod teams;
pub mod tokens;
pub mod totp;
pub mod uploads;
pub mod users;
pub mod values;
pub mod work;

pub use db::{Db, Dialect, Tx};
pub use error::StoreError;
pub use keys::Keys;
pub use sql::{Arg, Sql};

/// Result of a store call.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
