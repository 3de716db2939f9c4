//! Retention (DESIGN §5): a registry of record types, each with how long it is kept and
//! the SQL that finds and erases what is due. Erasing keeps the plaintext columns that
//! statistics need (country, dates, status, risk, sex, year of birth…) and every audit
//! event (which hold ids and field names only); it drops the data keys and ciphertexts,
//! or whole rows where nothing in them is needed (sessions, used form tokens). SQLite
//! runs with `secure_delete`, so erased bytes are overwritten.
//!
//! Referrals and follow-ups are sealed under their case's key and erased with the closed
//! case. To add a record type, add one [`RecordType`] to
//! [`RECORD_TYPES`]: a count, optionally the ids for the audit, and the statements in
//! order (children first, the parent's `erased_at` last). `$1` is the cut-off time
//! (now minus the period), `$2` the part (below), `$3`, when used, is now.
//!
//! A record type with [`RecordType::per_country`] is run in parts: once for each country
//! whose settings give it a period of its own (`$2` = the country code), then once for
//! every other country (`$2` = `''`). Its statements say so with [`in_part!`].

use crate::sql::Sql;
use crate::{Db, Result, Tx};
use time::OffsetDateTime;
use uuid::Uuid;

/// How a record type is erased.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum How {
    /// Set-based statements over every due row.
    Sql {
        /// `SELECT COUNT(*)` of due rows.
        count: &'static str,
        /// `SELECT id` of due rows, for one audit event each (`None`: one event for all).
        ids: Option<&'static str>,
        /// Statements, in order.
        erase: &'static [&'static str],
    },
    /// The reporter's contact inside a sealed report: the service opens each due report
    /// and seals it again without the contact ([`contact_due`], [`replace_content`]).
    ReporterContact,
}

/// One kind of record and how long it is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordType {
    /// Code, as printed and in the setting's name.
    pub code: &'static str,
    /// Days kept after the record became due for counting (closure, receipt, last use).
    pub default_days: i64,
    /// Audit entity.
    pub entity: &'static str,
    /// Field names erased (for the audit).
    pub fields: &'static [&'static str],
    /// How.
    pub how: How,
    /// The `country_settings` column (months) that overrides the period per country.
    pub per_country: Option<&'static str>,
}

impl RecordType {
    /// The setting that overrides the period (a whole number of days).
    pub fn setting(&self) -> String {
        format!("retention.{}_days", self.code)
    }
}

/// The condition that limits a statement to the part being run (see the module
/// documentation): `in_part!("c.", "retention_signal_months")`.
macro_rules! in_part {
    ($alias:literal, $column:literal) => {
        concat!(
            " AND (",
            $alias,
            "country = $2 OR ($2 = '' AND ",
            $alias,
            "country NOT IN (SELECT country FROM country_settings WHERE deleted_at IS NULL AND ",
            $column,
            " IS NOT NULL)))"
        )
    };
}

/// Every record type, in the order the job runs them.
pub const RECORD_TYPES: &[RecordType] = &[
    RecordType {
        code: "reporter_contact",
        default_days: 180,
        entity: "signal",
        fields: &["contact"],
        how: How::ReporterContact,
        per_country: None,
    },
    RecordType {
        code: "closed_signals",
        default_days: 365,
        entity: "signal",
        fields: &["content", "data_key", "receipt", "messages"],
        how: How::Sql {
            count: concat!(
                "SELECT COUNT(*) FROM signals WHERE status = 'closed' AND closed_at < $1 AND case_id IS NULL \
                 AND erased_at IS NULL",
                in_part!("", "retention_signal_months")
            ),
            ids: Some(concat!(
                "SELECT id FROM signals WHERE status = 'closed' AND closed_at < $1 AND case_id IS NULL \
                 AND erased_at IS NULL",
                in_part!("", "retention_signal_months")
            )),
            erase: &[
                concat!(
                    "UPDATE signal_messages SET body = NULL WHERE signal_id IN (SELECT id FROM signals \
                     WHERE status = 'closed' AND closed_at < $1 AND case_id IS NULL AND erased_at IS NULL",
                    in_part!("", "retention_signal_months"),
                    ")"
                ),
                concat!(
                    "UPDATE signals SET content = NULL, data_key = NULL, receipt_lookup = NULL, receipt_hash = NULL, \
                     erased_at = $3 WHERE status = 'closed' AND closed_at < $1 AND case_id IS NULL AND erased_at IS NULL",
                    in_part!("", "retention_signal_months")
                ),
            ],
        },
        per_country: Some("retention_signal_months"),
    },
    RecordType {
        code: "closed_cases",
        default_days: 5 * 365,
        entity: "case",
        fields: &[
            "profile",
            "data_key",
            "notes",
            "goals",
            "protection_steps",
            "consents",
            "signal",
            "referrals",
            "follow_up_notes",
        ],
        how: How::Sql {
            count: concat!(
                "SELECT COUNT(*) FROM cases WHERE status = 'closed' AND closed_at < $1 AND erased_at IS NULL",
                in_part!("", "retention_closed_case_months")
            ),
            ids: Some(concat!(
                "SELECT id FROM cases WHERE status = 'closed' AND closed_at < $1 AND erased_at IS NULL",
                in_part!("", "retention_closed_case_months")
            )),
            erase: &[
                concat!(
                    "UPDATE case_notes SET body = NULL WHERE case_id IN (SELECT id FROM cases WHERE status = 'closed' \
                     AND closed_at < $1 AND erased_at IS NULL",
                    in_part!("", "retention_closed_case_months"),
                    ")"
                ),
                concat!(
                    "UPDATE case_goals SET body = NULL WHERE case_id IN (SELECT id FROM cases WHERE status = 'closed' \
                     AND closed_at < $1 AND erased_at IS NULL",
                    in_part!("", "retention_closed_case_months"),
                    ")"
                ),
                concat!(
                    "UPDATE protection_steps SET note = NULL WHERE case_id IN (SELECT id FROM cases \
                     WHERE status = 'closed' AND closed_at < $1 AND erased_at IS NULL",
                    in_part!("", "retention_closed_case_months"),
                    ")"
                ),
                concat!(
                    "UPDATE case_consents SET reason = NULL WHERE case_id IN (SELECT id FROM cases \
                     WHERE status = 'closed' AND closed_at < $1 AND erased_at IS NULL",
                    in_part!("", "retention_closed_case_months"),
                    ")"
                ),
                // Referrals and follow-ups are sealed under the case's key: their texts go with it.
                concat!(
                    "UPDATE referral_steps SET reason = NULL WHERE referral_id IN (SELECT r.id FROM referrals r \
                     JOIN cases c ON c.id = r.case_id WHERE c.status = 'closed' AND c.closed_at < $1 \
                     AND c.erased_at IS NULL",
                    in_part!("c.", "retention_closed_case_months"),
                    ")"
                ),
                concat!(
                    "UPDATE referrals SET details = NULL WHERE case_id IN (SELECT id FROM cases \
                     WHERE status = 'closed' AND closed_at < $1 AND erased_at IS NULL",
                    in_part!("", "retention_closed_case_months"),
                    ")"
                ),
                concat!(
                    "UPDATE follow_up_notes SET body = NULL WHERE follow_up_id IN (SELECT f.id FROM follow_ups f \
                     JOIN cases c ON c.id = f.case_id WHERE c.status = 'closed' AND c.closed_at < $1 \
                     AND c.erased_at IS NULL",
                    in_part!("c.", "retention_closed_case_months"),
                    ")"
                ),
                // The signal a case came from goes with the last of its cases (the other
                // cases of a signal are in its country, so they share the part's cut-off).
                concat!(
                    "UPDATE signal_messages SET body = NULL WHERE signal_id IN (SELECT c.signal_id FROM cases c \
                     WHERE c.status = 'closed' AND c.closed_at < $1 AND c.erased_at IS NULL",
                    in_part!("c.", "retention_closed_case_months"),
                    ") AND signal_id NOT IN (SELECT o.signal_id FROM cases o WHERE o.signal_id IS NOT NULL \
                     AND NOT (o.status = 'closed' AND o.closed_at < $1))"
                ),
                concat!(
                    "UPDATE signals SET content = NULL, data_key = NULL, receipt_lookup = NULL, receipt_hash = NULL, \
                     erased_at = $3 WHERE erased_at IS NULL AND id IN (SELECT c.signal_id FROM cases c \
                     WHERE c.status = 'closed' AND c.closed_at < $1 AND c.erased_at IS NULL",
                    in_part!("c.", "retention_closed_case_months"),
                    ") AND id NOT IN (SELECT o.signal_id FROM cases o WHERE o.signal_id IS NOT NULL \
                     AND NOT (o.status = 'closed' AND o.closed_at < $1))"
                ),
                concat!(
                    "UPDATE cases SET profile = NULL, data_key = NULL, erased_at = $3 \
                     WHERE status = 'closed' AND closed_at < $1 AND erased_at IS NULL",
                    in_part!("", "retention_closed_case_months")
                ),
            ],
        },
        per_country: Some("retention_closed_case_months"),
    },
    RecordType {
        code: "sessions",
        default_days: 1,
        entity: "session",
        fields: &["session"],
        how: How::Sql {
            count: "SELECT COUNT(*) FROM sessions WHERE last_seen_at < $1",
            ids: None,
            erase: &["DELETE FROM sessions WHERE last_seen_at < $1"],
        },
        per_country: None,
    },
    RecordType {
        code: "public_form_tokens",
        default_days: 0,
        entity: "public_form_use",
        fields: &["token_hash"],
        how: How::Sql {
            count: "SELECT COUNT(*) FROM public_form_uses WHERE expires_at < $1",
            ids: None,
            erase: &["DELETE FROM public_form_uses WHERE expires_at < $1"],
        },
        per_country: None,
    },
    RecordType {
        code: "read_alerts",
        default_days: 30,
        entity: "case_read_alert",
        fields: &["alerted_at"],
        how: How::Sql {
            count: "SELECT COUNT(*) FROM case_read_alerts WHERE alerted_at < $1",
            ids: None,
            erase: &["DELETE FROM case_read_alerts WHERE alerted_at < $1"],
        },
        per_country: None,
    },
];

/// Which rows one run of a record type's statements covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Part<'a> {
    /// Rows kept longer than this are due.
    pub cutoff: OffsetDateTime,
    /// For a type kept per country: one country (its code), or `""` for every country
    /// without a period of its own. Ignored by other types.
    pub country: &'a str,
}

fn stmt(text: &'static str, part: Part<'_>, now: OffsetDateTime) -> Sql {
    let mut args = vec![part.cutoff.into()];
    if text.contains("$2") || text.contains("$3") {
        args.push(part.country.to_owned().into());
    }
    if text.contains("$3") {
        args.push(now.into());
    }
    Sql::with_args(text, args)
}

/// How many rows a count statement finds.
pub async fn count(db: &Db, sql: &'static str, part: Part<'_>) -> Result<i64> {
    db.read().scalar(&stmt(sql, part, part.cutoff)).await
}

/// The ids of due rows, inside the erasing transaction.
pub async fn ids(tx: &mut Tx, sql: &'static str, part: Part<'_>) -> Result<Vec<Uuid>> {
    let rows: Vec<(Uuid,)> = tx.q().fetch_all(&stmt(sql, part, part.cutoff)).await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Run the erasing statements in order; returns the rows changed by the last one.
pub async fn erase(tx: &mut Tx, stmts: &[&'static str], part: Part<'_>, now: OffsetDateTime) -> Result<u64> {
    let mut last = 0;
    for s in stmts {
        last = tx.q().execute(&stmt(s, part, now)).await?;
    }
    Ok(last)
}

/// The countries whose settings keep a per-country record type for a period of their
/// own: (code, months).
pub async fn country_periods(db: &Db, column: &'static str) -> Result<Vec<(String, i64)>> {
    let text: &'static str = match column {
        "retention_closed_case_months" => {
            "SELECT country, retention_closed_case_months FROM country_settings \
             WHERE deleted_at IS NULL AND retention_closed_case_months IS NOT NULL ORDER BY country"
        }
        _ => {
            "SELECT country, retention_signal_months FROM country_settings \
             WHERE deleted_at IS NULL AND retention_signal_months IS NOT NULL ORDER BY country"
        }
    };
    db.read().fetch_all(&Sql::new(text)).await
}

/// A public report whose reporter contact is due for erasure.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ContactDue {
    /// Signal id.
    pub id: Uuid,
    /// Owning organisation.
    pub org_id: Uuid,
    /// Wrapped data key.
    pub data_key: Option<Vec<u8>>,
    /// Sealed report.
    pub content: Option<Vec<u8>>,
}

/// How many reports are due for the erasure of their reporter's contact.
pub async fn contact_count(db: &Db, cutoff: OffsetDateTime) -> Result<i64> {
    db.read()
        .scalar(&Sql::with_args(
            "SELECT COUNT(*) FROM signals WHERE channel = 'public_web' AND created_at < $1 \
             AND contact_erased_at IS NULL AND erased_at IS NULL AND content IS NOT NULL",
            vec![cutoff.into()],
        ))
        .await
}

/// Up to `limit` reports due for the erasure of their reporter's contact.
pub async fn contact_due(db: &Db, cutoff: OffsetDateTime, limit: i64) -> Result<Vec<ContactDue>> {
    db.read()
        .fetch_all(&Sql::with_args(
            "SELECT id, org_id, data_key, content FROM signals WHERE channel = 'public_web' AND created_at < $1 \
             AND contact_erased_at IS NULL AND erased_at IS NULL AND content IS NOT NULL ORDER BY created_at LIMIT $2",
            vec![cutoff.into(), limit.into()],
        ))
        .await
}

/// Store a report sealed again without its contact (only if nobody did meanwhile).
pub async fn replace_content(tx: &mut Tx, id: Uuid, content: Vec<u8>, now: OffsetDateTime) -> Result<u64> {
    tx.q()
        .execute(&Sql::with_args(
            "UPDATE signals SET content = $1, contact_erased_at = $2 WHERE id = $3 AND contact_erased_at IS NULL \
             AND erased_at IS NULL",
            vec![content.into(), now.into(), id.into()],
        ))
        .await
}
