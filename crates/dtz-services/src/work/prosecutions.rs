//! Prosecutions: read and recorded by the organisation that supports them (its M&E
//! officers and case staff, `Area::Prosecutions`); the case reference only by its case
//! staff, and showing it is audited. Everyone with a results scope sees the disclosed
//! summary per country and stage instead of the records.

use super::stages::RecordKind;
use super::{HistoryLine, Listed, actor};
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::Area;
use dtz_domain::change::Change;
use dtz_domain::ids::OrgId;
use dtz_domain::org::CountryCode;
use dtz_domain::validate::Invalid;
use dtz_domain::work::iso_date;
use dtz_domain::work::prosecution::{
    ProsecutionFields, ProsecutionInput, SummaryLine, case_reference, follows_cases, may_record, summary,
};
use dtz_store::audit::NewEvent;
use dtz_store::work::Paging;
use dtz_store::work::prosecutions::{self as store, ProsecutionFilter, ProsecutionRow};
use dtz_store::work::stages::StageRow;
use serde::Serialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// A change to a prosecution: its fields, and the case reference when given
/// (`Some("")` removes it; `None` leaves it as it is).
#[derive(Clone, Debug, Default)]
pub struct ProsecutionChanges {
    /// The fields.
    pub input: ProsecutionInput,
    /// The case reference.
    pub case_ref: Option<String>,
}

/// A prosecution with its stages.
#[derive(Clone, Debug)]
pub struct Prosecution {
    /// The record (its sealed case reference is not for display).
    pub row: ProsecutionRow,
    /// Its stage entries, by date.
    pub stages: Vec<StageRow>,
    /// The current stage.
    pub current: Option<String>,
    /// The case reference, for case staff only (always `None` for anyone else).
    pub case_ref: Option<String>,
    /// Whether the caller follows the organisation's cases (sees and sets the reference).
    pub follows_cases: bool,
    /// Whether the caller may change it.
    pub may_edit: bool,
}

#[derive(Serialize)]
struct Audited<'a> {
    #[serde(flatten)]
    fields: &'a ProsecutionFields,
    case_ref: Option<&'a str>,
}

#[derive(Serialize)]
struct Created<'a> {
    org_id: Uuid,
    country: &'a str,
    #[serde(flatten)]
    audited: Audited<'a>,
}

/// The input a prosecution row reads back as (for forms).
pub fn input_of(r: &ProsecutionRow) -> ProsecutionInput {
    ProsecutionInput {
        reference: r.reference.clone(),
        offence: r.offence.clone(),
        opened_on: iso_date(r.opened_on),
        legal_aid: r.legal_aid,
        accompaniment: r.accompaniment,
    }
}

fn fields_of(r: &ProsecutionRow) -> ProsecutionFields {
    ProsecutionFields {
        reference: r.reference.clone(),
        offence: r.offence.clone(),
        opened_on: r.opened_on,
        legal_aid: r.legal_aid,
        accompaniment: r.accompaniment,
    }
}

fn follows(caller: &Caller, org: Uuid, country: &str) -> bool {
    match (actor(caller), CountryCode::parse("country", country)) {
        (None, _) => true,
        (Some(a), Ok(c)) => follows_cases(a, OrgId(org), c),
        _ => false,
    }
}

impl Services {
    /// The case reference as typed, checked: only case staff of the organisation set it.
    fn case_ref_input(caller: &Caller, org: Uuid, country: &str, s: Option<&str>) -> Result<Option<Option<String>>> {
        let Some(s) = s else { return Ok(None) };
        if !follows(caller, org, country) {
            if s.trim().is_empty() {
                return Ok(None);
            }
            return Err(Invalid::new("case_ref", "Only the organisation's case staff set the case reference.").into());
        }
        Ok(Some(case_reference(s)?))
    }

    /// Record a prosecution for `org` in `country`.
    pub async fn create_prosecution(
        &self,
        caller: &Caller,
        id: Uuid,
        org: OrgId,
        country: &str,
        ch: &ProsecutionChanges,
    ) -> Result<Prosecution> {
        let c = self.check_new_place(caller, org, country, may_record).await?;
        let f = ProsecutionFields::parse(&ch.input, self.today())?;
        self.check_term("offence", "offence_type", &f.offence, c.as_str(), None).await?;
        let case_ref = Self::case_ref_input(caller, org.0, c.as_str(), ch.case_ref.as_deref())?.flatten();
        let sealed = match &case_ref {
            Some(r) => Some(store::seal_case_ref(&self.db, &self.keys, org, id, r).await?),
            None => None,
        };
        let mut tx = self.db.begin().await?;
        store::insert(&mut tx, id, org, c.as_str(), &f, sealed, caller.user(), self.clock.now()).await?;
        let audited = Audited { fields: &f, case_ref: case_ref.as_deref() };
        let change = Change::create("prosecution", id, &Created { org_id: org.0, country: c.as_str(), audited });
        self.finish(tx, &[caller.event("prosecution.create", &change, Some(org))]).await?;
        self.refresh_after_records(caller, org, c.as_str(), &[f.opened_on]).await;
        self.prosecution(caller, id).await
    }

    /// Change a prosecution, based on the version read.
    pub async fn update_prosecution(
        &self,
        caller: &Caller,
        id: Uuid,
        base: i64,
        ch: &ProsecutionChanges,
    ) -> Result<Prosecution> {
        let scope = caller.scope(Area::Prosecutions);
        let current = store::get(&self.db, &scope, id).await?;
        if !Self::may(caller, current.org_id, &current.country, may_record) {
            return Err(ServiceError::Forbidden);
        }
        let f = ProsecutionFields::parse(&ch.input, self.today())?;
        self.check_term("offence", "offence_type", &f.offence, &current.country, Some(&current.offence)).await?;
        let wanted = Self::case_ref_input(caller, current.org_id, &current.country, ch.case_ref.as_deref())?;
        let org = OrgId(current.org_id);
        let before_ref = match &current.case_ref {
            Some(s) => Some(store::open_case_ref(&self.db, &self.keys, org, id, s).await?),
            None => None,
        };
        let after_ref = wanted.clone().unwrap_or_else(|| before_ref.clone());
        let sealed = match (&wanted, &after_ref) {
            (None, _) => current.case_ref.clone(),
            (Some(_), Some(r)) => Some(store::seal_case_ref(&self.db, &self.keys, org, id, r).await?),
            (Some(_), None) => None,
        };
        let mut tx = self.db.begin().await?;
        let before = store::get_in(&mut tx, &scope, id).await?;
        let change = Change::update(
            "prosecution",
            id,
            base,
            &Audited { fields: &fields_of(&before), case_ref: before_ref.as_deref() },
            &Audited { fields: &f, case_ref: after_ref.as_deref() },
        );
        if change.is_empty() && before.version == base {
            return self.prosecution(caller, id).await;
        }
        let written = store::update(&mut tx, id, base, &f, sealed, self.clock.now()).await;
        self.written(written, id).await?;
        self.finish(tx, &[caller.event("prosecution.update", &change, Some(org))]).await?;
        let dates = [before.opened_on, f.opened_on];
        self.refresh_after_records(caller, org, &current.country, &dates).await;
        self.prosecution(caller, id).await
    }

    /// One prosecution in the caller's prosecution scope. For case staff the case
    /// reference is opened, and that it was shown is audited.
    pub async fn prosecution(&self, caller: &Caller, id: Uuid) -> Result<Prosecution> {
        let row = store::get(&self.db, &caller.scope(Area::Prosecutions), id).await?;
        let stages = self.stages_in(RecordKind::Prosecution, id).await?;
        let current = self
            .current_stages(RecordKind::Prosecution, &[(id, row.country.clone())])
            .await?
            .pop()
            .and_then(|(_, c)| c);
        let follows_cases = follows(caller, row.org_id, &row.country);
        let case_ref = match (&row.case_ref, follows_cases) {
            (Some(sealed), true) => {
                let plain = store::open_case_ref(&self.db, &self.keys, OrgId(row.org_id), id, sealed).await?;
                if caller.user().is_some() {
                    let tx = self.db.begin().await?;
                    let event = NewEvent {
                        actor_user: caller.user(),
                        actor_org: caller.org(),
                        action: "prosecution.read".into(),
                        entity: "prosecution".into(),
                        entity_id: Some(id),
                        // A reading changes nothing: no version, so it never counts among
                        // the fields changed since a version (the 409 answer).
                        entity_version: None,
                        fields: vec!["case_ref".into()],
                        org: Some(OrgId(row.org_id)),
                    };
                    self.finish(tx, &[event]).await?;
                }
                Some(plain)
            }
            _ => None,
        };
        let may_edit = Self::may(caller, row.org_id, &row.country, may_record);
        Ok(Prosecution { row, stages, current, case_ref, follows_cases, may_edit })
    }

    /// A page of prosecutions in the caller's prosecution scope, with current stages.
    pub async fn prosecutions(
        &self,
        caller: &Caller,
        f: &ProsecutionFilter,
        paging: Paging,
    ) -> Result<Listed<(ProsecutionRow, Option<String>)>> {
        let (rows, total) = store::list(&self.db, &caller.scope(Area::Prosecutions), f, paging).await?;
        let keys: Vec<(Uuid, String)> = rows.iter().map(|r| (r.id, r.country.clone())).collect();
        let current = self.current_stages(RecordKind::Prosecution, &keys).await?;
        let items = rows.into_iter().zip(current).map(|(r, (_, c))| (r, c)).collect();
        Ok(Listed { items, total })
    }

    /// The history of a prosecution (its stage entries included).
    pub async fn prosecution_history(&self, caller: &Caller, id: Uuid) -> Result<Vec<HistoryLine>> {
        store::get(&self.db, &caller.scope(Area::Prosecutions), id).await?;
        let mut ids = vec![id];
        ids.extend(self.stage_ids(RecordKind::Prosecution, id).await?);
        self.history_of(&ids).await
    }

    /// Whether the caller reads prosecution records at all.
    pub fn reads_prosecutions(caller: &Caller) -> bool {
        !caller.scope(Area::Prosecutions).grants().is_empty()
    }

    /// Prosecutions per country and current stage within the caller's results scope,
    /// every count through `Disclosed` (DESIGN §5): a fixed table, one line per stage of
    /// each country's legal system.
    pub async fn prosecution_summary(&self, caller: &Caller) -> Result<Vec<SummaryLine>> {
        let (current, orders) = self.summary_rows(&caller.scope(Area::Results)).await?;
        Ok(summary(&current, &orders, false))
    }

    /// For those who follow prosecutions (the supporting organisation's M&E officers and
    /// case staff): the same table with exact counts, of the prosecutions within their
    /// prosecution scope only. `None` for everyone else.
    pub async fn prosecution_summary_exact(&self, caller: &Caller) -> Result<Option<Vec<SummaryLine>>> {
        if !Self::reads_prosecutions(caller) {
            return Ok(None);
        }
        let (current, orders) = self.summary_rows(&caller.scope(Area::Prosecutions)).await?;
        Ok(Some(dtz_domain::work::prosecution::exact_summary(&current, &orders)))
    }

    /// The current stage of every prosecution within `scope` (country, stage), with the
    /// stages of each country's legal system.
    async fn summary_rows(&self, scope: &dtz_domain::access::Scope) -> Result<CurrentStages> {
        let rows = store::stage_rows(&self.db, scope).await?;
        let mut by_id: BTreeMap<Uuid, (String, Vec<String>)> = BTreeMap::new();
        for (id, country, stage) in rows {
            let e = by_id.entry(id).or_insert_with(|| (country, Vec::new()));
            e.1.extend(stage);
        }
        let mut orders: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (country, _) in by_id.values() {
            if !orders.contains_key(country) {
                let o = self.stages_of(RecordKind::Prosecution, country, true).await?;
                orders.insert(country.clone(), o.into_iter().map(|s| s.code).collect());
            }
        }
        let current: Vec<(String, Option<String>)> = by_id
            .into_values()
            .map(|(country, stages)| {
                let order: Vec<&str> =
                    orders.get(&country).map(|o| o.iter().map(String::as_str).collect()).unwrap_or_default();
                let c = dtz_domain::work::stage::current(&order, &stages).map(str::to_owned);
                (country, c)
            })
            .collect();
        Ok((current, orders))
    }
}

type CurrentStages = (Vec<(String, Option<String>)>, BTreeMap<String, Vec<String>>);
