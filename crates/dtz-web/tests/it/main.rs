//! Integration tests of the HTTP layer, one binary, each test on its own database, on
//! SQLite and (with DTZ_TEST_POSTGRES_URL) PostgreSQL.

#![expect(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests")]

mod support;

mod admin;
mod approval;
mod framework;
mod country;
mod evidence;
mod malformed;
mod notifications;
mod openapi;
mod pages;
mod results;
mod scale;
mod sheets;
mod story;
mod totp;
mod work;
