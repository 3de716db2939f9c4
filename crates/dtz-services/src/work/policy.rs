//! The policy tracker: instruments with their kind (a vocabulary term), level, area and
//! title, their stage history and the outcomes linked to them.

use super::stages::RecordKind;
use super::{HistoryLine, Listed};
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::Area;
use dtz_domain::change::Change;
use dtz_domain::ids::OrgId;
use dtz_domain::work::may_record;
use dtz_domain::work::outcome::LinkKind;
use dtz_domain::work::policy::{InstrumentFields, InstrumentInput, Level, PolicyStage};
use dtz_store::work::Paging;
use dtz_store::work::instruments::{self as store, InstrumentFilter, InstrumentRow};
use dtz_store::work::outcomes::{self, OutcomeRow};
use dtz_store::work::stages::StageRow;
use serde::Serialize;
use uuid::Uuid;

/// A policy instrument with its stages and linked outcomes.
#[derive(Clone, Debug)]
pub struct Instrument {
    /// The record.
    pub row: InstrumentRow,
    /// Its stage entries, by date.
    pub stages: Vec<StageRow>,
    /// The current stage.
    pub current: Option<PolicyStage>,
    /// Outcomes linked to it that the caller may see.
    pub outcomes: Vec<OutcomeRow>,
    /// Whether the caller may change it.
    pub may_edit: bool,
}

#[derive(Serialize)]
struct Created<'a> {
    org_id: Uuid,
    country: &'a str,
    #[serde(flatten)]
    fields: &'a InstrumentFields,
}

/// The fields an instrument row holds.
pub fn fields_of(r: &InstrumentRow) -> InstrumentFields {
    InstrumentFields {
        kind: r.kind.clone(),
        level: Level::parse("level", &r.level).unwrap_or(Level::National),
        area: r.area.clone(),
        title: r.title.clone(),
        description: r.description.clone(),
    }
}

/// The input an instrument row reads back as (for forms).
pub fn input_of(r: &InstrumentRow) -> InstrumentInput {
    InstrumentInput {
        kind: r.kind.clone(),
        level: r.level.clone(),
        area: r.area.clone().unwrap_or_default(),
        title: r.title.clone(),
        description: r.description.clone().unwrap_or_default(),
    }
}

impl Services {
    /// Record a policy instrument for `org` in `country`.
    pub async fn create_instrument(
        &self,
        caller: &Caller,
        id: Uuid,
        org: OrgId,
        country: &str,
        input: &InstrumentInput,
    ) -> Result<Instrument> {
        let c = self.check_new_place(caller, org, country, may_record).await?;
        let f = InstrumentFields::parse(input)?;
        self.check_term("kind", "instrument_kind", &f.kind, c.as_str(), None).await?;
        let mut tx = self.db.begin().await?;
        store::insert(&mut tx, id, org, c.as_str(), &f, caller.user(), self.clock.now()).await?;
        let change =
            Change::create("policy_instrument", id, &Created { org_id: org.0, country: c.as_str(), fields: &f });
        self.finish(tx, &[caller.event("policy.create", &change, Some(org))]).await?;
        self.instrument(caller, id).await
    }

    /// Change an instrument, based on the version read.
    pub async fn update_instrument(
        &self,
        caller: &Caller,
        id: Uuid,
        base: i64,
        input: &InstrumentInput,
    ) -> Result<Instrument> {
        let scope = caller.scope(Area::Results);
        let current = store::get(&self.db, &scope, id).await?;
        if !Self::may(caller, current.org_id, &current.country, may_record) {
            return Err(ServiceError::Forbidden);
        }
        let f = InstrumentFields::parse(input)?;
        self.check_term("kind", "instrument_kind", &f.kind, &current.country, Some(&current.kind)).await?;
        let mut tx = self.db.begin().await?;
        let before = store::get_in(&mut tx, &scope, id).await?;
        let change = Change::update("policy_instrument", id, base, &fields_of(&before), &f);
        if change.is_empty() && before.version == base {
            return self.instrument(caller, id).await;
        }
        let written = store::update(&mut tx, id, base, &f, self.clock.now()).await;
        self.written(written, id).await?;
        self.finish(tx, &[caller.event("policy.update", &change, Some(OrgId(before.org_id)))]).await?;
        self.instrument(caller, id).await
    }

    /// One instrument in the caller's scope, with its stages and linked outcomes.
    pub async fn instrument(&self, caller: &Caller, id: Uuid) -> Result<Instrument> {
        let scope = caller.scope(Area::Results);
        let row = store::get(&self.db, &scope, id).await?;
        let stages = self.stages_in(RecordKind::Policy, id).await?;
        let current = dtz_domain::work::stage::current(&PolicyStage::order(), stages.iter().map(|s| s.stage.as_str()))
            .and_then(|s| PolicyStage::parse("stage", s).ok());
        let outcomes = outcomes::linked_to(&self.db, &scope, LinkKind::Instrument.as_str(), id).await?;
        let may_edit = Self::may(caller, row.org_id, &row.country, may_record);
        Ok(Instrument { row, stages, current, outcomes, may_edit })
    }

    /// A page of instruments in the caller's scope, each with its current stage.
    pub async fn instruments(
        &self,
        caller: &Caller,
        f: &InstrumentFilter,
        paging: Paging,
    ) -> Result<Listed<(InstrumentRow, Option<String>)>> {
        let (rows, total) = store::list(&self.db, &caller.scope(Area::Results), f, paging).await?;
        let keys: Vec<(Uuid, String)> = rows.iter().map(|r| (r.id, r.country.clone())).collect();
        let current = self.current_stages(RecordKind::Policy, &keys).await?;
        let items = rows.into_iter().zip(current).map(|(r, (_, c))| (r, c)).collect();
        Ok(Listed { items, total })
    }

    /// The history of an instrument (its stage entries included).
    pub async fn instrument_history(&self, caller: &Caller, id: Uuid) -> Result<Vec<HistoryLine>> {
        store::get(&self.db, &caller.scope(Area::Results), id).await?;
        let mut ids = vec![id];
        ids.extend(self.stage_ids(RecordKind::Policy, id).await?);
        self.history_of(&ids).await
    }
}
