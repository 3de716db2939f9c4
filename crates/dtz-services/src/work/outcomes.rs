//! Harvested outcomes: recorded by whoever records the organisation's work in the
//! country, read within the results scope, linked to goals and outcomes of a results
//! framework, to policy instruments (within the caller's scope) and to activities.

use super::{HistoryLine, Listed, actor};
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::Area;
use dtz_domain::change::Change;
use dtz_domain::ids::OrgId;
use dtz_domain::validate::Invalid;
use dtz_domain::work::outcome::{LinkKind, OutcomeFields, OutcomeInput};
use dtz_domain::work::{iso_date, may_record};
use dtz_store::work::outcomes::{self as store, OutcomeFilter, OutcomeRow};
use dtz_store::work::{NodeChoice, Paging, instruments};
use serde::Serialize;
use uuid::Uuid;

/// What an outcome links to, by id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutcomeLinks {
    /// Goals and outcomes of a results framework.
    pub nodes: Vec<Uuid>,
    /// Policy instruments.
    pub instruments: Vec<Uuid>,
    /// Activities.
    pub activities: Vec<Uuid>,
}

/// One link as shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutcomeLink {
    /// Kind.
    pub kind: LinkKind,
    /// Target id.
    pub id: Uuid,
    /// Programme code (nodes).
    pub programme: String,
    /// Code (nodes) or "".
    pub code: String,
    /// Title, or "" when the target is not visible.
    pub title: String,
}

/// An outcome with its links.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The record.
    pub row: OutcomeRow,
    /// Its links.
    pub links: Vec<OutcomeLink>,
    /// Whether the caller may change it.
    pub may_edit: bool,
}

#[derive(Serialize)]
struct Audited<'a> {
    #[serde(flatten)]
    fields: &'a OutcomeFields,
    links: Vec<String>,
}

#[derive(Serialize)]
struct Created<'a> {
    org_id: Uuid,
    country: &'a str,
    #[serde(flatten)]
    audited: Audited<'a>,
}

fn link_keys(l: &OutcomeLinks) -> Vec<String> {
    let mut k: Vec<String> = l
        .nodes
        .iter()
        .map(|i| format!("node:{i}"))
        .chain(l.instruments.iter().map(|i| format!("instrument:{i}")))
        .chain(l.activities.iter().map(|i| format!("activity:{i}")))
        .collect();
    k.sort();
    k
}

fn fields_of(r: &OutcomeRow) -> OutcomeFields {
    OutcomeFields {
        title: r.title.clone(),
        observed_on: r.observed_on,
        change: r.change_text.clone(),
        social_actor: r.social_actor.clone(),
        significance: r.significance.clone(),
        contribution: r.contribution.clone(),
        sources: r.sources.clone(),
        verification: dtz_domain::work::outcome::Verification::parse("verification", &r.verification)
            .unwrap_or(dtz_domain::work::outcome::Verification::Unverified),
    }
}

/// The input an outcome row reads back as (for forms).
pub fn input_of(r: &OutcomeRow) -> OutcomeInput {
    OutcomeInput {
        title: r.title.clone(),
        observed_on: iso_date(r.observed_on),
        change: r.change_text.clone(),
        social_actor: r.social_actor.clone(),
        significance: r.significance.clone(),
        contribution: r.contribution.clone(),
        sources: r.sources.clone().unwrap_or_default(),
        verification: r.verification.clone(),
    }
}

impl Services {
    /// Check links: nodes must be goals or outcomes of a framework, instruments visible
    /// to the caller; duplicates are dropped.
    async fn checked_links(&self, caller: &Caller, l: &OutcomeLinks) -> Result<OutcomeLinks> {
        let mut out = l.clone();
        for v in [&mut out.nodes, &mut out.instruments, &mut out.activities] {
            v.sort_unstable();
            v.dedup();
        }
        if out.nodes.len() + out.instruments.len() + out.activities.len() > 100 {
            return Err(Invalid::new("links", "Link at most 100 records.").into());
        }
        let nodes = dtz_store::work::nodes(&self.db, Some(&out.nodes)).await?;
        if nodes.len() != out.nodes.len() {
            return Err(Invalid::new("nodes", "Choose goals and outcomes from the list.").into());
        }
        let found = instruments::some(&self.db, &caller.scope(Area::Results), &out.instruments).await?;
        if found.len() != out.instruments.len() {
            return Err(Invalid::new("instruments", "Choose policy instruments from the list.").into());
        }
        let found = dtz_store::activities::some(&self.db, &caller.scope(Area::Results), &out.activities).await?;
        if found.len() != out.activities.len() {
            return Err(Invalid::new("activities", "Choose activities from the list.").into());
        }
        Ok(out)
    }

    async fn set_outcome_links(&self, tx: &mut dtz_store::Tx, id: Uuid, l: &OutcomeLinks) -> Result<()> {
        let rows: Vec<(&'static str, Uuid)> = l
            .nodes
            .iter()
            .map(|n| (LinkKind::Node.as_str(), *n))
            .chain(l.instruments.iter().map(|n| (LinkKind::Instrument.as_str(), *n)))
            .chain(l.activities.iter().map(|n| (LinkKind::Activity.as_str(), *n)))
            .collect();
        store::set_links(tx, id, &rows, self.clock.now()).await?;
        Ok(())
    }

    /// Record an outcome for `org` in `country`.
    pub async fn create_outcome(
        &self,
        caller: &Caller,
        id: Uuid,
        org: OrgId,
        country: &str,
        input: &OutcomeInput,
        links: &OutcomeLinks,
    ) -> Result<Outcome> {
        let c = self.check_new_place(caller, org, country, may_record).await?;
        let f = OutcomeFields::parse(input, self.today())?;
        let links = self.checked_links(caller, links).await?;
        let mut tx = self.db.begin().await?;
        store::insert(&mut tx, id, org, c.as_str(), &f, caller.user(), self.clock.now()).await?;
        self.set_outcome_links(&mut tx, id, &links).await?;
        let audited = Audited { fields: &f, links: link_keys(&links) };
        let change = Change::create("outcome", id, &Created { org_id: org.0, country: c.as_str(), audited });
        self.finish(tx, &[caller.event("outcome.create", &change, Some(org))]).await?;
        self.refresh_after_records(caller, org, c.as_str(), &[f.observed_on]).await;
        self.outcome(caller, id).await
    }

    /// Change an outcome (and, when given, its links), based on the version read.
    pub async fn update_outcome(
        &self,
        caller: &Caller,
        id: Uuid,
        base: i64,
        input: &OutcomeInput,
        links: Option<&OutcomeLinks>,
    ) -> Result<Outcome> {
        let scope = caller.scope(Area::Results);
        let current = store::get(&self.db, &scope, id).await?;
        if !Self::may(caller, current.org_id, &current.country, may_record) {
            return Err(ServiceError::Forbidden);
        }
        let f = OutcomeFields::parse(input, self.today())?;
        let before_links = self.links_of(&[id]).await?;
        let links = match links {
            Some(l) => {
                let mut checked = self.checked_links(caller, l).await?;
                // Links to instruments the caller cannot see stay: they were not shown.
                let visible = instruments::some(&self.db, &scope, &before_links.instruments).await?;
                checked
                    .instruments
                    .extend(before_links.instruments.iter().filter(|i| !visible.iter().any(|v| v.id == **i)).copied());
                let seen = dtz_store::activities::some(&self.db, &scope, &before_links.activities).await?;
                checked
                    .activities
                    .extend(before_links.activities.iter().filter(|i| !seen.iter().any(|v| v.id == **i)).copied());
                checked
            }
            None => before_links.clone(),
        };
        let mut tx = self.db.begin().await?;
        let before = store::get_in(&mut tx, &scope, id).await?;
        let change = Change::update(
            "outcome",
            id,
            base,
            &Audited { fields: &fields_of(&before), links: link_keys(&before_links) },
            &Audited { fields: &f, links: link_keys(&links) },
        );
        if change.is_empty() && before.version == base {
            return self.outcome(caller, id).await;
        }
        let written = store::update(&mut tx, id, base, &f, self.clock.now()).await;
        self.written(written, id).await?;
        self.set_outcome_links(&mut tx, id, &links).await?;
        self.finish(tx, &[caller.event("outcome.update", &change, Some(OrgId(before.org_id)))]).await?;
        let dates = [before.observed_on, f.observed_on];
        self.refresh_after_records(caller, OrgId(before.org_id), &before.country, &dates).await;
        self.outcome(caller, id).await
    }

    async fn links_of(&self, ids: &[Uuid]) -> Result<OutcomeLinks> {
        let mut l = OutcomeLinks::default();
        for r in store::links(&self.db, ids).await? {
            match LinkKind::from_code(&r.kind) {
                Some(LinkKind::Node) => l.nodes.push(r.target_id),
                Some(LinkKind::Instrument) => l.instruments.push(r.target_id),
                Some(LinkKind::Activity) => l.activities.push(r.target_id),
                None => {}
            }
        }
        Ok(l)
    }

    /// One outcome in the caller's scope, with its links (instruments the caller cannot
    /// see are left out).
    pub async fn outcome(&self, caller: &Caller, id: Uuid) -> Result<Outcome> {
        let scope = caller.scope(Area::Results);
        let row = store::get(&self.db, &scope, id).await?;
        let l = self.links_of(&[id]).await?;
        let mut links: Vec<OutcomeLink> = dtz_store::work::nodes(&self.db, Some(&l.nodes))
            .await?
            .into_iter()
            .map(|n: NodeChoice| OutcomeLink {
                kind: LinkKind::Node,
                id: n.id,
                programme: n.programme,
                code: n.code,
                title: n.title,
            })
            .collect();
        for i in instruments::some(&self.db, &scope, &l.instruments).await? {
            links.push(OutcomeLink {
                kind: LinkKind::Instrument,
                id: i.id,
                programme: String::new(),
                code: String::new(),
                title: i.title,
            });
        }
        let programmes = dtz_store::programmes::list(&self.db).await?;
        for a in dtz_store::activities::some(&self.db, &scope, &l.activities).await? {
            links.push(OutcomeLink {
                kind: LinkKind::Activity,
                id: a.id,
                programme: programmes
                    .iter()
                    .find(|p| p.id == a.programme_id)
                    .map(|p| p.code.clone())
                    .unwrap_or_default(),
                code: iso_date(a.start_date),
                title: a.title,
            });
        }
        let may_edit = Self::may(caller, row.org_id, &row.country, may_record);
        Ok(Outcome { row, links, may_edit })
    }

    /// A page of outcomes in the caller's scope.
    pub async fn outcomes(&self, caller: &Caller, f: &OutcomeFilter, paging: Paging) -> Result<Listed<OutcomeRow>> {
        let (items, total) = store::list(&self.db, &caller.scope(Area::Results), f, paging).await?;
        Ok(Listed { items, total })
    }

    /// The history of an outcome the caller may see.
    pub async fn outcome_history(&self, caller: &Caller, id: Uuid) -> Result<Vec<HistoryLine>> {
        store::get(&self.db, &caller.scope(Area::Results), id).await?;
        self.history_of(&[id]).await
    }

    /// Goals and outcomes of the frameworks, to link outcomes to.
    pub async fn result_nodes(&self) -> Result<Vec<NodeChoice>> {
        Ok(dtz_store::work::nodes(&self.db, None).await?)
    }

    /// Whether the caller records outcomes, instruments and companies anywhere.
    pub fn records_work(caller: &Caller) -> bool {
        actor(caller).is_none_or(|a| {
            a.roles.iter().any(|r| {
                matches!(
                    r.role,
                    dtz_domain::access::Role::MeOfficer
                        | dtz_domain::access::Role::CountryCoordinator
                        | dtz_domain::access::Role::AllianceManager
                )
            })
        })
    }

    /// The outcomes within the caller's scope linked to an activity the caller may see.
    pub async fn outcomes_of_activity(&self, caller: &Caller, activity: Uuid) -> Result<Vec<OutcomeRow>> {
        let scope = caller.scope(Area::Results);
        Ok(store::linked_to(&self.db, &scope, LinkKind::Activity.as_str(), activity).await?)
    }

    /// The activities an outcome of `org` in `country` can be linked to on its form: the
    /// latest 100 the caller may see.
    pub async fn activities_to_link(
        &self,
        caller: &Caller,
        org: Uuid,
        country: &str,
    ) -> Result<Vec<dtz_store::activities::ActivityRow>> {
        let scope = caller.scope(Area::Results);
        Ok(dtz_store::activities::latest_at(&self.db, &scope, org, country, 100).await?)
    }
}
