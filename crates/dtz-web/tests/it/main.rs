//! Integration tests of the HTTP layer, one binary, each test on its own database, on
//! SQLite and (with DTZ_TEST_POSTGRES_URL) PostgreSQL.

#![expect(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests")]

mod support;

mod activities;
mod admin;
mod approval;
mod cases;
mod checkouts;
mod computed;
mod country;
mod directory;
mod evidence;
mod framework;
mod hostile;
mod iati;
mod iati_imports;
mod malformed;
mod monitoring;
mod nodeops;
mod nodes;
mod nodesec;
mod notifications;
mod openapi;
mod pages;
mod read_audit;
mod referrals;
mod report;
mod results;
mod retention;
mod scale;
mod sheets;
mod signals;
mod story;
mod sync;
mod targets;
mod totp;
mod triage;
mod warm;
mod work;
