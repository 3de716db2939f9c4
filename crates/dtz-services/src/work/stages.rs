//! Stages of policy instruments, prosecutions and companies: one use case each to record
//! (or correct) a stage and to withdraw one, whatever the record. The stages of a policy
//! instrument and of a company are fixed; those of a prosecution are the court stages
//! of its country's legal system (the `court_stage` vocabulary: terms configured for the
//! country when there are any, else the terms for everywhere).

use crate::config::Term;
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::{Actor, Area};
use dtz_domain::change::Change;
use dtz_domain::ids::OrgId;
use dtz_domain::org::CountryCode;
use dtz_domain::validate::Invalid;
use dtz_domain::work::company::EngagementStage;
use dtz_domain::work::policy::PolicyStage;
use dtz_domain::work::stage::{StageFields, StageInput, check_order};
use dtz_domain::work::{may_record, prosecution};
use dtz_store::Tx;
use dtz_store::work::stages::{self as store, StageRow, StageTable};
use dtz_store::work::{companies, instruments, prosecutions};
use uuid::Uuid;

/// Which kind of record has the stages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordKind {
    /// A policy instrument.
    Policy,
    /// A prosecution.
    Prosecution,
    /// A company.
    Company,
}

impl RecordKind {
    fn table(self) -> StageTable {
        match self {
            RecordKind::Policy => StageTable::Policy,
            RecordKind::Prosecution => StageTable::Prosecution,
            RecordKind::Company => StageTable::Company,
        }
    }

    /// Entity name of its stage entries in the audit.
    pub fn stage_entity(self) -> &'static str {
        match self {
            RecordKind::Policy => "policy_stage",
            RecordKind::Prosecution => "prosecution_stage",
            RecordKind::Company => "company_stage",
        }
    }

    fn area(self) -> Area {
        if self == RecordKind::Prosecution { Area::Prosecutions } else { Area::Results }
    }

    fn rule(self) -> fn(&Actor, OrgId, CountryCode) -> bool {
        if self == RecordKind::Prosecution { prosecution::may_record } else { may_record }
    }

    /// Whether its stage entries take a note (prosecutions take none).
    pub fn notes(self) -> bool {
        self != RecordKind::Prosecution
    }
}

/// A stage a record can reach: its code and, for court stages, the vocabulary term.
#[derive(Clone, Debug)]
pub struct StageChoice {
    /// Code.
    pub code: String,
    /// The term (court stages), for its label in the reader's language.
    pub term: Option<Term>,
}

impl Services {
    /// The stages of a record kind in a country, in order. Court stages include retired
    /// terms only when `with_retired` (to order entries recorded before).
    pub async fn stages_of(&self, kind: RecordKind, country: &str, with_retired: bool) -> Result<Vec<StageChoice>> {
        let fixed =
            |codes: Vec<&str>| codes.into_iter().map(|c| StageChoice { code: c.to_owned(), term: None }).collect();
        Ok(match kind {
            RecordKind::Policy => fixed(PolicyStage::order()),
            RecordKind::Company => fixed(EngagementStage::order()),
            RecordKind::Prosecution => {
                let terms: Vec<Term> =
                    self.terms("court_stage").await?.into_iter().filter(|t| with_retired || t.row.active).collect();
                let own = terms.iter().any(|t| t.row.country == country);
                let mut chosen: Vec<Term> = terms
                    .into_iter()
                    .filter(|t| if own { t.row.country == country } else { t.row.country.is_empty() })
                    .collect();
                chosen.sort_by_key(|t| (t.row.sort_order, t.row.code.clone()));
                chosen.into_iter().map(|t| StageChoice { code: t.row.code.clone(), term: Some(t) }).collect()
            }
        })
    }

    /// The organisation and country of a record in the caller's scope, inside a write
    /// transaction.
    async fn record_place_in(
        &self,
        tx: &mut Tx,
        caller: &Caller,
        kind: RecordKind,
        id: Uuid,
    ) -> Result<(Uuid, String)> {
        let scope = caller.scope(kind.area());
        Ok(match kind {
            RecordKind::Policy => instruments::get_in(tx, &scope, id).await.map(|r| (r.org_id, r.country))?,
            RecordKind::Prosecution => prosecutions::get_in(tx, &scope, id).await.map(|r| (r.org_id, r.country))?,
            RecordKind::Company => companies::get_in(tx, &scope, id).await.map(|r| (r.org_id, r.country))?,
        })
    }

    /// Record the date a record reached `stage` (`base` 0), or correct the entry
    /// (`base`: the version read). Dates keep the order of the stages.
    pub async fn save_stage(
        &self,
        caller: &Caller,
        kind: RecordKind,
        record: Uuid,
        stage: &str,
        base: i64,
        input: &StageInput,
    ) -> Result<StageRow> {
        let f = StageFields::parse(input, kind.notes(), self.today())?;
        let mut tx = self.db.begin().await?;
        let (org, country) = self.record_place_in(&mut tx, caller, kind, record).await?;
        if !Self::may(caller, org, &country, kind.rule()) {
            return Err(ServiceError::Forbidden);
        }
        let order = self.stages_of(kind, &country, true).await?;
        let active = self.stages_of(kind, &country, false).await?;
        let entries = store::of_in(&mut tx, kind.table(), record).await?;
        let existing = entries.iter().find(|e| e.stage == stage).cloned();
        if existing.is_none() && !active.iter().any(|s| s.code == stage) {
            return Err(Invalid::new("stage", "Choose a stage from the list.").into());
        }
        let codes: Vec<&str> = order.iter().map(|s| s.code.as_str()).collect();
        let others: Vec<(String, time::Date)> =
            entries.iter().filter(|e| e.stage != stage).map(|e| (e.stage.clone(), e.reached_on)).collect();
        check_order(&codes, &others, stage, f.reached_on)?;
        let now = self.clock.now();
        let mut dates = vec![f.reached_on];
        dates.extend(existing.as_ref().map(|e| e.reached_on));
        let (id, change, action) = match existing {
            None if base == 0 => {
                let id = Uuid::new_v4();
                store::insert(&mut tx, kind.table(), id, record, stage, &f, caller.user(), now).await?;
                (id, Change::create(kind.stage_entity(), id, &Stage { record, stage, fields: &f }), "stage.record")
            }
            None => return Err(ServiceError::NotFound),
            Some(e) => {
                let change = Change::update(kind.stage_entity(), e.id, base, &e.fields(), &f);
                if change.is_empty() && e.version == base {
                    return Ok(e);
                }
                let written = store::update(&mut tx, kind.table(), e.id, base, &f, now).await;
                self.written(written, e.id).await?;
                (e.id, change, "stage.correct")
            }
        };
        let action = format!("{}.{action}", kind.stage_entity().trim_end_matches("_stage"));
        self.finish(tx, &[caller.event(&action, &change, Some(OrgId(org)))]).await?;
        self.refresh_after_records(caller, OrgId(org), &country, &dates).await;
        Ok(store::by_id(&self.db, kind.table(), id).await?)
    }

    /// Withdraw a stage entry recorded by mistake (`base`: the version read).
    pub async fn withdraw_stage(
        &self,
        caller: &Caller,
        kind: RecordKind,
        record: Uuid,
        stage: &str,
        base: i64,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let (org, country) = self.record_place_in(&mut tx, caller, kind, record).await?;
        if !Self::may(caller, org, &country, kind.rule()) {
            return Err(ServiceError::Forbidden);
        }
        let entries = store::of_in(&mut tx, kind.table(), record).await?;
        let e = entries.into_iter().find(|e| e.stage == stage).ok_or(ServiceError::NotFound)?;
        let written = store::withdraw(&mut tx, kind.table(), e.id, base, self.clock.now()).await;
        self.written(written, e.id).await?;
        let mut change = Change::delete(kind.stage_entity(), e.id, base);
        change.fields = vec![dtz_domain::change::FieldChange {
            field: "deleted_at".into(),
            before: serde_json::Value::Null,
            after: serde_json::Value::Bool(true),
        }];
        let action = format!("{}.stage.withdraw", kind.stage_entity().trim_end_matches("_stage"));
        self.finish(tx, &[caller.event(&action, &change, Some(OrgId(org)))]).await?;
        self.refresh_after_records(caller, OrgId(org), &country, &[e.reached_on]).await;
        Ok(())
    }

    /// The live stage entry of a record for `stage`, if any (the caller may see the record).
    pub async fn stage_entry(
        &self,
        caller: &Caller,
        kind: RecordKind,
        record: Uuid,
        stage: &str,
    ) -> Result<Option<StageRow>> {
        self.record_place(caller, kind, record).await?;
        let entries = store::of(&self.db, kind.table(), &[record]).await?;
        Ok(entries.into_iter().find(|e| e.stage == stage))
    }

    /// The organisation and country of a record in the caller's scope, and whether the
    /// caller may change it.
    pub async fn record_place(&self, caller: &Caller, kind: RecordKind, id: Uuid) -> Result<(Uuid, String, bool)> {
        let scope = caller.scope(kind.area());
        let (org, country) = match kind {
            RecordKind::Policy => instruments::get(&self.db, &scope, id).await.map(|r| (r.org_id, r.country))?,
            RecordKind::Prosecution => prosecutions::get(&self.db, &scope, id).await.map(|r| (r.org_id, r.country))?,
            RecordKind::Company => companies::get(&self.db, &scope, id).await.map(|r| (r.org_id, r.country))?,
        };
        let may = Self::may(caller, org, &country, kind.rule());
        Ok((org, country, may))
    }

    /// The live stage entries of a record the caller has read within its scope.
    pub(crate) async fn stages_in(&self, kind: RecordKind, record: Uuid) -> Result<Vec<StageRow>> {
        Ok(store::of(&self.db, kind.table(), &[record]).await?)
    }

    /// The ids of a record's stage entries, withdrawn ones too (for its history).
    pub(crate) async fn stage_ids(&self, kind: RecordKind, record: Uuid) -> Result<Vec<Uuid>> {
        Ok(store::ids_all(&self.db, kind.table(), record).await?)
    }

    /// The current stage of each record (the last of the stages in order that was
    /// recorded), for a list page: one query for all.
    pub(crate) async fn current_stages(
        &self,
        kind: RecordKind,
        records: &[(Uuid, String)],
    ) -> Result<Vec<(Uuid, Option<String>)>> {
        let ids: Vec<Uuid> = records.iter().map(|(id, _)| *id).collect();
        let entries = store::of(&self.db, kind.table(), &ids).await?;
        let mut orders: std::collections::BTreeMap<String, Vec<String>> = std::collections::BTreeMap::new();
        let mut out = Vec::new();
        for (id, country) in records {
            if !orders.contains_key(country) {
                let o = self.stages_of(kind, country, true).await?.into_iter().map(|s| s.code).collect();
                orders.insert(country.clone(), o);
            }
            let order: Vec<&str> =
                orders.get(country).map(|o| o.iter().map(String::as_str).collect()).unwrap_or_default();
            let mine = entries.iter().filter(|e| e.record_id == *id).map(|e| e.stage.as_str());
            out.push((*id, dtz_domain::work::stage::current(&order, mine).map(str::to_owned)));
        }
        Ok(out)
    }
}

#[derive(serde::Serialize)]
struct Stage<'a> {
    record: Uuid,
    stage: &'a str,
    #[serde(flatten)]
    fields: &'a StageFields,
}
