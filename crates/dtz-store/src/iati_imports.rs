//! IATI activities imported from other publishers' files, kept as reported (migration
//! 0022): the activity with its header as a JSON document, its results as rows keyed by
//! activity → result → indicator → period → figure. Writing an activity replaces the one
//! with the same identifier whole, inside the caller's transaction. Nothing here is scoped
//! by organisation × country: an imported file has no such breakdown; the services decide
//! who reads it.

use crate::bulk;
use crate::sql::{Arg, Sql};
use crate::{Db, Result, Tx};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// An imported activity.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ActivityRow {
    /// Id.
    pub id: Uuid,
    /// The programme: its parent activity's identifier (or its own).
    pub programme: String,
    /// `iati-identifier`.
    pub identifier: String,
    /// Order within its file.
    pub position: i64,
    /// Hierarchy.
    pub hierarchy: i64,
    /// Reporting organisation's reference.
    pub reporting_ref: Option<String>,
    /// Reporting organisation's name.
    pub reporting_name: Option<String>,
    /// Title.
    pub title: String,
    /// Default language.
    pub language: String,
    /// Default currency.
    pub currency: String,
    /// `last-updated-datetime` as reported.
    pub last_updated: String,
    /// The header parts as JSON (the services' format).
    pub body: String,
    /// SHA-256 of the file it came from (hex).
    pub file_sha256: String,
    /// When it was imported.
    pub imported_at: OffsetDateTime,
}

/// A result.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ResultRow {
    /// Id.
    pub id: Uuid,
    /// Its activity.
    pub activity_id: Uuid,
    /// Order in the activity.
    pub position: i64,
    /// ResultType code.
    pub kind: String,
    /// Aggregation status.
    pub aggregation: bool,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
}

/// An indicator.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct IndicatorRow {
    /// Id.
    pub id: Uuid,
    /// Its result.
    pub result_id: Uuid,
    /// Order in the result.
    pub position: i64,
    /// IndicatorMeasure code.
    pub measure: String,
    /// Higher is better.
    pub ascending: bool,
    /// Aggregation status.
    pub aggregation: bool,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// References as JSON: a list of [vocabulary, code].
    pub refs: String,
    /// Baseline year.
    pub baseline_year: Option<i64>,
    /// Baseline value.
    pub baseline_value: Option<String>,
    /// Baseline comment.
    pub baseline_comment: Option<String>,
}

/// A period of an indicator.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct PeriodRow {
    /// Id.
    pub id: Uuid,
    /// Its indicator.
    pub indicator_id: Uuid,
    /// Order in the indicator.
    pub position: i64,
    /// First day.
    pub start_date: Date,
    /// Last day.
    pub end_date: Date,
}

/// A target or an actual as reported.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct FigureRow {
    /// Its period.
    pub period_id: Uuid,
    /// `target` or `actual`.
    pub kind: String,
    /// Order among the period's figures of its kind (the total first when reported so).
    pub position: i64,
    /// JSON list of [name, value]; `[]` for a total.
    pub dimensions: String,
    /// Value.
    pub value: Option<String>,
    /// Comment.
    pub comment: Option<String>,
}

/// An activity with everything under it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tree {
    /// The activities.
    pub activities: Vec<ActivityRow>,
    /// Their results.
    pub results: Vec<ResultRow>,
    /// Their indicators.
    pub indicators: Vec<IndicatorRow>,
    /// Their periods.
    pub periods: Vec<PeriodRow>,
    /// Their figures.
    pub figures: Vec<FigureRow>,
}

const ACTIVITY: &str = "a.id, a.programme, a.identifier, a.position, a.hierarchy, a.reporting_ref, a.reporting_name, \
     a.title, a.language, a.currency, a.last_updated, a.body, a.file_sha256, a.imported_at";

/// The imported activities (of one programme, or all), by programme and position.
pub async fn activities(db: &Db, programme: Option<&str>) -> Result<Vec<ActivityRow>> {
    let mut q = Sql::new("SELECT ");
    q.push(ACTIVITY).push(" FROM iati_imported_activities a");
    if let Some(p) = programme {
        q.push(" WHERE a.programme = ").bind(p);
    }
    q.push(" ORDER BY a.programme, a.position, a.identifier");
    db.read().fetch_all(&q).await
}

/// The stored activities among `identifiers`, inside a write transaction.
pub async fn existing(tx: &mut Tx, identifiers: &[String]) -> Result<Vec<String>> {
    let mut found = Vec::new();
    for id in identifiers {
        let q = Sql::with_args(
            "SELECT identifier FROM iati_imported_activities WHERE identifier = $1",
            vec![id.as_str().into()],
        );
        let row: Option<(String,)> = tx.q().fetch_optional(&q).await?;
        found.extend(row.map(|r| r.0));
    }
    Ok(found)
}

/// One programme's activities with everything under them, in order.
pub async fn tree(db: &Db, programme: &str) -> Result<Tree> {
    let activities = activities(db, Some(programme)).await?;
    let join_r = " FROM iati_imported_results r JOIN iati_imported_activities a ON a.id = r.activity_id";
    let join_i = " JOIN iati_imported_indicators i ON i.result_id = r.id";
    let join_p = " JOIN iati_imported_periods p ON p.indicator_id = i.id";
    let mut q = Sql::new("SELECT r.id, r.activity_id, r.position, r.kind, r.aggregation, r.title, r.description");
    q.push(join_r).push(" WHERE a.programme = ").bind(programme).push(" ORDER BY r.activity_id, r.position");
    let results = db.read().fetch_all(&q).await?;
    let mut q = Sql::new(
        "SELECT i.id, i.result_id, i.position, i.measure, i.ascending, i.aggregation, i.title, i.description, i.refs, \
         i.baseline_year, i.baseline_value, i.baseline_comment",
    );
    q.push(join_r).push(join_i).push(" WHERE a.programme = ").bind(programme);
    q.push(" ORDER BY i.result_id, i.position");
    let indicators = db.read().fetch_all(&q).await?;
    let mut q = Sql::new("SELECT p.id, p.indicator_id, p.position, p.start_date, p.end_date");
    q.push(join_r).push(join_i).push(join_p).push(" WHERE a.programme = ").bind(programme);
    q.push(" ORDER BY p.indicator_id, p.position");
    let periods = db.read().fetch_all(&q).await?;
    let mut q = Sql::new("SELECT f.period_id, f.kind, f.position, f.dimensions, f.value, f.comment");
    q.push(join_r).push(join_i).push(join_p).push(" JOIN iati_imported_figures f ON f.period_id = p.id");
    q.push(" WHERE a.programme = ").bind(programme).push(" ORDER BY f.period_id, f.kind, f.position");
    let figures = db.read().fetch_all(&q).await?;
    Ok(Tree { activities, results, indicators, periods, figures })
}

/// Remove the activity with this identifier and everything under it; whether there was one.
pub async fn remove(tx: &mut Tx, identifier: &str) -> Result<bool> {
    let of_activity = "SELECT id FROM iati_imported_activities WHERE identifier = ";
    let of_results = "SELECT r.id FROM iati_imported_results r JOIN iati_imported_activities a ON a.id = r.activity_id \
                      WHERE a.identifier = ";
    let of_indicators = "SELECT i.id FROM iati_imported_indicators i JOIN iati_imported_results r ON r.id = i.result_id \
                         JOIN iati_imported_activities a ON a.id = r.activity_id WHERE a.identifier = ";
    let of_periods = "SELECT p.id FROM iati_imported_periods p JOIN iati_imported_indicators i ON i.id = p.indicator_id \
                      JOIN iati_imported_results r ON r.id = i.result_id \
                      JOIN iati_imported_activities a ON a.id = r.activity_id WHERE a.identifier = ";
    let steps: [(&'static str, &'static str); 4] = [
        ("DELETE FROM iati_imported_figures WHERE period_id IN (", of_periods),
        ("DELETE FROM iati_imported_periods WHERE indicator_id IN (", of_indicators),
        ("DELETE FROM iati_imported_indicators WHERE result_id IN (", of_results),
        ("DELETE FROM iati_imported_results WHERE activity_id IN (", of_activity),
    ];
    for (head, sub) in steps {
        let mut q = Sql::new(head);
        q.push(sub).bind(identifier).push(")");
        tx.q().execute(&q).await?;
    }
    let n = tx
        .q()
        .execute(&Sql::with_args("DELETE FROM iati_imported_activities WHERE identifier = $1", vec![identifier.into()]))
        .await?;
    Ok(n > 0)
}

/// Insert activities with everything under them (ids given by the caller).
pub async fn insert(tx: &mut Tx, t: &Tree, by: Option<Uuid>) -> Result<()> {
    insert_activities(tx, &t.activities, by).await?;
    let rows: Vec<Vec<Arg>> = t
        .results
        .iter()
        .map(|r| {
            let d = r.description.clone();
            vec![
                r.id.into(),
                r.activity_id.into(),
                r.position.into(),
                r.kind.clone().into(),
                r.aggregation.into(),
                r.title.clone().into(),
                d.into(),
            ]
        })
        .collect();
    bulk::insert(
        tx,
        "INSERT INTO iati_imported_results (id, activity_id, position, kind, aggregation, title, description) VALUES ",
        &rows,
    )
    .await?;
    insert_indicators(tx, &t.indicators).await?;
    let rows: Vec<Vec<Arg>> = t
        .periods
        .iter()
        .map(|p| vec![p.id.into(), p.indicator_id.into(), p.position.into(), p.start_date.into(), p.end_date.into()])
        .collect();
    bulk::insert(
        tx,
        "INSERT INTO iati_imported_periods (id, indicator_id, position, start_date, end_date) VALUES ",
        &rows,
    )
    .await?;
    let rows: Vec<Vec<Arg>> = t
        .figures
        .iter()
        .map(|f| {
            vec![
                Uuid::new_v4().into(),
                f.period_id.into(),
                f.kind.clone().into(),
                f.position.into(),
                f.dimensions.clone().into(),
                f.value.clone().into(),
                f.comment.clone().into(),
            ]
        })
        .collect();
    bulk::insert(
        tx,
        "INSERT INTO iati_imported_figures (id, period_id, kind, position, dimensions, value, comment) VALUES ",
        &rows,
    )
    .await?;
    Ok(())
}

async fn insert_activities(tx: &mut Tx, list: &[ActivityRow], by: Option<Uuid>) -> Result<()> {
    let rows: Vec<Vec<Arg>> = list
        .iter()
        .map(|a| {
            vec![
                a.id.into(),
                a.programme.clone().into(),
                a.identifier.clone().into(),
                a.position.into(),
                a.hierarchy.into(),
                a.reporting_ref.clone().into(),
                a.reporting_name.clone().into(),
                a.title.clone().into(),
                a.language.clone().into(),
                a.currency.clone().into(),
                a.last_updated.clone().into(),
                a.body.clone().into(),
                a.file_sha256.clone().into(),
                a.imported_at.into(),
                by.into(),
            ]
        })
        .collect();
    bulk::insert(
        tx,
        "INSERT INTO iati_imported_activities (id, programme, identifier, position, hierarchy, reporting_ref, \
         reporting_name, title, language, currency, last_updated, body, file_sha256, imported_at, imported_by) VALUES ",
        &rows,
    )
    .await?;
    Ok(())
}

async fn insert_indicators(tx: &mut Tx, list: &[IndicatorRow]) -> Result<()> {
    let rows: Vec<Vec<Arg>> = list
        .iter()
        .map(|i| {
            vec![
                i.id.into(),
                i.result_id.into(),
                i.position.into(),
                i.measure.clone().into(),
                i.ascending.into(),
                i.aggregation.into(),
                i.title.clone().into(),
                i.description.clone().into(),
                i.refs.clone().into(),
                i.baseline_year.into(),
                i.baseline_value.clone().into(),
                i.baseline_comment.clone().into(),
            ]
        })
        .collect();
    bulk::insert(
        tx,
        "INSERT INTO iati_imported_indicators (id, result_id, position, measure, ascending, aggregation, title, \
         description, refs, baseline_year, baseline_value, baseline_comment) VALUES ",
        &rows,
    )
    .await?;
    Ok(())
}
