//! Activities and their reach, the facts computed indicators are made of, and the
//! evidence files attached to activities (through `file_links`, entity [`ENTITY`]).

use crate::files::LinkedFile;
use crate::scope::{ScopeColumns, filter};
use crate::sql::{Arg, Sql};
use crate::{Db, Result, StoreError, Tx};
use dtz_domain::access::Scope;
use dtz_domain::activity::ActivityFields;
use dtz_domain::ids::{OrgId, UserId};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// Entity kind of activities in `file_links` and the audit.
pub const ENTITY: &str = "activity";

/// A stored activity (without its reach).
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ActivityRow {
    /// Id.
    pub id: Uuid,
    /// Programme.
    pub programme_id: Uuid,
    /// Organisation that carried it out.
    pub org_id: Uuid,
    /// Country.
    pub country: String,
    /// Strategic goal code.
    pub goal: String,
    /// Reporting period containing the start date.
    pub period: String,
    /// Activity type code.
    pub activity_type: String,
    /// Title.
    pub title: String,
    /// First day.
    pub start_date: Date,
    /// Last day.
    pub end_date: Date,
    /// Area.
    pub area: String,
    /// Description.
    pub description: String,
    /// Links, a JSON list.
    pub links: String,
    /// `counted` or `estimated`.
    pub basis: String,
    /// Everyone reached (sum of the reach cells).
    pub reached: i64,
    /// Row version.
    pub version: i64,
    /// Who created it.
    pub created_by: Option<Uuid>,
    /// When.
    pub created_at: OffsetDateTime,
    /// Who changed it last.
    pub updated_by: Option<Uuid>,
    /// When.
    pub updated_at: OffsetDateTime,
}

impl ActivityRow {
    /// The links.
    pub fn links(&self) -> Vec<String> {
        serde_json::from_str(&self.links).unwrap_or_default()
    }
}

const COLS: &str = "a.id, a.programme_id, a.org_id, a.country, a.goal, a.period, a.activity_type, a.title, a.start_date, \
                    a.end_date, a.area, a.description, a.links, a.basis, a.reached, a.version, a.created_by, a.created_at, \
                    a.updated_by, a.updated_at";

/// Need to know on activities: the organisation (and country), a country, or all.
pub const SCOPE: ScopeColumns = ScopeColumns {
    org: Some("a.org_id"),
    country: Some("a.country"),
    team: None,
    owner: None,
    provider: None,
    case: None,
};

/// One stored cell of an activity's reach.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ReachRow {
    /// Activity.
    pub activity_id: Uuid,
    /// Group code.
    pub reach_group: String,
    /// Sex code.
    pub sex: String,
    /// Age group code.
    pub age: String,
    /// First-time participants.
    pub first_time: i64,
    /// Repeat participants.
    pub repeat_count: i64,
}

/// An activity to insert.
#[derive(Clone, Debug)]
pub struct NewActivity<'a> {
    /// Id.
    pub id: Uuid,
    /// Programme.
    pub programme: Uuid,
    /// Organisation.
    pub org: OrgId,
    /// Period containing the start date.
    pub period: &'a str,
    /// The fields.
    pub fields: &'a ActivityFields,
    /// Who.
    pub by: Option<UserId>,
}

fn field_args(f: &ActivityFields, period: &str) -> Vec<Arg> {
    vec![
        f.country.as_str().into(),
        f.goal.clone().into(),
        period.into(),
        f.activity_type.clone().into(),
        f.title.clone().into(),
        f.start.into(),
        f.end.into(),
        f.area.clone().into(),
        f.description.clone().into(),
        serde_json::to_string(&f.links).unwrap_or_else(|_| "[]".into()).into(),
        f.basis.as_str().into(),
        f.reached().into(),
    ]
}

/// Insert an activity and its reach.
pub async fn insert(tx: &mut Tx, a: &NewActivity<'_>, now: OffsetDateTime) -> Result<()> {
    let mut args = field_args(a.fields, a.period);
    args.extend([a.id.into(), a.programme.into(), a.org.into(), a.by.into(), now.into()]);
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO activities (country, goal, period, activity_type, title, start_date, end_date, area, description, links, \
             basis, reached, id, programme_id, org_id, created_by, created_at, updated_by, updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $16, $17, 1)",
            args,
        ))
        .await?;
    put_reach(tx, a.id, a.fields).await
}

async fn put_reach(tx: &mut Tx, id: Uuid, f: &ActivityFields) -> Result<()> {
    tx.q().execute(&Sql::with_args("DELETE FROM activity_reach WHERE activity_id = $1", vec![id.into()])).await?;
    let rows: Vec<Vec<Arg>> = f
        .reach
        .iter()
        .map(|c| {
            vec![
                id.into(),
                c.group.as_str().into(),
                c.sex.as_str().into(),
                c.age.as_str().into(),
                c.first_time.into(),
                c.repeat.into(),
            ]
        })
        .collect();
    crate::bulk::insert(
        tx,
        "INSERT INTO activity_reach (activity_id, reach_group, sex, age, first_time, repeat_count) VALUES ",
        &rows,
    )
    .await?;
    Ok(())
}

/// Replace an activity's fields and reach if it is still at `base`; returns the new
/// version. `Stale` when it moved on, `NotFound` when it is gone.
pub async fn update(
    tx: &mut Tx,
    id: Uuid,
    base: i64,
    period: &str,
    f: &ActivityFields,
    by: Option<UserId>,
    now: OffsetDateTime,
) -> Result<i64> {
    let mut args = field_args(f, period);
    args.extend([by.into(), now.into(), id.into(), base.into()]);
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE activities SET country = $1, goal = $2, period = $3, activity_type = $4, title = $5, start_date = $6, \
             end_date = $7, area = $8, description = $9, links = $10, basis = $11, reached = $12, updated_by = $13, \
             updated_at = $14, version = version + 1 WHERE id = $15 AND version = $16 AND deleted_at IS NULL",
            args,
        ))
        .await?;
    let v = moved(tx, id, base, n).await?;
    put_reach(tx, id, f).await?;
    Ok(v)
}

/// Tombstone an activity at version `base` (its reach goes; the row stays).
pub async fn remove(tx: &mut Tx, id: Uuid, base: i64, by: Option<UserId>, now: OffsetDateTime) -> Result<i64> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE activities SET deleted_at = $1, updated_at = $1, updated_by = $2, reached = 0, version = version + 1 \
             WHERE id = $3 AND version = $4 AND deleted_at IS NULL",
            vec![now.into(), by.into(), id.into(), base.into()],
        ))
        .await?;
    let v = moved(tx, id, base, n).await?;
    tx.q().execute(&Sql::with_args("DELETE FROM activity_reach WHERE activity_id = $1", vec![id.into()])).await?;
    Ok(v)
}

async fn moved(tx: &mut Tx, id: Uuid, base: i64, n: u64) -> Result<i64> {
    if n == 1 {
        return Ok(base + 1);
    }
    let cur: Option<(i64,)> = tx
        .q()
        .fetch_optional(&Sql::with_args(
            "SELECT version FROM activities WHERE id = $1 AND deleted_at IS NULL",
            vec![id.into()],
        ))
        .await?;
    match cur {
        Some((current,)) => Err(StoreError::Stale { base, current }),
        None => Err(StoreError::NotFound),
    }
}

/// An activity within scope (not removed).
pub async fn get(db: &Db, scope: &Scope, id: Uuid) -> Result<ActivityRow> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM activities a WHERE a.deleted_at IS NULL AND a.id = ").bind(id).push(" AND ");
    q.append(filter(scope, &SCOPE));
    db.read().fetch_one(&q).await
}

/// Activities by id, whatever the scope (an import checks which of its ids exist).
pub async fn existing(db: &Db, ids: &[Uuid]) -> Result<Vec<ActivityRow>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(400) {
        let mut q = Sql::new("SELECT ");
        q.push(COLS)
            .push(" FROM activities a WHERE a.deleted_at IS NULL AND a.id IN (")
            .bind_list(chunk.iter().copied());
        q.push(")");
        out.extend(db.read().fetch_all::<ActivityRow>(&q).await?);
    }
    Ok(out)
}

/// The reach of some activities.
pub async fn reach(db: &Db, ids: &[Uuid]) -> Result<Vec<ReachRow>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(400) {
        let mut q = Sql::new(
            "SELECT activity_id, reach_group, sex, age, first_time, repeat_count FROM activity_reach WHERE activity_id IN (",
        );
        q.bind_list(chunk.iter().copied()).push(") ORDER BY activity_id, reach_group, sex, age");
        out.extend(db.read().fetch_all::<ReachRow>(&q).await?);
    }
    Ok(out)
}

/// What a list of activities is narrowed to; `None` keeps everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActivityFilter {
    /// Programme.
    pub programme: Uuid,
    /// One country.
    pub country: Option<String>,
    /// One organisation.
    pub org: Option<OrgId>,
    /// One strategic goal (code).
    pub goal: Option<String>,
    /// One activity type (code).
    pub activity_type: Option<String>,
    /// One reporting period.
    pub period: Option<String>,
}

fn narrowed(scope: &Scope, f: &ActivityFilter) -> Sql {
    let mut q = Sql::new(" FROM activities a WHERE a.deleted_at IS NULL AND a.programme_id = ");
    q.bind(f.programme).push(" AND ");
    q.append(filter(scope, &SCOPE));
    if let Some(c) = &f.country {
        q.push(" AND a.country = ").bind(c.clone());
    }
    if let Some(o) = f.org {
        q.push(" AND a.org_id = ").bind(o);
    }
    if let Some(g) = &f.goal {
        q.push(" AND a.goal = ").bind(g.clone());
    }
    if let Some(t) = &f.activity_type {
        q.push(" AND a.activity_type = ").bind(t.clone());
    }
    if let Some(p) = &f.period {
        q.push(" AND a.period = ").bind(p.clone());
    }
    q
}

/// One page of activities within scope and the filter, latest first, and how many there
/// are in all.
pub async fn list(
    db: &Db,
    scope: &Scope,
    f: &ActivityFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<ActivityRow>, i64)> {
    let mut count = Sql::new("SELECT COUNT(*)");
    count.append(narrowed(scope, f));
    let total: i64 = db.read().scalar(&count).await?;
    let mut q = Sql::new("SELECT ");
    q.push(COLS).append(narrowed(scope, f));
    q.push(" ORDER BY a.start_date DESC, a.created_at DESC, a.id LIMIT ").bind(limit).push(" OFFSET ").bind(offset);
    Ok((db.read().fetch_all(&q).await?, total))
}

/// Activities counted per place, type and basis.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct CountFact {
    /// Organisation.
    pub org_id: Uuid,
    /// Country.
    pub country: String,
    /// Period.
    pub period: String,
    /// Type code.
    pub activity_type: String,
    /// Basis.
    pub basis: String,
    /// How many.
    pub activities: i64,
}

/// Reach summed per place, type, basis, group, sex and age group.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ReachFact {
    /// Organisation.
    pub org_id: Uuid,
    /// Country.
    pub country: String,
    /// Period.
    pub period: String,
    /// Type code.
    pub activity_type: String,
    /// Basis.
    pub basis: String,
    /// Group.
    pub reach_group: String,
    /// Sex.
    pub sex: String,
    /// Age group.
    pub age: String,
    /// First-time participants.
    pub first_time: i64,
    /// Repeat participants.
    pub repeat_count: i64,
}

/// Where facts are wanted: a programme within a scope, optionally one report's place.
#[derive(Clone, Debug)]
pub struct FactsOf<'a> {
    /// Programme.
    pub programme: Uuid,
    /// Scope of the reader.
    pub scope: &'a Scope,
    /// One report's organisation, country and period.
    pub at: Option<(OrgId, &'a str, &'a str)>,
}

fn facts_where(q: &mut Sql, f: &FactsOf<'_>) {
    q.push(" WHERE a.deleted_at IS NULL AND a.programme_id = ").bind(f.programme).push(" AND ");
    q.append(filter(f.scope, &SCOPE));
    if let Some((org, country, period)) = f.at {
        q.push(" AND a.org_id = ")
            .bind(org)
            .push(" AND a.country = ")
            .bind(country)
            .push(" AND a.period = ")
            .bind(period);
    }
}

fn facts_sql(f: &FactsOf<'_>) -> (Sql, Sql) {
    let mut counts = Sql::new(
        "SELECT a.org_id, a.country, a.period, a.activity_type, a.basis, COUNT(*) AS activities FROM activities a",
    );
    facts_where(&mut counts, f);
    counts.push(" GROUP BY a.org_id, a.country, a.period, a.activity_type, a.basis");
    let mut reach = Sql::new(
        "SELECT a.org_id, a.country, a.period, a.activity_type, a.basis, r.reach_group, r.sex, r.age, \
         CAST(SUM(r.first_time) AS BIGINT) AS first_time, CAST(SUM(r.repeat_count) AS BIGINT) AS repeat_count \
         FROM activity_reach r JOIN activities a ON a.id = r.activity_id",
    );
    facts_where(&mut reach, f);
    reach.push(" GROUP BY a.org_id, a.country, a.period, a.activity_type, a.basis, r.reach_group, r.sex, r.age");
    (counts, reach)
}

/// The facts of activities, aggregated in the database (two queries, whatever the
/// number of activities).
pub async fn facts(db: &Db, f: &FactsOf<'_>) -> Result<(Vec<CountFact>, Vec<ReachFact>)> {
    let (c, r) = facts_sql(f);
    Ok((db.read().fetch_all(&c).await?, db.read().fetch_all(&r).await?))
}

/// [`facts`] inside a write transaction, so they include what it wrote.
pub async fn facts_in(tx: &mut Tx, f: &FactsOf<'_>) -> Result<(Vec<CountFact>, Vec<ReachFact>)> {
    let (c, r) = facts_sql(f);
    Ok((tx.q().fetch_all(&c).await?, tx.q().fetch_all(&r).await?))
}

/// A file attached to an activity, read through the activity's scope: `None` when the
/// file does not exist, was removed, or belongs to no activity the scope admits.
pub async fn file(db: &Db, scope: &Scope, file: Uuid) -> Result<Option<LinkedFile>> {
    let mut q = Sql::new(
        "SELECT f.id, f.org_id, f.name, f.content_type, f.size, f.sha256, f.data_key, f.version, f.created_by, f.created_at, \
         l.entity, l.entity_id, l.subject_id FROM files f JOIN file_links l ON l.file_id = f.id \
         JOIN activities a ON a.id = l.entity_id WHERE f.deleted_at IS NULL AND a.deleted_at IS NULL AND l.entity = ",
    );
    q.bind(ENTITY).push(" AND f.id = ").bind(file).push(" AND ");
    q.append(filter(scope, &SCOPE));
    q.push(" ORDER BY l.created_at LIMIT 1");
    db.read().fetch_optional(&q).await
}

/// The report of a place, read in a write transaction and locked on PostgreSQL (SQLite
/// writes are serial), so no submission commits between reading its status and writing
/// computed figures into it: (id, status).
pub async fn report_locked(
    tx: &mut Tx,
    programme: Uuid,
    org: OrgId,
    country: &str,
    period: &str,
) -> Result<Option<(Uuid, String)>> {
    let mut q = Sql::new("SELECT id, status FROM reports WHERE programme_id = ");
    q.bind(programme).push(" AND org_id = ").bind(org).push(" AND country = ").bind(country);
    q.push(" AND period = ").bind(period);
    if tx.dialect() == crate::Dialect::Postgres {
        q.push(" FOR UPDATE");
    }
    tx.q().fetch_optional(&q).await
}

/// The values of a report read in a write transaction: (indicator, part, value).
pub async fn values_in(tx: &mut Tx, report: Uuid) -> Result<Vec<(Uuid, String, Option<i64>)>> {
    tx.q()
        .fetch_all(&Sql::with_args(
            "SELECT indicator_id, part, value FROM data_values WHERE report_id = $1",
            vec![report.into()],
        ))
        .await
}

/// The activities of `ids` within scope (not removed): those the caller may see.
pub async fn some(db: &Db, scope: &Scope, ids: &[Uuid]) -> Result<Vec<ActivityRow>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(400) {
        let mut q = Sql::new("SELECT ");
        q.push(COLS)
            .push(" FROM activities a WHERE a.deleted_at IS NULL AND a.id IN (")
            .bind_list(chunk.iter().copied());
        q.push(") AND ");
        q.append(filter(scope, &SCOPE));
        out.extend(db.read().fetch_all::<ActivityRow>(&q).await?);
    }
    Ok(out)
}

/// The latest `limit` activities of an organisation in a country within scope, of any
/// programme (what an outcome of theirs can be linked to).
pub async fn latest_at(db: &Db, scope: &Scope, org: Uuid, country: &str, limit: i64) -> Result<Vec<ActivityRow>> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM activities a WHERE a.deleted_at IS NULL AND a.org_id = ").bind(org);
    q.push(" AND a.country = ").bind(country).push(" AND ");
    q.append(filter(scope, &SCOPE));
    q.push(" ORDER BY a.start_date DESC, a.id LIMIT ").bind(limit);
    db.read().fetch_all(&q).await
}
