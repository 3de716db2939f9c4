//! Use cases of the work records: harvested outcomes, the policy tracker, prosecutions
//! and companies with The Code. Reads are scoped (`Area::Results`; prosecutions
//! `Area::Prosecutions`): outside the scope a record does not exist. Writes check who may
//! record (`dtz_domain::work::may_record`, `prosecution::may_record`), compare versions
//! (a stale edit is a 409 naming the fields changed since) and are audited with field
//! names only. Counts for computed indicators are in `counts`.

mod companies;
pub mod counts;
mod files;
mod outcomes;
mod policy;
mod prosecutions;
mod stages;

pub use companies::{Company, input_of as company_input};
pub use files::{COMPANY_YEAR, FileTarget, POLICY_STAGE, WorkFile};
pub use outcomes::{Outcome, OutcomeLink, OutcomeLinks, input_of as outcome_input};
pub use policy::{Instrument, input_of as instrument_input};
pub use prosecutions::{Prosecution, ProsecutionChanges, input_of as prosecution_input};
pub use stages::{RecordKind, StageChoice};

use crate::config::Term;
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::{Actor, Area};
use dtz_domain::ids::OrgId;
use dtz_domain::org::CountryCode;
use dtz_domain::validate::{Invalid, Violations};
use dtz_store::audit::Event;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// A line of a record's history: who did what to which fields, when (never values).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryLine {
    /// When.
    pub at: OffsetDateTime,
    /// Who (name), or "" for the operator at the command line.
    pub who: String,
    /// What (`policy_instrument.update`…).
    pub action: String,
    /// Which fields.
    pub fields: Vec<String>,
}

/// A page of a list and how many lines there are in all.
#[derive(Clone, Debug)]
pub struct Listed<T> {
    /// The lines of this page.
    pub items: Vec<T>,
    /// Lines in all.
    pub total: i64,
}

pub(crate) fn actor(caller: &Caller) -> Option<&Actor> {
    match caller {
        Caller::User(a) => Some(a),
        Caller::System => None,
    }
}

impl Services {
    /// Today, by the one clock.
    pub(crate) fn today(&self) -> Date {
        self.clock.now().date()
    }

    /// Check that the caller may create a record for `org` in `country` with `may` (the
    /// rule of the record kind) and that the organisation exists; a caller who records
    /// nothing at all is refused outright.
    pub(crate) async fn check_new_place(
        &self,
        caller: &Caller,
        org: OrgId,
        country: &str,
        may: fn(&Actor, OrgId, CountryCode) -> bool,
    ) -> Result<CountryCode> {
        let mut v = Violations::default();
        let c = v.check(CountryCode::parse("country", country));
        if self.org(caller, org).await.is_err() {
            v.push(Invalid::new("org", "Choose an organisation from the list."));
        }
        v.into_result()?;
        let Some(c) = c else { return Err(ServiceError::NotFound) };
        if let Some(a) = actor(caller)
            && !may(a, org, c)
        {
            let any = a.roles.iter().any(|r| may(a, r.org.unwrap_or(a.org), r.country.unwrap_or(c)));
            return Err(if any {
                Invalid::new("org", "You do not record for this organisation in this country.").into()
            } else {
                ServiceError::Forbidden
            });
        }
        Ok(c)
    }

    /// Whether the caller may change a record of `org` in `country` by the rule `may`.
    pub(crate) fn may(caller: &Caller, org: Uuid, country: &str, may: fn(&Actor, OrgId, CountryCode) -> bool) -> bool {
        match (actor(caller), CountryCode::parse("country", country)) {
            (None, _) => true,
            (Some(a), Ok(c)) => may(a, OrgId(org), c),
            (Some(_), Err(_)) => false,
        }
    }

    /// Check a vocabulary term: an active term of `vocabulary` for everywhere or for
    /// `country`; `keep` (the value stored now) stays acceptable even if retired since.
    pub(crate) async fn check_term(
        &self,
        field: &str,
        vocabulary: &str,
        code: &str,
        country: &str,
        keep: Option<&str>,
    ) -> Result<Term> {
        let terms = self.terms(vocabulary).await?;
        terms
            .into_iter()
            .find(|t| {
                t.row.code == code
                    && (t.row.country.is_empty() || t.row.country == country)
                    && (t.row.active || keep == Some(code))
            })
            .ok_or_else(|| Invalid::new(field, "Choose one of the options listed.").into())
    }

    /// Terms of a vocabulary offered in `country` (active, for everywhere or the country).
    pub async fn terms_for(&self, vocabulary: &str, country: Option<&str>) -> Result<Vec<Term>> {
        Ok(self
            .terms(vocabulary)
            .await?
            .into_iter()
            .filter(|t| t.row.active && (t.row.country.is_empty() || Some(t.row.country.as_str()) == country))
            .collect())
    }

    /// The history of a record (and the rows hanging off it), newest first. The caller
    /// has read the record within its scope.
    pub(crate) async fn history_of(&self, ids: &[Uuid]) -> Result<Vec<HistoryLine>> {
        let events: Vec<Event> = dtz_store::work::history(&self.db, ids).await?;
        let mut who: Vec<Uuid> = events.iter().filter_map(|e| e.actor_user_id).collect();
        who.sort_unstable();
        who.dedup();
        let names = dtz_store::work::user_names(&self.db, &who).await?;
        Ok(events
            .into_iter()
            .map(|e| HistoryLine {
                at: e.at,
                who: e
                    .actor_user_id
                    .and_then(|u| names.iter().find(|(id, _)| *id == u).map(|(_, n)| n.clone()))
                    .unwrap_or_default(),
                action: e.action,
                fields: serde_json::from_str(&e.fields).unwrap_or_default(),
            })
            .collect())
    }

    /// Whether the caller reads work records at all (any role with a results scope).
    pub fn reads_work(caller: &Caller) -> bool {
        !caller.scope(Area::Results).grants().is_empty()
    }
}

impl Services {
    /// The countries work can be recorded in (programmes' and configured ones).
    pub async fn work_countries(&self) -> Result<Vec<String>> {
        Ok(dtz_store::work::countries(&self.db).await?)
    }
}
