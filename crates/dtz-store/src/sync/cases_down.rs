//! Cases going down to a field node (issue 9, point 2). On the hub: which cases a device's
//! user holds (caseload and checkouts, within the user's scope of now), what changed since
//! a cursor, the rows to send (sealed columns as they are stored: ciphertexts bind table,
//! column and row, and ids are the same on both sites), and the `device_held_cases` marks
//! (sent, evicted, acknowledged). On the node: writing those rows as they are, with stub
//! rows for the people, teams and providers they point at, and deleting an evicted case
//! with its children and key wraps. The wire shapes are the rows themselves.

use crate::scope::filter;
use crate::sql::Sql;
use crate::{Db, Result, Tx};
use dtz_domain::access::Scope;
use time::OffsetDateTime;
use uuid::Uuid;

mod wire;

pub use wire::{CaseDown, FollowUpDown, FollowUpNoteDown, NoteDown, PersonDown, ReferralDown, ServiceDown, TeamDown};

fn in_list(q: &mut Sql, ids: &[Uuid]) {
    // An empty list would be `IN ()`: the nil id matches nothing.
    if ids.is_empty() {
        q.bind(Uuid::nil());
    } else {
        q.bind_list(ids.iter().copied());
    }
}

/// On the hub: the cases a device's user holds now — open (not closed), not erased cases
/// they are the caseworker of, that are checked out to the device, or that were opened on
/// the device (its allocator is in the case number) and have no caseworker yet — within
/// the user's scope. A case opened offline thus stays on the laptop that opened it until a
/// supervisor assigns it to someone else.
pub async fn in_scope(db: &Db, scope: &Scope, user: Uuid, allocator: &str, checked_out: &[Uuid]) -> Result<Vec<Uuid>> {
    let mut q = Sql::new(
        "SELECT id FROM cases WHERE deleted_at IS NULL AND erased_at IS NULL AND data_key IS NOT NULL AND status <> ",
    );
    q.bind("closed").push(" AND (caseworker_id = ").bind(user);
    q.push(" OR (caseworker_id IS NULL AND number LIKE ").bind(format!("%-{allocator}-%")).push(")");
    q.push(" OR id IN (");
    in_list(&mut q, checked_out);
    q.push(")) AND ");
    q.append(filter(scope, &crate::cases::SCOPE));
    q.push(" ORDER BY id");
    let rows: Vec<(Uuid,)> = db.read().fetch_all(&q).await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// On the hub: records changed since `cursor`, by the audit chain, leaving out reads (a
/// read, and sending a case down, change nothing a node holds).
pub async fn changed_since(db: &Db, cursor: i64) -> Result<Vec<Uuid>> {
    let rows: Vec<(Uuid,)> = db
        .read()
        .fetch_all(&Sql::with_args(
            "SELECT DISTINCT entity_id FROM audit_events WHERE seq > $1 AND entity_id IS NOT NULL \
             AND action NOT LIKE '%.read' AND action NOT LIKE '%.list' AND action NOT LIKE 'case.sync.%'",
            vec![cursor.into()],
        ))
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// On the hub: `(child id, case id)` of the notes, follow-ups, their notes and referrals of
/// `cases` (a change to a child sends its case again).
pub async fn children_of(db: &Db, cases: &[Uuid]) -> Result<Vec<(Uuid, Uuid)>> {
    let mut out = Vec::new();
    for chunk in cases.chunks(300) {
        for head in [
            "SELECT id, case_id FROM case_notes WHERE case_id IN (",
            "SELECT id, case_id FROM follow_ups WHERE case_id IN (",
            "SELECT id, case_id FROM referrals WHERE case_id IN (",
            "SELECT n.id, f.case_id FROM follow_up_notes n JOIN follow_ups f ON f.id = n.follow_up_id WHERE f.case_id IN (",
        ] {
            let mut q = Sql::new(head);
            q.bind_list(chunk.iter().copied()).push(")");
            let rows: Vec<(Uuid, Uuid)> = db.read().fetch_all(&q).await?;
            out.extend(rows);
        }
    }
    Ok(out)
}

/// On the hub: a case's header and sealed profile, to send.
pub async fn case(db: &Db, id: Uuid) -> Result<CaseDown> {
    db.read()
        .fetch_one(&Sql::with_args(
            "SELECT id, number, country, org_id, team_id, caseworker_id, status, risk, sex, birth_year, \
             birth_year_estimated, languages, consent_services, consent_sharing, consent_statistics, consent_flagged, \
             profile, version, created_at, updated_at FROM cases WHERE id = $1",
            vec![id.into()],
        ))
        .await
}

/// On the hub: a case's notes, referrals, follow-ups and follow-up notes, into `c`.
pub async fn fill_children(db: &Db, c: &mut CaseDown) -> Result<()> {
    let id = c.id;
    c.notes = db
        .read()
        .fetch_all(&Sql::with_args(
            "SELECT id, amends_id, body, author_id, created_at FROM case_notes WHERE case_id = $1 ORDER BY created_at, id",
            vec![id.into()],
        ))
        .await?;
    c.referrals = db
        .read()
        .fetch_all(&Sql::with_args(
            "SELECT id, provider_id, service_id, provider_org_id, service_type, country, urgency, emergency, status, \
             onward_from, details, respond_by, answered_at, first_service_at, ended_at, sent_by, version, created_at, \
             updated_at FROM referrals WHERE case_id = $1 ORDER BY created_at, id",
            vec![id.into()],
        ))
        .await?;
    c.follow_ups = db
        .read()
        .fetch_all(&Sql::with_args(
            "SELECT id, referral_id, kind, status, planned_date, done_date, progress, created_by, version, created_at, \
             updated_at FROM follow_ups WHERE case_id = $1 ORDER BY created_at, id",
            vec![id.into()],
        ))
        .await?;
    c.follow_up_notes = db
        .read()
        .fetch_all(&Sql::with_args(
            "SELECT n.id, n.follow_up_id, n.amends_id, n.body, n.author_id, n.created_at FROM follow_up_notes n \
             JOIN follow_ups f ON f.id = n.follow_up_id WHERE f.case_id = $1 ORDER BY n.created_at, n.id",
            vec![id.into()],
        ))
        .await?;
    Ok(())
}

/// On the hub: the people with these ids.
pub async fn people(db: &Db, ids: &[Uuid]) -> Result<Vec<PersonDown>> {
    let mut q = Sql::new("SELECT id, org_id, name FROM users WHERE id IN (");
    in_list(&mut q, ids);
    q.push(") ORDER BY id");
    db.read().fetch_all(&q).await
}

/// On the hub: the teams with these ids.
pub async fn teams(db: &Db, ids: &[Uuid]) -> Result<Vec<TeamDown>> {
    let mut q = Sql::new("SELECT id, org_id, country, name FROM teams WHERE id IN (");
    in_list(&mut q, ids);
    q.push(") ORDER BY id");
    db.read().fetch_all(&q).await
}

/// On the hub: the provider services with these ids, with their provider's name.
pub async fn services(db: &Db, ids: &[Uuid]) -> Result<Vec<ServiceDown>> {
    let mut q = Sql::new(
        "SELECT s.id, s.provider_id, p.org_id, p.name, p.country, s.service_type FROM provider_services s \
         JOIN service_providers p ON p.id = s.provider_id WHERE s.id IN (",
    );
    in_list(&mut q, ids);
    q.push(") ORDER BY s.id");
    db.read().fetch_all(&q).await
}

/// A case the hub noted on a device, with its eviction marks.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct HeldRow {
    /// Device.
    pub device_id: Uuid,
    /// Case.
    pub case_id: Uuid,
    /// Sent (or its key reached the device) at.
    pub since: OffsetDateTime,
    /// Left the device's scope at.
    pub evicted_at: Option<OffsetDateTime>,
    /// The node confirmed deleting it at.
    pub acknowledged_at: Option<OffsetDateTime>,
}

const HELD: &str = "SELECT h.device_id, h.case_id, h.since, h.evicted_at, h.acknowledged_at FROM device_held_cases h";

/// On the hub: the cases noted on a device that are not acknowledged as deleted.
pub async fn held(db: &Db, device: Uuid) -> Result<Vec<HeldRow>> {
    let mut q = Sql::new(HELD);
    q.push(" WHERE h.device_id = ").bind(device).push(" AND h.acknowledged_at IS NULL ORDER BY h.case_id");
    db.read().fetch_all(&q).await
}

/// On the hub: note a case sent to a device (again in scope: the eviction marks clear).
pub async fn sent(tx: &mut Tx, device: Uuid, case: Uuid, now: OffsetDateTime) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO device_held_cases (device_id, case_id, since) VALUES ($1, $2, $3) \
             ON CONFLICT (device_id, case_id) DO UPDATE SET since = $3, evicted_at = NULL, acknowledged_at = NULL",
            vec![device.into(), case.into(), now.into()],
        ))
        .await?;
    Ok(())
}

/// On the hub: mark cases that left a device's scope as evicted (once).
pub async fn evict(tx: &mut Tx, device: Uuid, cases: &[Uuid], now: OffsetDateTime) -> Result<()> {
    for chunk in cases.chunks(300) {
        let mut q = Sql::new("UPDATE device_held_cases SET evicted_at = ");
        q.bind(now).push(" WHERE evicted_at IS NULL AND device_id = ").bind(device).push(" AND case_id IN (");
        q.bind_list(chunk.iter().copied()).push(")");
        tx.q().execute(&q).await?;
    }
    Ok(())
}

/// On the hub: the node deleted these evicted cases; returns those newly acknowledged.
pub async fn acknowledge(tx: &mut Tx, device: Uuid, cases: &[Uuid], now: OffsetDateTime) -> Result<Vec<Uuid>> {
    let mut out = Vec::new();
    for chunk in cases.chunks(300) {
        let mut q = Sql::new("UPDATE device_held_cases SET acknowledged_at = ");
        q.bind(now).push(" WHERE evicted_at IS NOT NULL AND acknowledged_at IS NULL AND device_id = ").bind(device);
        q.push(" AND case_id IN (").bind_list(chunk.iter().copied()).push(") RETURNING case_id");
        let rows: Vec<(Uuid,)> = tx.q().fetch_all(&q).await?;
        out.extend(rows.into_iter().map(|(id,)| id));
    }
    out.sort();
    Ok(out)
}

/// On the hub: evictions a node has not acknowledged yet, for the devices of `org` (all
/// with `None`), oldest first.
pub async fn unacknowledged(db: &Db, org: Option<Uuid>) -> Result<Vec<HeldRow>> {
    let mut q = Sql::new(HELD);
    q.push(" JOIN devices d ON d.id = h.device_id WHERE h.evicted_at IS NOT NULL AND h.acknowledged_at IS NULL");
    if let Some(o) = org {
        q.push(" AND d.org_id = ").bind(o);
    }
    q.push(" ORDER BY h.evicted_at, h.case_id");
    db.read().fetch_all(&q).await
}

/// On a node: the ids of the cases it holds.
pub async fn node_cases(db: &Db) -> Result<Vec<Uuid>> {
    let rows: Vec<(Uuid,)> = db.read().fetch_all(&Sql::new("SELECT id FROM cases WHERE deleted_at IS NULL")).await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// On a node: a stub account for a person the hub's rows name (disabled, no password: it
/// never signs in; the node's users are not synced).
pub async fn put_person(tx: &mut Tx, p: &PersonDown, now: OffsetDateTime) -> Result<()> {
    let email = format!("{}@hub.invalid", p.id);
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO users (id, org_id, email, name, language, password_hash, disabled, version, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, 'en', '', $5, 1, $6, $6) ON CONFLICT DO NOTHING",
            vec![p.id.into(), p.org_id.into(), email.into(), p.name.as_str().into(), true.into(), now.into()],
        ))
        .await?;
    Ok(())
}

/// On a node: a team the hub's cases name.
pub async fn put_team(tx: &mut Tx, t: &TeamDown, now: OffsetDateTime) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO teams (id, org_id, country, name, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 1, $5, $5) ON CONFLICT DO NOTHING",
            vec![t.id.into(), t.org_id.into(), t.country.clone().into(), t.name.as_str().into(), now.into()],
        ))
        .await?;
    Ok(())
}

/// On a node: a provider and service the hub's referrals name (name and type only).
pub async fn put_service(tx: &mut Tx, s: &ServiceDown, now: OffsetDateTime) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO service_providers (id, org_id, name, country, takes_referrals, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 1, $6, $6) ON CONFLICT DO NOTHING",
            vec![
                s.provider_id.into(),
                s.org_id.into(),
                s.name.as_str().into(),
                s.country.as_str().into(),
                true.into(),
                now.into(),
            ],
        ))
        .await?;
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO provider_services (id, provider_id, service_type, version, created_at, updated_at) \
             VALUES ($1, $2, $3, 1, $4, $4) ON CONFLICT DO NOTHING",
            vec![s.id.into(), s.provider_id.into(), s.service_type.as_str().into(), now.into()],
        ))
        .await?;
    Ok(())
}

/// On a node: write the hub's case as it is, its data key wrapped under the device key
/// (`data_key`), and its children (insert or replace).
pub async fn put_case(tx: &mut Tx, c: &CaseDown, data_key: &[u8]) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO cases (id, number, country, org_id, team_id, caseworker_id, status, risk, sex, birth_year, \
             birth_year_estimated, languages, consent_services, consent_sharing, consent_statistics, consent_flagged, \
             data_key, profile, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
             $12, $13, $14, $15, $16, $17, $18, $19, $20, $21) ON CONFLICT (id) DO UPDATE SET number = $2, country = $3, \
             org_id = $4, team_id = $5, caseworker_id = $6, status = $7, risk = $8, sex = $9, birth_year = $10, \
             birth_year_estimated = $11, languages = $12, consent_services = $13, consent_sharing = $14, \
             consent_statistics = $15, consent_flagged = $16, data_key = $17, profile = $18, version = $19, \
             updated_at = $21, deleted_at = NULL",
            vec![
                c.id.into(),
                c.number.as_str().into(),
                c.country.as_str().into(),
                c.org_id.into(),
                c.team_id.into(),
                c.caseworker_id.into(),
                c.status.as_str().into(),
                c.risk.clone().into(),
                c.sex.clone().into(),
                c.birth_year.into(),
                c.birth_year_estimated.into(),
                c.languages.as_str().into(),
                c.consent_services.clone().into(),
                c.consent_sharing.clone().into(),
                c.consent_statistics.clone().into(),
                c.consent_flagged.into(),
                data_key.into(),
                c.profile.clone().into(),
                c.version.into(),
                c.created_at.into(),
                c.updated_at.into(),
            ],
        ))
        .await?;
    for n in &c.notes {
        tx.q()
            .execute(&Sql::with_args(
                "INSERT INTO case_notes (id, case_id, amends_id, body, author_id, created_at) VALUES ($1, $2, $3, $4, $5, \
                 $6) ON CONFLICT (id) DO UPDATE SET body = $4",
                vec![n.id.into(), c.id.into(), n.amends_id.into(), n.body.clone().into(), n.author_id.into(), n.created_at.into()],
            ))
            .await?;
    }
    for r in &c.referrals {
        put_referral(tx, c.id, r).await?;
    }
    for f in &c.follow_ups {
        tx.q()
            .execute(&Sql::with_args(
                "INSERT INTO follow_ups (id, case_id, referral_id, kind, status, planned_date, done_date, progress, \
                 created_by, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                 ON CONFLICT (id) DO UPDATE SET referral_id = $3, kind = $4, status = $5, planned_date = $6, \
                 done_date = $7, progress = $8, version = $10, updated_at = $12",
                vec![
                    f.id.into(),
                    c.id.into(),
                    f.referral_id.into(),
                    f.kind.as_str().into(),
                    f.status.as_str().into(),
                    f.planned_date.into(),
                    f.done_date.into(),
                    f.progress.clone().into(),
                    f.created_by.into(),
                    f.version.into(),
                    f.created_at.into(),
                    f.updated_at.into(),
                ],
            ))
            .await?;
    }
    for n in &c.follow_up_notes {
        tx.q()
            .execute(&Sql::with_args(
                "INSERT INTO follow_up_notes (id, follow_up_id, amends_id, body, author_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET body = $4",
                vec![
                    n.id.into(),
                    n.follow_up_id.into(),
                    n.amends_id.into(),
                    n.body.clone().into(),
                    n.author_id.into(),
                    n.created_at.into(),
                ],
            ))
            .await?;
    }
    Ok(())
}

async fn put_referral(tx: &mut Tx, case: Uuid, r: &ReferralDown) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO referrals (id, case_id, provider_id, service_id, provider_org_id, service_type, country, \
             urgency, emergency, status, onward_from, details, respond_by, answered_at, first_service_at, ended_at, \
             sent_by, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
             $14, $15, $16, $17, $18, $19, $20) ON CONFLICT (id) DO UPDATE SET status = $10, details = $12, \
             respond_by = $13, answered_at = $14, first_service_at = $15, ended_at = $16, version = $18, updated_at = $20",
            vec![
                r.id.into(),
                case.into(),
                r.provider_id.into(),
                r.service_id.into(),
                r.provider_org_id.into(),
                r.service_type.as_str().into(),
                r.country.as_str().into(),
                r.urgency.as_str().into(),
                r.emergency.into(),
                r.status.as_str().into(),
                r.onward_from.into(),
                r.details.clone().into(),
                r.respond_by.into(),
                r.answered_at.into(),
                r.first_service_at.into(),
                r.ended_at.into(),
                r.sent_by.into(),
                r.version.into(),
                r.created_at.into(),
                r.updated_at.into(),
            ],
        ))
        .await?;
    Ok(())
}

/// On a node: delete a case, every record of it and its key wraps (the data key lives in
/// the case row; the escrow wrap of a case opened here goes too).
pub async fn drop_case(tx: &mut Tx, id: Uuid) -> Result<()> {
    for stmt in [
        "DELETE FROM follow_up_notes WHERE follow_up_id IN (SELECT id FROM follow_ups WHERE case_id = $1)",
        "DELETE FROM follow_ups WHERE case_id = $1",
        "DELETE FROM referral_steps WHERE referral_id IN (SELECT id FROM referrals WHERE case_id = $1)",
        "UPDATE referrals SET onward_from = NULL WHERE case_id = $1",
        "DELETE FROM referrals WHERE case_id = $1",
        "UPDATE case_notes SET amends_id = NULL WHERE case_id = $1",
        "DELETE FROM case_notes WHERE case_id = $1",
        "DELETE FROM case_goals WHERE case_id = $1",
        "DELETE FROM protection_steps WHERE case_id = $1",
        "DELETE FROM case_consents WHERE case_id = $1",
        "DELETE FROM case_transfers WHERE case_id = $1",
        "DELETE FROM case_checkouts WHERE case_id = $1",
        "UPDATE signals SET case_id = NULL WHERE case_id = $1",
        "DELETE FROM case_escrow_wraps WHERE case_id = $1",
        "DELETE FROM cases WHERE id = $1",
    ] {
        tx.q().execute(&Sql::with_args(stmt, vec![id.into()])).await?;
    }
    Ok(())
}

/// On a node, after `put_case`: delete the case's notes, follow-ups (with their notes) and
/// referrals (with their steps) that the hub did not send — records the hub refused, so the
/// node's copy is the hub's (issue 9, cases across hub and node). A node's own records
/// waiting in the outbox never reach here: a case with an operation waiting is not taken.
pub async fn prune_case(tx: &mut Tx, c: &CaseDown) -> Result<()> {
    fn not_in(q: &mut Sql, ids: impl Iterator<Item = Uuid>) {
        q.push(" AND id NOT IN (SELECT id FROM cases WHERE 1 = 0");
        for id in ids {
            q.push(" UNION ALL SELECT ").bind(id);
        }
        q.push(")");
    }
    let mut q =
        Sql::new("DELETE FROM follow_up_notes WHERE follow_up_id IN (SELECT id FROM follow_ups WHERE case_id = ");
    q.bind(c.id).push(")");
    not_in(&mut q, c.follow_up_notes.iter().map(|n| n.id));
    tx.q().execute(&q).await?;
    let mut q = Sql::new("DELETE FROM follow_ups WHERE case_id = ");
    q.bind(c.id);
    not_in(&mut q, c.follow_ups.iter().map(|f| f.id));
    tx.q().execute(&q).await?;
    let mut q = Sql::new("DELETE FROM referral_steps WHERE referral_id IN (SELECT id FROM referrals WHERE case_id = ");
    q.bind(c.id);
    not_in(&mut q, c.referrals.iter().map(|r| r.id));
    q.push(")");
    tx.q().execute(&q).await?;
    let mut q = Sql::new("DELETE FROM referrals WHERE case_id = ");
    q.bind(c.id);
    not_in(&mut q, c.referrals.iter().map(|r| r.id));
    tx.q().execute(&q).await?;
    let mut q = Sql::new("DELETE FROM case_notes WHERE case_id = ");
    q.bind(c.id);
    not_in(&mut q, c.notes.iter().map(|n| n.id));
    tx.q().execute(&q).await?;
    Ok(())
}
