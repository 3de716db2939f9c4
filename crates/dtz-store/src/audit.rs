//! The audit chain (DESIGN §5): append-only events, each keyed-hashed over the previous
//! hash, appended as the last step of a write transaction under the lock on the single
//! chain-head row, which also assigns the change sequence, so the order is commit order.
//! Events hold who, when, what and which fields — never values.

use crate::bulk;
use crate::crypto::SecretKey;
use crate::scope::{ScopeColumns, filter};
use crate::sql::Sql;
use crate::{Db, Dialect, Result, StoreError, Tx};
use dtz_domain::access::Scope;
use dtz_domain::ids::{OrgId, UserId};
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha2::Sha256;
use time::OffsetDateTime;
use uuid::Uuid;

/// What happened, before it is chained.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewEvent {
    /// Acting user (none for the operator at the command line).
    pub actor_user: Option<UserId>,
    /// The acting user's organisation.
    pub actor_org: Option<OrgId>,
    /// Verb, e.g. `organisation.update`, `case.read`, `session.login`.
    pub action: String,
    /// Entity kind.
    pub entity: String,
    /// Entity id.
    pub entity_id: Option<Uuid>,
    /// The entity's version after the change.
    pub entity_version: Option<i64>,
    /// Names of the fields written or shown.
    pub fields: Vec<String>,
    /// Organisation the record belongs to (for scoped browsing).
    pub org: Option<OrgId>,
}

/// A stored event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Event {
    /// Position in the chain: the change sequence.
    pub seq: i64,
    /// Event id.
    pub id: Uuid,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Acting user.
    pub actor_user_id: Option<Uuid>,
    /// Acting user's organisation.
    pub actor_org_id: Option<Uuid>,
    /// Verb.
    pub action: String,
    /// Entity kind.
    pub entity: String,
    /// Entity id.
    pub entity_id: Option<Uuid>,
    /// Entity version after the change.
    pub entity_version: Option<i64>,
    /// JSON array of field names.
    pub fields: String,
    /// Organisation of the record.
    pub org_id: Option<Uuid>,
    /// Hash of the previous event.
    #[serde(skip)]
    pub prev_hash: Vec<u8>,
    /// This event's hash.
    #[serde(serialize_with = "hex_bytes")]
    pub hash: Vec<u8>,
}

fn hex_bytes<S: serde::Serializer>(b: &[u8], s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(b))
}

/// The chain's last link.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Head {
    /// Sequence of the last event (0: empty chain).
    pub seq: i64,
    /// Its hash.
    pub hash: Vec<u8>,
}

fn chain_hash(key: &SecretKey, e: &Event) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key.0).unwrap_or_else(|_| unreachable_mac());
    mac.update(&e.prev_hash);
    mac.update(&canonical(e));
    mac.finalize().into_bytes().to_vec()
}

/// The event's fields as the JSON array its hash covers. Written straight from a tuple:
/// the same text as building a `serde_json::Value` first (a unit test holds them equal),
/// without a map and a string per field for each of the million events of a bulk load.
fn canonical(e: &Event) -> Vec<u8> {
    let fields = (
        e.seq,
        e.id,
        e.at.unix_timestamp_nanos().to_string(),
        e.actor_user_id,
        e.actor_org_id,
        &e.action,
        &e.entity,
        e.entity_id,
        e.entity_version,
        &e.fields,
        e.org_id,
    );
    // Serialising plain values into memory cannot fail.
    serde_json::to_vec(&fields).unwrap_or_default()
}

#[expect(clippy::panic, reason = "HMAC accepts keys of any length; this cannot happen")]
fn unreachable_mac() -> Hmac<Sha256> {
    panic!("HMAC key rejected")
}

/// Append events as the last step of `tx`. Returns the sequence of the last one.
pub async fn append(tx: &mut Tx, key: &SecretKey, at: OffsetDateTime, events: &[NewEvent]) -> Result<i64> {
    let lock = match tx.dialect() {
        Dialect::Postgres => "SELECT seq, hash FROM chain_head WHERE id = 1 FOR UPDATE",
        Dialect::Sqlite => "SELECT seq, hash FROM chain_head WHERE id = 1",
    };
    let mut head: Head = tx.q().fetch_one(&Sql::new(lock)).await?;
    let mut rows = Vec::with_capacity(events.len());
    for n in events {
        let fields = serde_json::to_string(&n.fields).map_err(|e| StoreError::Config(e.to_string()))?;
        let mut e = Event {
            seq: head.seq + 1,
            id: Uuid::new_v4(),
            at,
            actor_user_id: n.actor_user.map(|u| u.0),
            actor_org_id: n.actor_org.map(|o| o.0),
            action: n.action.clone(),
            entity: n.entity.clone(),
            entity_id: n.entity_id,
            entity_version: n.entity_version,
            fields,
            org_id: n.org.map(|o| o.0),
            prev_hash: head.hash,
            hash: Vec::new(),
        };
        e.hash = chain_hash(key, &e);
        head = Head { seq: e.seq, hash: e.hash.clone() };
        rows.push(vec![
            e.seq.into(),
            e.id.into(),
            e.at.into(),
            e.actor_user_id.into(),
            e.actor_org_id.into(),
            e.action.into(),
            e.entity.into(),
            e.entity_id.into(),
            e.entity_version.into(),
            e.fields.into(),
            e.org_id.into(),
            e.prev_hash.into(),
            e.hash.into(),
        ]);
    }
    // Many events per statement: a bulk load appends thousands in one transaction.
    bulk::insert(
        tx,
        "INSERT INTO audit_events (seq, id, at, actor_user_id, actor_org_id, action, entity, entity_id, entity_version, fields, org_id, prev_hash, hash) VALUES ",
        &rows,
    )
    .await?;
    tx.q()
        .execute(&Sql::with_args(
            "UPDATE chain_head SET seq = $1, hash = $2 WHERE id = 1",
            vec![head.seq.into(), head.hash.clone().into()],
        ))
        .await?;
    Ok(head.seq)
}

/// The chain head as stored.
pub async fn head(db: &Db) -> Result<Head> {
    db.read().fetch_one(&Sql::new("SELECT seq, hash FROM chain_head WHERE id = 1")).await
}

/// Outcome of a verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// Events checked.
    pub events: i64,
    /// The head they lead to.
    pub head: Head,
}

const VERIFY_BATCH: i64 = 5_000;

/// Recompute the whole chain. Any event changed, deleted or inserted behind dtz's back
/// shows as the first event whose sequence, link or hash does not fit.
pub async fn verify(db: &Db, key: &SecretKey) -> Result<Verified> {
    let mut prev = Head { seq: 0, hash: Vec::new() };
    loop {
        let batch: Vec<Event> = db
            .read()
            .fetch_all(&Sql::with_args(
                "SELECT * FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2",
                vec![prev.seq.into(), VERIFY_BATCH.into()],
            ))
            .await?;
        let done = (batch.len() as i64) < VERIFY_BATCH;
        for e in batch {
            let broken = |reason: &str| StoreError::ChainBroken { seq: e.seq, reason: reason.to_owned() };
            if e.seq != prev.seq + 1 {
                return Err(StoreError::ChainBroken {
                    seq: prev.seq + 1,
                    reason: format!("missing: the next event present is {}", e.seq),
                });
            }
            if e.prev_hash != prev.hash {
                return Err(broken("does not link to the event before it"));
            }
            if chain_hash(key, &e) != e.hash {
                return Err(broken("its content does not match its hash (changed or forged)"));
            }
            prev = Head { seq: e.seq, hash: e.hash };
        }
        if done {
            break;
        }
    }
    let stored = head(db).await?;
    if stored != prev {
        return Err(StoreError::ChainBroken {
            seq: stored.seq.max(prev.seq),
            reason: format!("the chain head says {} but the events end at {}", stored.seq, prev.seq),
        });
    }
    Ok(Verified { events: prev.seq, head: prev })
}

/// A chain head signed with the key file's signing key, for keeping elsewhere: a later
/// verify against it shows a cut-off tail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SignedHead {
    /// Sequence.
    pub seq: i64,
    /// Hash of that event (hex).
    pub hash: String,
    /// When exported.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// HMAC-SHA256 over the three fields above (hex).
    pub signature: String,
}

fn head_signature(key: &SecretKey, seq: i64, hash: &str, at: OffsetDateTime) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key.0).unwrap_or_else(|_| unreachable_mac());
    mac.update(format!("dtz-head-v1|{seq}|{hash}|{}", at.unix_timestamp_nanos()).as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Sign the current head.
pub fn sign_head(key: &SecretKey, h: &Head, at: OffsetDateTime) -> SignedHead {
    let hash = hex::encode(&h.hash);
    SignedHead { seq: h.seq, signature: head_signature(key, h.seq, &hash, at), hash, at }
}

/// Check a signed head against the database: its signature, and that the chain still
/// holds that event with that hash.
pub async fn check_signed_head(db: &Db, key: &SecretKey, s: &SignedHead) -> Result<()> {
    if head_signature(key, s.seq, &s.hash, s.at) != s.signature {
        return Err(StoreError::Crypto("the exported head's signature does not match this key file".into()));
    }
    if s.seq == 0 {
        return Ok(());
    }
    let e: Option<Event> = db
        .read()
        .fetch_optional(&Sql::with_args("SELECT * FROM audit_events WHERE seq = $1", vec![s.seq.into()]))
        .await?;
    match e {
        Some(e) if hex::encode(&e.hash) == s.hash => Ok(()),
        Some(_) => Err(StoreError::ChainBroken { seq: s.seq, reason: "differs from the exported head".into() }),
        None => {
            Err(StoreError::ChainBroken { seq: s.seq, reason: "the chain was cut before the exported head".into() })
        }
    }
}

/// Filters for browsing events.
#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    /// Only this actor.
    pub actor: Option<UserId>,
    /// Only this entity id.
    pub entity_id: Option<Uuid>,
    /// Only actions starting with this text (e.g. `user.`).
    pub action_prefix: Option<String>,
    /// Only events before this sequence (paging backwards).
    pub before_seq: Option<i64>,
    /// At most this many (capped at 500).
    pub limit: i64,
}

const AUDIT_SCOPE: ScopeColumns = ScopeColumns {
    org: Some("org_id"),
    country: None,
    team: None,
    owner: Some("actor_user_id"),
    provider: None,
    case: None,
};

/// Events in the caller's scope, newest first.
pub async fn list(db: &Db, scope: &Scope, f: &EventFilter) -> Result<Vec<Event>> {
    let mut q = Sql::new("SELECT * FROM audit_events WHERE ");
    q.append(filter(scope, &AUDIT_SCOPE));
    if let Some(a) = f.actor {
        q.push(" AND actor_user_id = ").bind(a);
    }
    if let Some(e) = f.entity_id {
        q.push(" AND entity_id = ").bind(e);
    }
    if let Some(p) = &f.action_prefix {
        // PostgreSQL has no substr(text, int, bigint): the length is cast to INTEGER.
        q.push(" AND substr(action, 1, CAST(").bind(p.chars().count() as i64).push(" AS INTEGER)) = ").bind(p.clone());
    }
    if let Some(b) = f.before_seq {
        q.push(" AND seq < ").bind(b);
    }
    q.push(" ORDER BY seq DESC LIMIT ").bind(f.limit.clamp(1, 500));
    db.read().fetch_all(&q).await
}

/// Field names changed on an entity after version `since` (for the 409 answer).
pub async fn fields_changed_since(db: &Db, entity_id: Uuid, since: i64) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = db
        .read()
        .fetch_all(&Sql::with_args(
            "SELECT fields FROM audit_events WHERE entity_id = $1 AND entity_version > $2 ORDER BY seq",
            vec![entity_id.into(), since.into()],
        ))
        .await?;
    let mut out: Vec<String> =
        rows.into_iter().flat_map(|(f,)| serde_json::from_str::<Vec<String>>(&f).unwrap_or_default()).collect();
    out.sort();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text hashed before `canonical` was written, kept to hold it to the same bytes:
    /// a different text would break every stored chain.
    fn canonical_as_before(e: &Event) -> Vec<u8> {
        serde_json::json!([
            e.seq,
            e.id,
            e.at.unix_timestamp_nanos().to_string(),
            e.actor_user_id,
            e.actor_org_id,
            e.action,
            e.entity,
            e.entity_id,
            e.entity_version,
            e.fields,
            e.org_id,
        ])
        .to_string()
        .into_bytes()
    }

    #[test]
    fn the_canonical_text_of_an_event_is_unchanged() {
        let full = Event {
            seq: 9_007_199_254_740_993,
            id: Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef),
            at: OffsetDateTime::from_unix_timestamp_nanos(1_764_410_000_123_456_789).unwrap(),
            actor_user_id: Some(Uuid::from_u128(1)),
            actor_org_id: Some(Uuid::from_u128(2)),
            action: "values.save \"quoted\" ñ \u{1}".into(),
            entity: "report".into(),
            entity_id: Some(Uuid::from_u128(3)),
            entity_version: Some(-4),
            fields: r#"["G1.O1.1[sex=f]","a\\b"]"#.into(),
            org_id: Some(Uuid::from_u128(5)),
            prev_hash: vec![1, 2, 3],
            hash: Vec::new(),
        };
        let empty = Event {
            actor_user_id: None,
            actor_org_id: None,
            entity_id: None,
            entity_version: None,
            org_id: None,
            fields: "[]".into(),
            ..full.clone()
        };
        for e in [&full, &empty] {
            assert_eq!(String::from_utf8(canonical(e)).unwrap(), String::from_utf8(canonical_as_before(e)).unwrap());
        }
    }
}
