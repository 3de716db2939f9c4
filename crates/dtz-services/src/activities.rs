//! Activities: trainings, awareness events, campaigns, lobby meetings… with their reach.
//! The organisation's M&E officer records them (for its organisation and country);
//! whoever may see the organisation's results in that country reads them; donors read
//! approved aggregates only, never activities. Every change refreshes, in its own
//! transaction, the computed figures of the report the activity counts in while that
//! report is open (see `values::computed`); a frozen report keeps its figures.

use crate::sync::outbox::{self, Via};
use crate::values::ComputeContext;
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::{Area, Role, ScopeRow};
use dtz_domain::activity::{
    ActivityFields, ActivityId, ActivityInput, AgeGroup, Allowed, ReachBasis, ReachCell, ReachGroup, Sex,
};
use dtz_domain::change::Change;
use dtz_domain::ids::OrgId;
use dtz_domain::org::CountryCode;
use dtz_domain::results::{Period, Programme};
use dtz_domain::validate::{Invalid, Violations};
use dtz_store::StoreError;
use dtz_store::activities::{self as store, ActivityFilter, ActivityRow, NewActivity};
use dtz_store::audit::NewEvent;
use dtz_store::programmes::ProgrammeRow;

mod evidence;
mod import;
pub use evidence::ActivityFile;
pub use import::{ActivitiesImported, import_columns};

/// An activity as read: the row and its fields (reach included).
#[derive(Clone, Debug, PartialEq)]
pub struct Activity {
    /// The stored row.
    pub row: ActivityRow,
    /// Its fields.
    pub fields: ActivityFields,
}

impl Activity {
    /// Id.
    pub fn id(&self) -> ActivityId {
        ActivityId(self.row.id)
    }

    /// Organisation.
    pub fn org(&self) -> OrgId {
        OrgId(self.row.org_id)
    }
}

/// What the forms and checks of a programme's activities offer.
#[derive(Clone, Debug)]
pub struct ActivityOptions {
    /// The programme.
    pub programme: ProgrammeRow,
    /// Its framework (goals, countries, periods).
    pub framework: Programme,
    /// Activity types in use (active terms of the `activity_type` vocabulary).
    pub types: Vec<crate::config::Term>,
}

impl ActivityOptions {
    /// What a new or changed activity may name.
    pub fn allowed(&self) -> Allowed<'_> {
        Allowed {
            goals: self.framework.goals.iter().map(|g| g.code.as_str()).collect(),
            countries: self.framework.countries.iter().map(|c| c.country).collect(),
            start: Some(self.framework.start),
            end: Some(self.framework.end),
            types: self.types.iter().map(|t| (t.row.code.as_str(), t.row.country.as_str())).collect(),
        }
    }

    /// The label of a type in `lang` (its code when it is not a term any more).
    pub fn type_label(&self, code: &str, lang: &str) -> String {
        self.types.iter().find(|t| t.row.code == code).map_or_else(|| code.to_owned(), |t| t.label(lang).to_owned())
    }
}

/// What a list of activities is narrowed to (as typed; checked against the programme).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActivityQuery {
    /// Country code.
    pub country: Option<String>,
    /// Organisation.
    pub org: Option<OrgId>,
    /// Goal code.
    pub goal: Option<String>,
    /// Activity type code.
    pub activity_type: Option<String>,
    /// Period (`2016`).
    pub period: Option<String>,
}

/// One page of a list.
#[derive(Clone, Debug)]
pub struct ActivityPage {
    /// The activities on this page.
    pub rows: Vec<ActivityRow>,
    /// How many there are in all.
    pub total: i64,
}

/// Activities on one page of a list.
pub const PAGE_SIZE: i64 = 50;

/// Whether the caller reads partners' records (donors and administrators without a
/// results role read aggregates only).
pub(crate) fn reads_records(caller: &Caller) -> bool {
    match caller {
        Caller::System => true,
        Caller::User(a) => a.roles.iter().any(|r| !matches!(r.role, Role::Donor | Role::Administrator)),
    }
}

/// Whether the caller records activities of `org` in `country` (its M&E officer).
pub fn may_record(caller: &Caller, org: OrgId, country: &str) -> bool {
    match caller {
        Caller::System => true,
        Caller::User(a) => a.roles.iter().any(|r| {
            r.role == Role::MeOfficer && r.org == Some(org) && r.country.is_none_or(|c| c.as_str() == country)
        }),
    }
}

/// The fields of a stored activity and its reach (what was checked when it was written).
pub(crate) fn fields_of(row: &ActivityRow, reach: &[store::ReachRow]) -> Result<ActivityFields> {
    let country = CountryCode::parse("country", &row.country).map_err(|_| ServiceError::NotFound)?;
    let mut cells: Vec<ReachCell> = reach
        .iter()
        .filter(|r| r.activity_id == row.id)
        .filter_map(|r| {
            Some(ReachCell {
                group: ReachGroup::parse("g", &r.reach_group).ok()?,
                sex: Sex::parse("s", &r.sex).ok()?,
                age: AgeGroup::parse("a", &r.age).ok()?,
                first_time: r.first_time,
                repeat: r.repeat_count,
            })
        })
        .collect();
    cells.sort();
    Ok(ActivityFields {
        goal: row.goal.clone(),
        country,
        activity_type: row.activity_type.clone(),
        title: row.title.clone(),
        start: row.start_date,
        end: row.end_date,
        area: row.area.clone(),
        description: row.description.clone(),
        links: row.links(),
        basis: ReachBasis::parse("basis", &row.basis).unwrap_or(ReachBasis::Counted),
        reach: cells,
    })
}

fn event(caller: &Caller, action: &str, change: &Change, org: OrgId) -> NewEvent {
    caller.event(action, change, Some(org))
}

impl Services {
    /// Goals, countries and activity types of a programme, for forms and checks.
    pub async fn activity_options(&self, code: &str) -> Result<ActivityOptions> {
        let (programme, framework) = self.programme(code).await?;
        let types = self.terms("activity_type").await?.into_iter().filter(|t| t.row.active).collect();
        Ok(ActivityOptions { programme, framework, types })
    }

    async fn options_of(&self, programme: uuid::Uuid) -> Result<ActivityOptions> {
        let code = dtz_store::programmes::list(&self.db)
            .await?
            .into_iter()
            .find(|p| p.id == programme)
            .map(|p| p.code)
            .ok_or(ServiceError::NotFound)?;
        self.activity_options(&code).await
    }

    /// One activity within the caller's scope.
    pub async fn activity(&self, caller: &Caller, id: ActivityId) -> Result<Activity> {
        if !reads_records(caller) {
            return Err(ServiceError::NotFound);
        }
        let row = store::get(&self.db, &caller.scope(Area::Results), id.0).await?;
        let reach = store::reach(&self.db, &[row.id]).await?;
        let fields = fields_of(&row, &reach)?;
        Ok(Activity { row, fields })
    }

    /// A page of a programme's activities within the caller's scope and the query,
    /// latest first (`page` counts from 1).
    pub async fn activities(&self, caller: &Caller, code: &str, q: &ActivityQuery, page: i64) -> Result<ActivityPage> {
        let (programme, framework) = self.programme(code).await?;
        if !reads_records(caller) {
            return Err(ServiceError::NotFound);
        }
        let filter = check_query(q, programme.id, &framework)?;
        let page = page.clamp(1, 100_000);
        let (rows, total) =
            store::list(&self.db, &caller.scope(Area::Results), &filter, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?;
        Ok(ActivityPage { rows, total })
    }

    /// A page of activities as [`Services::activities`] gives, each with its reach (two
    /// queries for the reach of a whole page).
    pub async fn activities_full(
        &self,
        caller: &Caller,
        code: &str,
        q: &ActivityQuery,
        page: i64,
    ) -> Result<(Vec<Activity>, i64)> {
        let found = self.activities(caller, code, q, page).await?;
        let ids: Vec<uuid::Uuid> = found.rows.iter().map(|r| r.id).collect();
        let reach = store::reach(&self.db, &ids).await?;
        let list = found
            .rows
            .into_iter()
            .map(|row| Ok(Activity { fields: fields_of(&row, &reach)?, row }))
            .collect::<Result<_>>()?;
        Ok((list, found.total))
    }

    /// Every activity of a programme within the caller's scope and the query (downloads),
    /// with their reach.
    pub async fn activities_all(&self, caller: &Caller, code: &str, q: &ActivityQuery) -> Result<Vec<Activity>> {
        let (programme, framework) = self.programme(code).await?;
        if !reads_records(caller) {
            return Err(ServiceError::NotFound);
        }
        let filter = check_query(q, programme.id, &framework)?;
        let (rows, _) = store::list(&self.db, &caller.scope(Area::Results), &filter, 200_000, 0).await?;
        let ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.id).collect();
        let reach = store::reach(&self.db, &ids).await?;
        rows.into_iter().map(|row| Ok(Activity { fields: fields_of(&row, &reach)?, row })).collect()
    }

    /// Record a new activity of `org` (its M&E officer), and refresh the computed figures
    /// of the report it counts in.
    pub async fn create_activity(
        &self,
        caller: &Caller,
        code: &str,
        id: ActivityId,
        org: OrgId,
        input: &ActivityInput,
    ) -> Result<Activity> {
        self.create_activity_via(caller, code, id, org, input, Via::Local).await
    }

    /// [`Services::create_activity`], made here or pushed by a node.
    pub(crate) async fn create_activity_via(
        &self,
        caller: &Caller,
        code: &str,
        id: ActivityId,
        org: OrgId,
        input: &ActivityInput,
        via: Via<'_>,
    ) -> Result<Activity> {
        let opts = self.activity_options(code).await?;
        let f = ActivityFields::parse(input, &opts.allowed())?;
        self.may_write(caller, org, &f)?;
        let period = f.period(opts.framework.periods).to_string();
        let indicators = dtz_store::programmes::indicators(&self.db, opts.programme.id).await?;
        let ctx = ComputeContext::new(opts.programme.id, opts.framework.clone(), &indicators);
        let mut tx = self.db.begin().await?;
        let new =
            NewActivity { id: id.0, programme: opts.programme.id, org, period: &period, fields: &f, by: caller.user() };
        store::insert(&mut tx, &new, self.clock.now()).await.map_err(|e| match e {
            StoreError::Duplicate(_) => {
                ServiceError::from(Invalid::new("id", "An activity with this id exists already."))
            }
            other => other.into(),
        })?;
        let mut events = vec![event(caller, "activity.create", &Change::create(store::ENTITY, id.0, &f), org)];
        events.extend(self.refresh_computed(&mut tx, caller, &ctx, org, f.country.as_str(), &period).await?);
        let op = outbox::activity_created(&opts.programme.code, org.0, id.0, &f);
        self.finish_synced(tx, &events, &[op], via, Some(1)).await?;
        self.activity(&Caller::System, id).await
    }

    fn may_write(&self, caller: &Caller, org: OrgId, f: &ActivityFields) -> Result<()> {
        let row = ScopeRow { org: Some(org), country: Some(f.country), ..Default::default() };
        if !caller.scope(Area::Results).admits(&row) || !reads_records(caller) {
            return Err(ServiceError::NotFound);
        }
        if !may_record(caller, org, f.country.as_str()) {
            return Err(ServiceError::Forbidden);
        }
        Ok(())
    }

    /// Change an activity, based on the version the caller read (a stale version is a
    /// 409 naming the fields changed since); the computed figures of the reports it
    /// counted and counts in are refreshed while they are open.
    pub async fn update_activity(
        &self,
        caller: &Caller,
        id: ActivityId,
        base: i64,
        input: &ActivityInput,
    ) -> Result<Activity> {
        self.update_activity_via(caller, id, base, input, Via::Local).await
    }

    /// [`Services::update_activity`], made here or pushed by a node.
    pub(crate) async fn update_activity_via(
        &self,
        caller: &Caller,
        id: ActivityId,
        base: i64,
        input: &ActivityInput,
        via: Via<'_>,
    ) -> Result<Activity> {
        let before = self.activity(caller, id).await?;
        if !may_record(caller, before.org(), &before.row.country) {
            return Err(ServiceError::Forbidden);
        }
        let opts = self.options_of(before.row.programme_id).await?;
        let f = ActivityFields::parse(input, &opts.allowed())?;
        self.may_write(caller, before.org(), &f)?;
        let change = Change::update(store::ENTITY, id.0, base, &before.fields, &f);
        if change.is_empty() && base == before.row.version {
            if let Via::Push(a) = via {
                let r = a.result(dtz_domain::sync::protocol::Outcome::Applied, None, Some(base));
                self.answer(a, r, None).await?;
            }
            return Ok(before);
        }
        let period = f.period(opts.framework.periods).to_string();
        let indicators = dtz_store::programmes::indicators(&self.db, opts.programme.id).await?;
        let ctx = ComputeContext::new(opts.programme.id, opts.framework.clone(), &indicators);
        let mut tx = self.db.begin().await?;
        let r = store::update(&mut tx, id.0, base, &period, &f, caller.user(), self.clock.now()).await;
        if let Err(StoreError::Stale { base, current }) = r {
            drop(tx);
            return Err(self.stale(id.0, base, current).await);
        }
        r?;
        let mut events = vec![event(caller, "activity.update", &change, before.org())];
        let org = before.org();
        events.extend(self.refresh_computed(&mut tx, caller, &ctx, org, f.country.as_str(), &period).await?);
        if (before.row.country.as_str(), before.row.period.as_str()) != (f.country.as_str(), period.as_str()) {
            let (c, p) = (&before.row.country, &before.row.period);
            events.extend(self.refresh_computed(&mut tx, caller, &ctx, org, c, p).await?);
        }
        let op = outbox::activity_updated(id.0, base, &before.fields, &f);
        self.finish_synced(tx, &events, &[op], via, Some(base + 1)).await?;
        self.activity(&Caller::System, id).await
    }

    /// Remove an activity (a tombstone), based on the version the caller read.
    pub async fn remove_activity(&self, caller: &Caller, id: ActivityId, base: i64) -> Result<()> {
        self.remove_activity_via(caller, id, base, Via::Local).await
    }

    /// [`Services::remove_activity`], made here or pushed by a node.
    pub(crate) async fn remove_activity_via(
        &self,
        caller: &Caller,
        id: ActivityId,
        base: i64,
        via: Via<'_>,
    ) -> Result<()> {
        let before = self.activity(caller, id).await?;
        if !may_record(caller, before.org(), &before.row.country) {
            return Err(ServiceError::Forbidden);
        }
        let ctx = self.compute_context(before.row.programme_id).await?;
        let mut tx = self.db.begin().await?;
        let r = store::remove(&mut tx, id.0, base, caller.user(), self.clock.now()).await;
        if let Err(StoreError::Stale { base, current }) = r {
            drop(tx);
            return Err(self.stale(id.0, base, current).await);
        }
        r?;
        let mut events =
            vec![event(caller, "activity.remove", &Change::delete(store::ENTITY, id.0, base), before.org())];
        let (org, c, p) = (before.org(), &before.row.country, &before.row.period);
        events.extend(self.refresh_computed(&mut tx, caller, &ctx, org, c, p).await?);
        let op = outbox::activity_removed(id.0, base);
        self.finish_synced(tx, &events, &[op], via, Some(base + 1)).await.map(|_| ())
    }

    /// The organisations and countries the caller records activities for.
    pub fn activity_scopes(caller: &Caller) -> Vec<(Option<OrgId>, Option<CountryCode>)> {
        Self::entry_scopes(caller)
    }
}

/// The query checked against the programme: its countries, goals and periods only.
fn check_query(q: &ActivityQuery, programme: uuid::Uuid, p: &Programme) -> Result<ActivityFilter> {
    let mut v = Violations::default();
    let country = match q.country.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(c) => v
            .check(CountryCode::parse("country", c).and_then(|c| {
                if p.countries.iter().any(|pc| pc.country == c) {
                    Ok(c)
                } else {
                    Err(Invalid::new("country", "The programme does not work in this country."))
                }
            }))
            .map(|c| c.as_str().to_owned()),
    };
    let goal = q.goal.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    if let Some(g) = &goal
        && !p.goals.iter().any(|n| &n.code == g)
    {
        v.push(Invalid::new("goal", format!("There is no goal “{g}” in this programme.")));
    }
    let period = match q.period.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => v
            .check(Period::parse("period", s).and_then(|per| {
                if per.kind == p.periods && per.end() >= p.start && per.start() <= p.end {
                    Ok(per)
                } else {
                    Err(Invalid::new("period", "Choose a reporting period of the programme."))
                }
            }))
            .map(|per| per.to_string()),
    };
    v.into_result()?;
    Ok(ActivityFilter {
        programme,
        country,
        org: q.org,
        goal,
        activity_type: q.activity_type.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned),
        period,
    })
}
