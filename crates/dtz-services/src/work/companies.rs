//! Companies and industry associations: their engagement stages and, per year, The
//! Code's six criteria with evidence notes (evidence files hang off the year, one part
//! per criterion; see `files`).

use super::stages::RecordKind;
use super::{HistoryLine, Listed};
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::Area;
use dtz_domain::change::Change;
use dtz_domain::ids::OrgId;
use dtz_domain::validate::Invalid;
use dtz_domain::work::company::{
    CompanyFields, CompanyInput, CompanyKind, EngagementStage, Sector, Size, YearFields, YearInput,
};
use dtz_domain::work::may_record;
use dtz_store::work::Paging;
use dtz_store::work::companies::{self as store, CompanyFilter, CompanyRow, YearRow};
use dtz_store::work::stages::StageRow;
use serde::Serialize;
use uuid::Uuid;

/// A company with its stages and years.
#[derive(Clone, Debug)]
pub struct Company {
    /// The record.
    pub row: CompanyRow,
    /// Its engagement stage entries, by date.
    pub stages: Vec<StageRow>,
    /// The current engagement stage.
    pub current: Option<EngagementStage>,
    /// The Code's criteria per year, oldest first.
    pub years: Vec<YearRow>,
    /// Whether the caller may change it.
    pub may_edit: bool,
}

#[derive(Serialize)]
struct Created<'a> {
    org_id: Uuid,
    country: &'a str,
    #[serde(flatten)]
    fields: &'a CompanyFields,
}

#[derive(Serialize)]
struct YearAudit<'a> {
    company: Uuid,
    year: i64,
    #[serde(flatten)]
    fields: &'a YearFields,
}

/// The fields a company row holds.
pub fn fields_of(r: &CompanyRow) -> CompanyFields {
    CompanyFields {
        name: r.name.clone(),
        kind: CompanyKind::parse("kind", &r.kind).unwrap_or(CompanyKind::Company),
        sector: Sector::parse("sector", &r.sector).unwrap_or(Sector::Other),
        size: Size::parse("size", &r.size).unwrap_or(Size::Unknown),
    }
}

/// The input a company row reads back as (for forms).
pub fn input_of(r: &CompanyRow) -> CompanyInput {
    CompanyInput { name: r.name.clone(), kind: r.kind.clone(), sector: r.sector.clone(), size: r.size.clone() }
}

impl Services {
    /// Record a company for `org` in `country`.
    pub async fn create_company(
        &self,
        caller: &Caller,
        id: Uuid,
        org: OrgId,
        country: &str,
        input: &CompanyInput,
    ) -> Result<Company> {
        let c = self.check_new_place(caller, org, country, may_record).await?;
        let f = CompanyFields::parse(input)?;
        let mut tx = self.db.begin().await?;
        store::insert(&mut tx, id, org, c.as_str(), &f, caller.user(), self.clock.now()).await?;
        let change = Change::create("company", id, &Created { org_id: org.0, country: c.as_str(), fields: &f });
        self.finish(tx, &[caller.event("company.create", &change, Some(org))]).await?;
        self.company(caller, id).await
    }

    /// Change a company, based on the version read.
    pub async fn update_company(&self, caller: &Caller, id: Uuid, base: i64, input: &CompanyInput) -> Result<Company> {
        let scope = caller.scope(Area::Results);
        let current = store::get(&self.db, &scope, id).await?;
        if !Self::may(caller, current.org_id, &current.country, may_record) {
            return Err(ServiceError::Forbidden);
        }
        let f = CompanyFields::parse(input)?;
        let mut tx = self.db.begin().await?;
        let before = store::get_in(&mut tx, &scope, id).await?;
        let change = Change::update("company", id, base, &fields_of(&before), &f);
        if change.is_empty() && before.version == base {
            return self.company(caller, id).await;
        }
        let written = store::update(&mut tx, id, base, &f, self.clock.now()).await;
        self.written(written, id).await?;
        self.finish(tx, &[caller.event("company.update", &change, Some(OrgId(before.org_id)))]).await?;
        self.company(caller, id).await
    }

    /// Record The Code's criteria of a company for a year (`base` 0), or change them
    /// (`base`: the version read).
    pub async fn save_company_year(
        &self,
        caller: &Caller,
        id: Uuid,
        year: i64,
        base: i64,
        input: &YearInput,
    ) -> Result<YearRow> {
        let scope = caller.scope(Area::Results);
        let company = store::get(&self.db, &scope, id).await?;
        if !Self::may(caller, company.org_id, &company.country, may_record) {
            return Err(ServiceError::Forbidden);
        }
        let this_year = i64::from(self.today().year());
        if !(i64::from(dtz_domain::work::EARLIEST_YEAR)..=this_year).contains(&year) {
            return Err(Invalid::new("year", format!("Choose a year from 1990 to {this_year}.")).into());
        }
        let f = YearFields::parse(input)?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        store::get_in(&mut tx, &scope, id).await?;
        let (row_id, change, action) = match store::year_in(&mut tx, id, year).await? {
            None if base == 0 => {
                let row_id = Uuid::new_v4();
                store::insert_year(&mut tx, row_id, id, year, &f, caller.user(), now).await?;
                (
                    row_id,
                    Change::create("company_year", row_id, &YearAudit { company: id, year, fields: &f }),
                    "company.year.create",
                )
            }
            None => return Err(ServiceError::NotFound),
            Some(y) => {
                let before = y.fields();
                let change = Change::update("company_year", y.id, base, &before, &f);
                if change.is_empty() && y.version == base {
                    return Ok(y);
                }
                let written = store::update_year(&mut tx, y.id, base, &f, now).await;
                self.written(written, y.id).await?;
                (y.id, change, "company.year.update")
            }
        };
        self.finish(tx, &[caller.event(action, &change, Some(OrgId(company.org_id)))]).await?;
        let days = crate::values::days_of_year(year);
        self.refresh_after_records(caller, OrgId(company.org_id), &company.country, &days).await;
        Ok(store::year_by_id(&self.db, row_id).await?)
    }

    /// One company in the caller's scope, with its stages and years.
    pub async fn company(&self, caller: &Caller, id: Uuid) -> Result<Company> {
        let row = store::get(&self.db, &caller.scope(Area::Results), id).await?;
        let stages = self.stages_in(RecordKind::Company, id).await?;
        let current =
            dtz_domain::work::stage::current(&EngagementStage::order(), stages.iter().map(|s| s.stage.as_str()))
                .and_then(|s| EngagementStage::parse("stage", s).ok());
        let years = store::years(&self.db, &[id]).await?;
        let may_edit = Self::may(caller, row.org_id, &row.country, may_record);
        Ok(Company { row, stages, current, years, may_edit })
    }

    /// A page of companies in the caller's scope, each with its current stage and how
    /// many criteria it met in its latest recorded year.
    pub async fn companies(
        &self,
        caller: &Caller,
        f: &CompanyFilter,
        paging: Paging,
    ) -> Result<Listed<(CompanyRow, Option<String>, Option<(i64, usize)>)>> {
        let (rows, total) = store::list(&self.db, &caller.scope(Area::Results), f, paging).await?;
        let keys: Vec<(Uuid, String)> = rows.iter().map(|r| (r.id, r.country.clone())).collect();
        let current = self.current_stages(RecordKind::Company, &keys).await?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let years = store::years(&self.db, &ids).await?;
        let items = rows
            .into_iter()
            .zip(current)
            .map(|(r, (_, c))| {
                let latest = years.iter().filter(|y| y.company_id == r.id).max_by_key(|y| y.year);
                let met = latest.map(|y| (y.year, y.fields().met_count()));
                (r, c, met)
            })
            .collect();
        Ok(Listed { items, total })
    }

    /// The history of a company (its stages and years included).
    pub async fn company_history(&self, caller: &Caller, id: Uuid) -> Result<Vec<HistoryLine>> {
        store::get(&self.db, &caller.scope(Area::Results), id).await?;
        let mut ids = vec![id];
        ids.extend(self.stage_ids(RecordKind::Company, id).await?);
        ids.extend(store::years(&self.db, &[id]).await?.iter().map(|y| y.id));
        self.history_of(&ids).await
    }
}
