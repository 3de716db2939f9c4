//! Configuration rows: per-country settings and vocabulary terms with their labels.

use crate::sql::Sql;
use crate::{Db, Result, Tx};
use dtz_domain::country::CountryFields;
use time::OffsetDateTime;
use uuid::Uuid;

/// Stored settings of a country.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct CountryRow {
    /// Id.
    pub id: Uuid,
    /// ISO code.
    pub country: String,
    /// Lead organisation.
    pub lead_org_id: Option<Uuid>,
    /// Child helpline.
    pub helpline: Option<String>,
    /// Police.
    pub police: Option<String>,
    /// Hours to an answer.
    pub answer_within_hours: Option<i64>,
    /// Retention of closed cases (months).
    pub retention_closed_case_months: Option<i64>,
    /// Retention of signals (months).
    pub retention_signal_months: Option<i64>,
    /// Minutes to pick up an urgent signal.
    pub urgent_pickup_minutes: Option<i64>,
    /// Row version.
    pub version: i64,
}

const COUNTRY_COLS: &str = "id, country, lead_org_id, helpline, police, answer_within_hours, retention_closed_case_months, retention_signal_months, urgent_pickup_minutes, version";

/// Every configured country, by code.
pub async fn countries(db: &Db) -> Result<Vec<CountryRow>> {
    let mut q = Sql::new("SELECT ");
    q.push(COUNTRY_COLS).push(" FROM country_settings WHERE deleted_at IS NULL ORDER BY country");
    db.read().fetch_all(&q).await
}

/// One country's settings.
pub async fn country(db: &Db, code: &str) -> Result<Option<CountryRow>> {
    let mut q = Sql::new("SELECT ");
    q.push(COUNTRY_COLS).push(" FROM country_settings WHERE deleted_at IS NULL AND country = ").bind(code);
    db.read().fetch_optional(&q).await
}

fn country_args(f: &CountryFields) -> Vec<crate::Arg> {
    vec![
        f.lead_org.into(),
        f.helpline.clone().into(),
        f.police.clone().into(),
        f.answer_within_hours.into(),
        f.retention_closed_case_months.into(),
        f.retention_signal_months.into(),
        f.urgent_pickup_minutes.into(),
    ]
}

/// Insert a country's settings.
pub async fn insert_country(tx: &mut Tx, id: Uuid, f: &CountryFields, now: OffsetDateTime) -> Result<()> {
    let mut args = country_args(f);
    args.extend([id.into(), f.country.as_str().into(), now.into()]);
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO country_settings (lead_org_id, helpline, police, answer_within_hours, retention_closed_case_months, \
             retention_signal_months, urgent_pickup_minutes, id, country, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10)",
            args,
        ))
        .await?;
    Ok(())
}

/// Update a country's settings if still at `base`.
pub async fn update_country(tx: &mut Tx, id: Uuid, base: i64, f: &CountryFields, now: OffsetDateTime) -> Result<i64> {
    let mut args = country_args(f);
    args.extend([now.into(), id.into(), base.into()]);
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE country_settings SET lead_org_id = $1, helpline = $2, police = $3, answer_within_hours = $4, \
             retention_closed_case_months = $5, retention_signal_months = $6, urgent_pickup_minutes = $7, version = version + 1, \
             updated_at = $8 WHERE id = $9 AND version = $10 AND deleted_at IS NULL",
            args,
        ))
        .await?;
    crate::orgs::stale_check(tx, "country_settings", id, base, n).await
}

/// A vocabulary term with its label in one language (falling back to English, then the
/// code).
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct TermRow {
    /// Id.
    pub id: Uuid,
    /// Vocabulary.
    pub vocabulary: String,
    /// Stable code.
    pub code: String,
    /// Country it applies to ('' for everywhere).
    pub country: String,
    /// Position in lists.
    pub sort_order: i64,
    /// Offered for new records.
    pub active: bool,
    /// Row version.
    pub version: i64,
}

/// A label of a term.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct LabelRow {
    /// Term.
    pub term_id: Uuid,
    /// Language code.
    pub language: String,
    /// Label.
    pub label: String,
}

const TERM_COLS: &str = "id, vocabulary, code, country, sort_order, active, version";

/// Terms of a vocabulary (all countries), in order.
pub async fn terms(db: &Db, vocabulary: &str) -> Result<Vec<TermRow>> {
    let mut q = Sql::new("SELECT ");
    q.push(TERM_COLS).push(" FROM vocabulary_terms WHERE deleted_at IS NULL AND vocabulary = ").bind(vocabulary);
    q.push(" ORDER BY country, sort_order, code");
    db.read().fetch_all(&q).await
}

/// One term.
pub async fn term(db: &Db, id: Uuid) -> Result<TermRow> {
    let mut q = Sql::new("SELECT ");
    q.push(TERM_COLS).push(" FROM vocabulary_terms WHERE deleted_at IS NULL AND id = ").bind(id);
    db.read().fetch_one(&q).await
}

/// Labels of the terms of a vocabulary.
pub async fn labels(db: &Db, vocabulary: &str) -> Result<Vec<LabelRow>> {
    db.read()
        .fetch_all(&Sql::with_args(
            "SELECT l.term_id, l.language, l.label FROM vocabulary_labels l JOIN vocabulary_terms t ON t.id = l.term_id \
             WHERE t.vocabulary = $1 AND t.deleted_at IS NULL",
            vec![vocabulary.into()],
        ))
        .await
}

/// Insert a term.
pub async fn insert_term(tx: &mut Tx, t: &TermRow, now: OffsetDateTime) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO vocabulary_terms (id, vocabulary, code, country, sort_order, active, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7)",
            vec![
                t.id.into(),
                t.vocabulary.clone().into(),
                t.code.clone().into(),
                t.country.clone().into(),
                t.sort_order.into(),
                t.active.into(),
                now.into(),
            ],
        ))
        .await?;
    Ok(())
}

/// Update order and activity of a term if still at `base`.
pub async fn update_term(
    tx: &mut Tx,
    id: Uuid,
    base: i64,
    sort_order: i64,
    active: bool,
    now: OffsetDateTime,
) -> Result<i64> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE vocabulary_terms SET sort_order = $1, active = $2, version = version + 1, updated_at = $3 \
             WHERE id = $4 AND version = $5 AND deleted_at IS NULL",
            vec![sort_order.into(), active.into(), now.into(), id.into(), base.into()],
        ))
        .await?;
    crate::orgs::stale_check(tx, "vocabulary_terms", id, base, n).await
}

/// Set (or with an empty label, remove) a term's label in one language.
pub async fn set_label(tx: &mut Tx, term: Uuid, language: &str, label: &str) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "DELETE FROM vocabulary_labels WHERE term_id = $1 AND language = $2",
            vec![term.into(), language.into()],
        ))
        .await?;
    if !label.is_empty() {
        tx.q()
            .execute(&Sql::with_args(
                "INSERT INTO vocabulary_labels (term_id, language, label) VALUES ($1, $2, $3)",
                vec![term.into(), language.into(), label.into()],
            ))
            .await?;
    }
    Ok(())
}
