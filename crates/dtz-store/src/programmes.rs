//! Programmes and their results framework. A framework is written whole (from a file or
//! an edit): nodes and indicators are matched by code, changed in place, added, or
//! tombstoned when they disappear, so ids stay stable for the values that point to them.

use crate::sql::Sql;
use crate::{Db, Result, Tx};
use dtz_domain::org::CountryCode;
use dtz_domain::results::*;
use std::collections::HashMap;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// A stored programme (without its framework).
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ProgrammeRow {
    /// Id.
    pub id: Uuid,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// First day.
    pub start_date: Date,
    /// Last day.
    pub end_date: Date,
    /// Period kind.
    pub period_kind: String,
    /// Currency.
    pub currency: String,
    /// IATI identifier.
    pub iati_identifier: Option<String>,
    /// Donor reference.
    pub donor_ref: Option<String>,
    /// Lead reference.
    pub lead_ref: Option<String>,
    /// Row version.
    pub version: i64,
    /// Changes to the set of approved reports so far (see [`bump_approved`]).
    pub approved_generation: i64,
    /// IATI settings as JSON (`dtz_domain::iati::IatiSettings`).
    pub iati_settings: String,
    /// Where it comes from: [`ORIGIN_ENTERED`] or [`ORIGIN_IATI`] (migration 0021).
    pub origin: String,
}

/// A programme entered here (a programme file, the pages).
pub const ORIGIN_ENTERED: &str = "entered";
/// A programme made by `dtz import iati` from a parent activity: read-only here.
pub const ORIGIN_IATI: &str = "iati";

impl ProgrammeRow {
    /// Whether `dtz import iati` made it (its framework and figures are as reported).
    pub fn imported(&self) -> bool {
        self.origin == ORIGIN_IATI
    }
}

/// Mark a programme as made by an import (or not), in the transaction that writes it.
pub async fn set_origin(tx: &mut Tx, id: Uuid, origin: &'static str) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args("UPDATE programmes SET origin = $1 WHERE id = $2", vec![origin.into(), id.into()]))
        .await?;
    Ok(())
}

/// A programme by code, read in a transaction (an import replacing it).
pub async fn by_code_in(tx: &mut Tx, code: &str) -> Result<Option<ProgrammeRow>> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM programmes WHERE deleted_at IS NULL AND code = ").bind(code);
    tx.q().fetch_optional(&q).await
}

const COLS: &str = "id, code, name, description, start_date, end_date, period_kind, currency, iati_identifier, donor_ref, lead_ref, version, \
                    approved_generation, iati_settings, origin";

/// Count a change to the set of approved reports of the programme of report `report`, in
/// the transaction that makes it: approved figures are memoised on this count.
pub async fn bump_approved(tx: &mut Tx, report: Uuid) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "UPDATE programmes SET approved_generation = approved_generation + 1 \
             WHERE id = (SELECT programme_id FROM reports WHERE id = $1)",
            vec![report.into()],
        ))
        .await?;
    Ok(())
}

/// Count a change to the approved reports of `programme` (bulk loads).
pub async fn bump_approved_of(tx: &mut Tx, programme: Uuid) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "UPDATE programmes SET approved_generation = approved_generation + 1 WHERE id = $1",
            vec![programme.into()],
        ))
        .await?;
    Ok(())
}

/// All programmes, by code.
pub async fn list(db: &Db) -> Result<Vec<ProgrammeRow>> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM programmes WHERE deleted_at IS NULL ORDER BY code");
    db.read().fetch_all(&q).await
}

/// A programme by code.
pub async fn by_code(db: &Db, code: &str) -> Result<Option<ProgrammeRow>> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).push(" FROM programmes WHERE deleted_at IS NULL AND code = ").bind(code);
    db.read().fetch_optional(&q).await
}

fn programme_args(p: &Programme) -> Vec<crate::Arg> {
    vec![
        p.name.clone().into(),
        p.description.clone().into(),
        p.start.into(),
        p.end.into(),
        p.periods.as_str().into(),
        p.currency.clone().into(),
        p.iati_identifier.clone().into(),
        p.donor.clone().into(),
        p.lead.clone().into(),
        serde_json::to_string(&p.iati).unwrap_or_else(|_| "{}".into()).into(),
    ]
}

/// Insert a new programme with its framework.
pub async fn insert(tx: &mut Tx, id: Uuid, p: &Programme, now: OffsetDateTime) -> Result<()> {
    let mut args = programme_args(p);
    args.extend([id.into(), p.code.clone().into(), now.into()]);
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO programmes (name, description, start_date, end_date, period_kind, currency, iati_identifier, donor_ref, \
             lead_ref, iati_settings, id, code, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13, $13)",
            args,
        ))
        .await?;
    write_framework(tx, id, p, now).await
}

/// Replace a programme's fields and framework if still at `base`; returns the new version.
pub async fn update(tx: &mut Tx, id: Uuid, base: i64, p: &Programme, now: OffsetDateTime) -> Result<i64> {
    let mut args = programme_args(p);
    args.extend([now.into(), id.into(), base.into()]);
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE programmes SET name = $1, description = $2, start_date = $3, end_date = $4, period_kind = $5, currency = $6, \
             iati_identifier = $7, donor_ref = $8, lead_ref = $9, iati_settings = $10, version = version + 1, updated_at = $11 \
             WHERE id = $12 AND version = $13 AND deleted_at IS NULL",
            args,
        ))
        .await?;
    let v = crate::orgs::stale_check(tx, "programmes", id, base, n).await?;
    write_framework(tx, id, p, now).await?;
    Ok(v)
}

async fn write_framework(tx: &mut Tx, programme: Uuid, p: &Programme, now: OffsetDateTime) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args("DELETE FROM programme_countries WHERE programme_id = $1", vec![programme.into()]))
        .await?;
    for (i, c) in p.countries.iter().enumerate() {
        let refs = serde_json::to_string(&c.implementers).unwrap_or_else(|_| "[]".into());
        tx.q()
            .execute(&Sql::with_args(
                "INSERT INTO programme_countries (id, programme_id, country, lead_ref, implementer_refs, sort_order, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, 1)",
                vec![Uuid::new_v4().into(), programme.into(), c.country.as_str().into(), c.lead.clone().into(), refs.into(), (i as i64).into()],
            ))
            .await?;
    }
    tx.q()
        .execute(&Sql::with_args("DELETE FROM category_sets WHERE programme_id = $1", vec![programme.into()]))
        .await?;
    for (i, d) in p.disaggregations.iter().enumerate() {
        let options = serde_json::to_string(&d.options).unwrap_or_else(|_| "[]".into());
        tx.q()
            .execute(&Sql::with_args(
                "INSERT INTO category_sets (id, programme_id, code, title, options, sort_order, version) VALUES ($1, $2, $3, $4, $5, $6, 1)",
                vec![Uuid::new_v4().into(), programme.into(), d.code.clone().into(), d.title.clone().into(), options.into(), (i as i64).into()],
            ))
            .await?;
    }
    let nodes: Vec<(Uuid, String)> = tx
        .q()
        .fetch_all(&Sql::with_args(
            "SELECT id, code FROM result_nodes WHERE programme_id = $1 AND deleted_at IS NULL",
            vec![programme.into()],
        ))
        .await?;
    let indicators: Vec<(Uuid, String)> = tx
        .q()
        .fetch_all(&Sql::with_args(
            "SELECT id, code FROM indicators WHERE programme_id = $1 AND deleted_at IS NULL",
            vec![programme.into()],
        ))
        .await?;
    let mut w = Writer {
        programme,
        nodes: nodes.into_iter().map(|(id, c)| (c, id)).collect(),
        indicators: indicators.into_iter().map(|(id, c)| (c, id)).collect(),
        order: 0,
    };
    for g in &p.goals {
        w.node(tx, g, None).await?;
    }
    let (left_nodes, left_indicators): (Vec<Uuid>, Vec<Uuid>) =
        (w.nodes.into_values().collect(), w.indicators.into_values().collect());
    for id in left_indicators {
        tx.q()
            .execute(&Sql::with_args(
                "UPDATE indicators SET deleted_at = $1, version = version + 1 WHERE id = $2",
                vec![now.into(), id.into()],
            ))
            .await?;
    }
    for id in left_nodes {
        tx.q()
            .execute(&Sql::with_args(
                "UPDATE result_nodes SET deleted_at = $1, version = version + 1 WHERE id = $2",
                vec![now.into(), id.into()],
            ))
            .await?;
    }
    Ok(())
}

/// Writes nodes and indicators, taking each matched code out of the maps so what is left
/// afterwards is what disappeared.
struct Writer {
    programme: Uuid,
    nodes: HashMap<String, Uuid>,
    indicators: HashMap<String, Uuid>,
    order: i64,
}

impl Writer {
    async fn node(&mut self, tx: &mut Tx, n: &ResultNode, parent: Option<Uuid>) -> Result<Uuid> {
        self.order += 1;
        let args = |id: Uuid, order: i64| -> Vec<crate::Arg> {
            vec![
                parent.into(),
                n.level.as_str().into(),
                n.title.clone().into(),
                n.description.clone().into(),
                order.into(),
                id.into(),
            ]
        };
        let id = match self.nodes.remove(&n.code) {
            Some(id) => {
                tx.q()
                    .execute(&Sql::with_args(
                        "UPDATE result_nodes SET parent_id = $1, level = $2, title = $3, description = $4, sort_order = $5, version = version + 1 WHERE id = $6",
                        args(id, self.order),
                    ))
                    .await?;
                id
            }
            None => {
                let id = Uuid::new_v4();
                let mut a = args(id, self.order);
                a.extend([self.programme.into(), n.code.clone().into()]);
                tx.q()
                    .execute(&Sql::with_args(
                        "INSERT INTO result_nodes (parent_id, level, title, description, sort_order, id, programme_id, code, version) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)",
                        a,
                    ))
                    .await?;
                id
            }
        };
        for i in &n.indicators {
            self.indicator(tx, i, id).await?;
        }
        for c in &n.children {
            Box::pin(self.node(tx, c, Some(id))).await?;
        }
        Ok(id)
    }

    async fn indicator(&mut self, tx: &mut Tx, i: &Indicator, node: Uuid) -> Result<()> {
        self.order += 1;
        let json = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
        let mut args: Vec<crate::Arg> = vec![
            node.into(),
            i.title.clone().into(),
            i.definition.clone().into(),
            i.measure.as_str().into(),
            i.aggregation.as_str().into(),
            i.cumulative.into(),
            i.counts.as_str().into(),
            i.ascending.into(),
            i.scale_max.into(),
            json(&i.disaggregations).into(),
            i.verification.clone().into(),
            json(&i.references).into(),
            i.source.as_str().into(),
            i.computation.clone().into(),
            self.order.into(),
        ];
        match self.indicators.remove(&i.code) {
            Some(id) => {
                args.push(id.into());
                tx.q()
                    .execute(&Sql::with_args(
                        "UPDATE indicators SET node_id = $1, title = $2, definition = $3, measure = $4, aggregation = $5, cumulative = $6, \
                         counts = $7, ascending = $8, scale_max = $9, disaggregations = $10, verification = $11, refs = $12, source = $13, \
                         computation = $14, sort_order = $15, version = version + 1 WHERE id = $16",
                        args,
                    ))
                    .await?;
            }
            None => {
                args.extend([Uuid::new_v4().into(), self.programme.into(), i.code.clone().into()]);
                tx.q()
                    .execute(&Sql::with_args(
                        "INSERT INTO indicators (node_id, title, definition, measure, aggregation, cumulative, counts, ascending, scale_max, \
                         disaggregations, verification, refs, source, computation, sort_order, id, programme_id, code, version) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 1)",
                        args,
                    ))
                    .await?;
            }
        }
        Ok(())
    }
}

/// A stored node of the framework.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct NodeRow {
    /// Id.
    pub id: Uuid,
    /// Parent node.
    pub parent_id: Option<Uuid>,
    /// Level.
    pub level: String,
    /// Code.
    pub code: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
}

/// A stored indicator.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct IndicatorRow {
    /// Id.
    pub id: Uuid,
    /// Node it measures.
    pub node_id: Uuid,
    /// Code.
    pub code: String,
    /// Title.
    pub title: String,
    /// Definition.
    pub definition: String,
    /// Measure.
    pub measure: String,
    /// Aggregation.
    pub aggregation: String,
    /// Cumulative.
    pub cumulative: bool,
    /// Persons or attendances.
    pub counts: String,
    /// Higher is better.
    pub ascending: bool,
    /// Ordinal scale maximum.
    pub scale_max: Option<i64>,
    /// JSON list of category set codes.
    pub disaggregations: String,
    /// Means of verification.
    pub verification: String,
    /// JSON list of references.
    pub refs: String,
    /// Manual or computed.
    pub source: String,
    /// Computation name.
    pub computation: Option<String>,
}

impl IndicatorRow {
    /// As a domain value.
    pub fn indicator(&self) -> Indicator {
        let list = |s: &str| serde_json::from_str::<Vec<String>>(s).unwrap_or_default();
        Indicator {
            code: self.code.clone(),
            title: self.title.clone(),
            definition: self.definition.clone(),
            measure: Measure::parse("measure", &self.measure).unwrap_or(Measure::Text),
            aggregation: Aggregation::parse("aggregation", &self.aggregation).unwrap_or(Aggregation::None),
            cumulative: self.cumulative,
            counts: Counts::parse("counts", &self.counts).unwrap_or(Counts::Persons),
            ascending: self.ascending,
            scale_max: self.scale_max,
            disaggregations: list(&self.disaggregations),
            verification: self.verification.clone(),
            references: list(&self.refs),
            source: Source::parse("source", &self.source).unwrap_or(Source::Manual),
            computation: self.computation.clone(),
        }
    }
}

/// Nodes of a programme in framework order.
pub async fn nodes(db: &Db, programme: Uuid) -> Result<Vec<NodeRow>> {
    db.read()
        .fetch_all(&Sql::with_args(
            "SELECT id, parent_id, level, code, title, description FROM result_nodes WHERE programme_id = $1 AND deleted_at IS NULL ORDER BY sort_order",
            vec![programme.into()],
        ))
        .await
}

/// Indicators of a programme in framework order.
pub async fn indicators(db: &Db, programme: Uuid) -> Result<Vec<IndicatorRow>> {
    db.read()
        .fetch_all(&Sql::with_args(
            "SELECT id, node_id, code, title, definition, measure, aggregation, cumulative, counts, ascending, scale_max, disaggregations, \
             verification, refs, source, computation FROM indicators WHERE programme_id = $1 AND deleted_at IS NULL ORDER BY sort_order",
            vec![programme.into()],
        ))
        .await
}

#[derive(sqlx::FromRow)]
struct CountryRow {
    country: String,
    lead_ref: Option<String>,
    implementer_refs: String,
}

#[derive(sqlx::FromRow)]
struct SetRow {
    code: String,
    title: String,
    options: String,
}

/// The whole programme as a domain value (what `dump` writes).
pub async fn programme(db: &Db, row: &ProgrammeRow) -> Result<Programme> {
    let countries: Vec<CountryRow> = db
        .read()
        .fetch_all(&Sql::with_args(
            "SELECT country, lead_ref, implementer_refs FROM programme_countries WHERE programme_id = $1 AND deleted_at IS NULL ORDER BY sort_order",
            vec![row.id.into()],
        ))
        .await?;
    let sets: Vec<SetRow> = db
        .read()
        .fetch_all(&Sql::with_args(
            "SELECT code, title, options FROM category_sets WHERE programme_id = $1 AND deleted_at IS NULL ORDER BY sort_order",
            vec![row.id.into()],
        ))
        .await?;
    let nodes = nodes(db, row.id).await?;
    let indicators = indicators(db, row.id).await?;
    Ok(Programme {
        code: row.code.clone(),
        name: row.name.clone(),
        description: row.description.clone(),
        start: row.start_date,
        end: row.end_date,
        periods: PeriodKind::parse("periods", &row.period_kind).unwrap_or(PeriodKind::Year),
        currency: row.currency.clone(),
        iati_identifier: row.iati_identifier.clone(),
        donor: row.donor_ref.clone(),
        lead: row.lead_ref.clone(),
        countries: countries
            .into_iter()
            .filter_map(|c| {
                Some(ProgrammeCountry {
                    country: CountryCode::parse("country", &c.country).ok()?,
                    lead: c.lead_ref,
                    implementers: serde_json::from_str(&c.implementer_refs).unwrap_or_default(),
                })
            })
            .collect(),
        disaggregations: sets
            .into_iter()
            .map(|s| CategorySet {
                code: s.code,
                title: s.title,
                options: serde_json::from_str(&s.options).unwrap_or_default(),
            })
            .collect(),
        goals: tree(&nodes, &indicators, None),
        iati: serde_json::from_str(&row.iati_settings).unwrap_or_default(),
    })
}

fn tree(nodes: &[NodeRow], indicators: &[IndicatorRow], parent: Option<Uuid>) -> Vec<ResultNode> {
    nodes
        .iter()
        .filter(|n| n.parent_id == parent)
        .map(|n| ResultNode {
            level: Level::parse("level", &n.level).unwrap_or(Level::Output),
            code: n.code.clone(),
            title: n.title.clone(),
            description: n.description.clone(),
            indicators: indicators.iter().filter(|i| i.node_id == n.id).map(IndicatorRow::indicator).collect(),
            children: tree(nodes, indicators, Some(n.id)),
        })
        .collect()
}

/// What is recorded against one part of an indicator: values, baselines or targets.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct RecordedRow {
    /// Indicator.
    pub indicator_id: Uuid,
    /// `""` for the total, `set=option` for a breakdown.
    pub part: String,
    /// Highest number recorded.
    pub max_value: Option<i64>,
}

/// Every indicator part of a programme that has a value, baseline or target (removed
/// values and cleared targets left out), read in the transaction that changes the
/// framework so nothing slips in between.
pub async fn recorded(tx: &mut Tx, programme: Uuid) -> Result<Vec<RecordedRow>> {
    tx.q().fetch_all(&recorded_sql(programme)).await
}

/// [`recorded`] outside a transaction, for pages that show it.
pub async fn recorded_now(db: &Db, programme: Uuid) -> Result<Vec<RecordedRow>> {
    db.read().fetch_all(&recorded_sql(programme)).await
}

fn recorded_sql(programme: Uuid) -> Sql {
    Sql::with_args(
        "SELECT v.indicator_id, v.part, MAX(v.value) AS max_value FROM data_values v JOIN indicators i ON i.id = v.indicator_id \
             WHERE i.programme_id = $1 AND i.deleted_at IS NULL AND (v.value IS NOT NULL OR v.numerator IS NOT NULL \
             OR v.denominator IS NOT NULL OR v.text_value IS NOT NULL) GROUP BY v.indicator_id, v.part \
             UNION ALL SELECT t.indicator_id, t.part, MAX(t.value) FROM targets t JOIN indicators i ON i.id = t.indicator_id \
             WHERE i.programme_id = $1 AND i.deleted_at IS NULL AND (t.value IS NOT NULL OR t.numerator IS NOT NULL \
             OR t.denominator IS NOT NULL) GROUP BY t.indicator_id, t.part \
             UNION ALL SELECT b.indicator_id, '', MAX(b.value) FROM baselines b JOIN indicators i ON i.id = b.indicator_id \
             WHERE i.programme_id = $1 AND i.deleted_at IS NULL AND (b.value IS NOT NULL OR b.numerator IS NOT NULL \
             OR b.denominator IS NOT NULL) GROUP BY b.indicator_id",
        vec![programme.into()],
    )
}
