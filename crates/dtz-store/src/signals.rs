//! Signals and their messages. What reporters and staff wrote is stored sealed (see
//! [`crate::sealed`]); this module moves rows and never sees plaintext.

pub mod once;
pub mod triage;

use crate::scope::{ScopeColumns, filter};
use crate::sql::Sql;
use crate::{Db, Result, Tx};
use dtz_domain::access::Scope;
use time::OffsetDateTime;
use uuid::Uuid;

/// A stored signal (sealed parts as bytes).
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct SignalRow {
    /// Id.
    pub id: Uuid,
    /// Country (ISO code).
    pub country: String,
    /// Organisation that received it and owns it.
    pub org_id: Uuid,
    /// How it came in (`dtz_domain::signal::Channel`).
    pub channel: String,
    /// Who reported (child, adult, professional…), when staff record it.
    pub reporter_type: Option<String>,
    /// Status (`dtz_domain::signal::SignalStatus`).
    pub status: String,
    /// Category (vocabulary `signal_category`), set in triage.
    pub category: Option<String>,
    /// Urgency, set in triage.
    pub urgency: Option<String>,
    /// Team handling it.
    pub team_id: Option<Uuid>,
    /// Person handling it.
    pub assignee_id: Option<Uuid>,
    /// Staff member who entered it (none for the public page).
    pub created_by: Option<Uuid>,
    /// The data key, wrapped by the organisation's key (none once erased).
    pub data_key: Option<Vec<u8>>,
    /// What was reported, sealed (none once erased).
    pub content: Option<Vec<u8>>,
    /// Row version.
    pub version: i64,
    /// Received.
    pub created_at: OffsetDateTime,
    /// Last changed.
    pub updated_at: OffsetDateTime,
    /// Closed.
    pub closed_at: Option<OffsetDateTime>,
    /// First triaged.
    pub triaged_at: Option<OffsetDateTime>,
    /// Since when it is urgent (escalation counts from here).
    pub urgent_since: Option<OffsetDateTime>,
    /// When someone took it on.
    pub picked_up_at: Option<OffsetDateTime>,
    /// When supervisors were told that nobody picked it up.
    pub escalated_at: Option<OffsetDateTime>,
    /// Why it was closed (`CloseReason`).
    pub close_reason: Option<String>,
    /// The signal it duplicates.
    pub duplicate_of: Option<Uuid>,
    /// The case opened from it.
    pub case_id: Option<Uuid>,
}

const COLS: &str = "id, country, org_id, channel, reporter_type, status, category, urgency, team_id, assignee_id, \
                    created_by, data_key, content, version, created_at, updated_at, closed_at, triaged_at, urgent_since, \
                    picked_up_at, escalated_at, close_reason, duplicate_of, case_id";

/// How need to know sees a signal.
pub const SCOPE: ScopeColumns = ScopeColumns {
    org: Some("org_id"),
    country: Some("country"),
    team: Some("team_id"),
    owner: Some("assignee_id"),
    provider: None,
    case: None,
};

/// A new signal.
#[derive(Clone, Debug)]
pub struct NewSignal {
    /// Id.
    pub id: Uuid,
    /// Country.
    pub country: String,
    /// Receiving organisation.
    pub org_id: Uuid,
    /// Channel.
    pub channel: &'static str,
    /// Status.
    pub status: &'static str,
    /// Staff member who entered it.
    pub created_by: Option<Uuid>,
    /// Keyed hash of the receipt's lookup part.
    pub receipt_lookup: Option<Vec<u8>>,
    /// Argon2id hash (PHC string) of the receipt.
    pub receipt_hash: Option<String>,
    /// Wrapped data key.
    pub data_key: Vec<u8>,
    /// Sealed content.
    pub content: Vec<u8>,
}

/// Insert a signal.
pub async fn insert(tx: &mut Tx, s: &NewSignal, now: OffsetDateTime) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO signals (id, country, org_id, channel, status, created_by, receipt_lookup, receipt_hash, \
             data_key, content, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $11)",
            vec![
                s.id.into(),
                s.country.clone().into(),
                s.org_id.into(),
                s.channel.into(),
                s.status.into(),
                s.created_by.into(),
                s.receipt_lookup.clone().into(),
                s.receipt_hash.clone().into(),
                s.data_key.clone().into(),
                s.content.clone().into(),
                now.into(),
            ],
        ))
        .await?;
    Ok(())
}

/// What a receipt check needs, found by the keyed hash of the lookup part. No scope:
/// the receipt is the reporter's authority.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ReceiptRow {
    /// Signal.
    pub id: Uuid,
    /// Argon2id hash of the receipt.
    pub receipt_hash: Option<String>,
    /// Owning organisation (for its key).
    pub org_id: Uuid,
    /// Country.
    pub country: String,
    /// Status.
    pub status: String,
    /// Wrapped data key.
    pub data_key: Option<Vec<u8>>,
}

/// The signal whose receipt lookup hashes to `lookup`, if any (erased ones are not found).
pub async fn by_receipt(db: &Db, lookup: &[u8]) -> Result<Option<ReceiptRow>> {
    db.read()
        .fetch_optional(&Sql::with_args(
            "SELECT id, receipt_hash, org_id, country, status, data_key FROM signals \
             WHERE receipt_lookup = $1 AND deleted_at IS NULL AND erased_at IS NULL",
            vec![lookup.into()],
        ))
        .await
}

/// One signal in the caller's scope.
pub async fn get(db: &Db, scope: &Scope, id: Uuid) -> Result<SignalRow> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM signals WHERE deleted_at IS NULL AND id = ").bind(id).push(" AND ");
    q.append(filter(scope, &SCOPE));
    db.read().fetch_one(&q).await
}

/// Signals in the caller's scope that pass `f`, newest first.
pub async fn list(db: &Db, scope: &Scope, f: &triage::SignalFilter, limit: i64, offset: i64) -> Result<Vec<SignalRow>> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM signals WHERE deleted_at IS NULL AND ");
    q.append(filter(scope, &SCOPE)).append(f.sql());
    q.push(" ORDER BY created_at DESC, id LIMIT ").bind(limit).push(" OFFSET ").bind(offset);
    db.read().fetch_all(&q).await
}

/// How many signals in the caller's scope pass `f`.
pub async fn count(db: &Db, scope: &Scope, f: &triage::SignalFilter) -> Result<i64> {
    let mut q = Sql::new("SELECT COUNT(*) FROM signals WHERE deleted_at IS NULL AND ");
    q.append(filter(scope, &SCOPE)).append(f.sql());
    db.read().scalar(&q).await
}

/// A stored message (body sealed).
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct MessageRow {
    /// Id.
    pub id: Uuid,
    /// Signal.
    pub signal_id: Uuid,
    /// `to_staff` or `to_reporter`.
    pub direction: String,
    /// Staff author.
    pub author_id: Option<Uuid>,
    /// Sealed body (none once erased).
    pub body: Option<Vec<u8>>,
    /// Written.
    pub created_at: OffsetDateTime,
}

/// Append a message.
pub async fn insert_message(tx: &mut Tx, m: &MessageRow) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO signal_messages (id, signal_id, direction, author_id, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            vec![
                m.id.into(),
                m.signal_id.into(),
                m.direction.clone().into(),
                m.author_id.into(),
                m.body.clone().into(),
                m.created_at.into(),
            ],
        ))
        .await?;
    Ok(())
}

/// Messages of a signal, oldest first. The caller has checked access to the signal.
pub async fn messages(db: &Db, signal: Uuid) -> Result<Vec<MessageRow>> {
    db.read()
        .fetch_all(&Sql::with_args(
            "SELECT id, signal_id, direction, author_id, body, created_at FROM signal_messages \
             WHERE signal_id = $1 ORDER BY created_at, id",
            vec![signal.into()],
        ))
        .await
}

/// Note activity on a signal (a new message) so lists can show it. Messages are
/// append-only children: the signal's version stays, so an edit of its triage fields is
/// not refused because a reporter added a line meanwhile.
pub async fn touch(tx: &mut Tx, id: Uuid, now: OffsetDateTime) -> Result<()> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE signals SET updated_at = $1 WHERE id = $2 AND deleted_at IS NULL",
            vec![now.into(), id.into()],
        ))
        .await?;
    if n == 0 { Err(crate::StoreError::NotFound) } else { Ok(()) }
}
