//! Configuration use cases: per-country settings and vocabularies (system administrators).

use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::change::Change;
use dtz_domain::country::{CountryFields, CountryInput};
use dtz_domain::validate::{self, Invalid, Violations};
use dtz_domain::vocab;
use dtz_store::config::{self, CountryRow, LabelRow, TermRow};
use serde::Serialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// A term with all its labels by language.
#[derive(Clone, Debug, PartialEq)]
pub struct Term {
    /// The term.
    pub row: TermRow,
    /// Labels by language code.
    pub labels: BTreeMap<String, String>,
}

impl Term {
    /// The label in `lang`, else English, else the code.
    pub fn label(&self, lang: &str) -> &str {
        self.labels.get(lang).or_else(|| self.labels.get("en")).map_or(self.row.code.as_str(), String::as_str)
    }
}

/// Input for a new or changed term.
#[derive(Clone, Debug, Default)]
pub struct TermInput {
    /// Stable code (new terms only).
    pub code: String,
    /// Country code or empty for everywhere (new terms only).
    pub country: String,
    /// Position.
    pub sort_order: String,
    /// Offered for new records.
    pub active: bool,
    /// Labels by language.
    pub labels: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct TermAudit<'a> {
    sort_order: i64,
    active: bool,
    labels: &'a BTreeMap<String, String>,
}

fn parse_labels(labels: &BTreeMap<String, String>, v: &mut Violations) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (lang, label) in labels {
        if let Some(Some(l)) = v.check(validate::optional_text(&format!("label_{lang}"), label, 120)) {
            out.insert(lang.clone(), l);
        }
    }
    if !out.contains_key("en") {
        v.push(Invalid::new("label_en", "Give at least the English label."));
    }
    out
}

impl Services {
    /// A whole-number system setting: its stored value when it parses and is at least
    /// `min`, else `default`.
    pub(crate) async fn whole_setting(&self, key: &str, min: i64, default: i64) -> Result<i64> {
        let stored = dtz_store::settings::get(&self.db, key).await?;
        Ok(stored.and_then(|s| s.value.trim().parse::<i64>().ok()).filter(|n| *n >= min).unwrap_or(default))
    }

    fn require_system_admin(caller: &Caller) -> Result<()> {
        if caller.is_system_admin() { Ok(()) } else { Err(ServiceError::Forbidden) }
    }

    /// Settings of every configured country (everyone signed in may read them).
    pub async fn countries(&self) -> Result<Vec<CountryRow>> {
        Ok(config::countries(&self.db).await?)
    }

    /// One country's settings, if configured.
    pub async fn country(&self, code: &str) -> Result<Option<CountryRow>> {
        Ok(config::country(&self.db, &code.to_ascii_uppercase()).await?)
    }

    /// Create or change a country's settings; `base` is the version read (0: new).
    pub async fn save_country(&self, caller: &Caller, input: &CountryInput, base: i64) -> Result<CountryRow> {
        Self::require_system_admin(caller)?;
        let f = CountryFields::parse(input)?;
        if let Some(lead) = f.lead_org {
            self.org(caller, lead)
                .await
                .map_err(|_| Invalid::new("lead_org", "Choose an organisation from the list."))?;
        }
        let existing = config::country(&self.db, f.country.as_str()).await?;
        let mut tx = self.db.begin().await?;
        let change = match existing {
            None if base == 0 => {
                let id = Uuid::new_v4();
                config::insert_country(&mut tx, id, &f, self.clock.now()).await?;
                Change::create("country_settings", id, &f)
            }
            None => return Err(ServiceError::NotFound),
            Some(row) => {
                let before = CountryFields::parse(&CountryInput {
                    country: row.country.clone(),
                    lead_org: row.lead_org_id.map(dtz_domain::ids::OrgId),
                    helpline: row.helpline.clone().unwrap_or_default(),
                    police: row.police.clone().unwrap_or_default(),
                    answer_within_hours: row.answer_within_hours.map(|n| n.to_string()).unwrap_or_default(),
                    retention_closed_case_months: row
                        .retention_closed_case_months
                        .map(|n| n.to_string())
                        .unwrap_or_default(),
                    retention_signal_months: row.retention_signal_months.map(|n| n.to_string()).unwrap_or_default(),
                    urgent_pickup_minutes: row.urgent_pickup_minutes.map(|n| n.to_string()).unwrap_or_default(),
                })?;
                self.written(config::update_country(&mut tx, row.id, base, &f, self.clock.now()).await, row.id).await?;
                Change::update("country_settings", row.id, base, &before, &f)
            }
        };
        self.finish(tx, &[caller.event("country.save", &change, None)]).await?;
        self.country(f.country.as_str()).await?.ok_or(ServiceError::NotFound)
    }

    /// Terms of a vocabulary with their labels, in order.
    pub async fn terms(&self, vocabulary: &str) -> Result<Vec<Term>> {
        let name = vocab::vocabulary("vocabulary", vocabulary)?;
        let rows = config::terms(&self.db, name).await?;
        let labels = config::labels(&self.db, name).await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let labels = labels
                    .iter()
                    .filter(|l: &&LabelRow| l.term_id == row.id)
                    .map(|l| (l.language.clone(), l.label.clone()))
                    .collect();
                Term { row, labels }
            })
            .collect())
    }

    /// Add a term to a vocabulary.
    pub async fn create_term(&self, caller: &Caller, vocabulary: &str, input: &TermInput) -> Result<Uuid> {
        self.refuse_reference_edit(caller).await?;
        Self::require_system_admin(caller)?;
        let mut v = Violations::default();
        let name = v.check(vocab::vocabulary("vocabulary", vocabulary));
        let code = v.check(vocab::term_code("code", &input.code));
        let country = match input.country.trim() {
            "" => Some(String::new()),
            c => v.check(dtz_domain::org::CountryCode::parse("country", c).map(|c| c.as_str().to_owned())),
        };
        let order =
            v.check(dtz_domain::country::bounded("sort_order", &input.sort_order, 0, 9999)).map(|o| o.unwrap_or(0));
        let labels = parse_labels(&input.labels, &mut v);
        let (Some(name), Some(code), Some(country), Some(sort_order)) = (name, code, country, order) else {
            return Err(v.into());
        };
        v.into_result()?;
        let row = TermRow {
            id: Uuid::new_v4(),
            vocabulary: name.into(),
            code,
            country,
            sort_order,
            active: true,
            version: 1,
        };
        let mut tx = self.db.begin().await?;
        config::insert_term(&mut tx, &row, self.clock.now())
            .await
            .map_err(|e| crate::error::duplicate(e, "code", "This vocabulary already has a term with this code."))?;
        for (lang, label) in &labels {
            config::set_label(&mut tx, row.id, lang, label).await?;
        }
        let change =
            Change::create("vocabulary_term", row.id, &TermAudit { sort_order, active: true, labels: &labels });
        self.finish(tx, &[caller.event("vocabulary.create", &change, None)]).await?;
        Ok(row.id)
    }

    /// Change a term's labels, order or activity.
    pub async fn update_term(&self, caller: &Caller, id: Uuid, base: i64, input: &TermInput) -> Result<()> {
        self.refuse_reference_edit(caller).await?;
        Self::require_system_admin(caller)?;
        let before = config::term(&self.db, id).await?;
        let current =
            self.terms(&before.vocabulary).await?.into_iter().find(|t| t.row.id == id).ok_or(ServiceError::NotFound)?;
        let mut v = Violations::default();
        let order =
            v.check(dtz_domain::country::bounded("sort_order", &input.sort_order, 0, 9999)).map(|o| o.unwrap_or(0));
        let labels = parse_labels(&input.labels, &mut v);
        let Some(sort_order) = order else { return Err(v.into()) };
        v.into_result()?;
        let mut tx = self.db.begin().await?;
        self.written(config::update_term(&mut tx, id, base, sort_order, input.active, self.clock.now()).await, id)
            .await?;
        for lang in current.labels.keys().chain(labels.keys()) {
            config::set_label(&mut tx, id, lang, labels.get(lang).map_or("", String::as_str)).await?;
        }
        let old = TermAudit { sort_order: before.sort_order, active: before.active, labels: &current.labels };
        let new = TermAudit { sort_order, active: input.active, labels: &labels };
        let change = Change::update("vocabulary_term", id, base, &old, &new);
        self.finish(tx, &[caller.event("vocabulary.update", &change, None)]).await?;
        Ok(())
    }
}
