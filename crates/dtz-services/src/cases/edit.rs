//! Changing a case's profile, risk and assignment. An edit made on an older version still
//! passes when none of the fields it changes was changed since (two people editing
//! different parts of a case do not block each other); otherwise it is a 409 naming what
//! changed. The audit names the fields, sealed ones as `profile.<field>`, never values.

use super::view::child_profile;
use crate::sync::outbox::Via;
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::case::{ProfileInput, RiskLevel, Secrets};
use dtz_domain::change::{Change, ChangeKind};
use dtz_domain::ids::{OrgId, TeamId, UserId};
use dtz_domain::notify::{NotificationKind, Params};
use dtz_domain::validate::Invalid;
use dtz_store::cases::{self, CaseRow};
use serde_json::{Map, Value};
use uuid::Uuid;

/// What an edit changes; each part left out stays as it is.
#[derive(Clone, Debug, Default)]
pub struct CaseEdit {
    /// The profile form.
    pub profile: Option<ProfileInput>,
    /// Risk code (empty: not assessed).
    pub risk: Option<String>,
    /// Team and caseworker ids (empty: none); supervisors only.
    pub assignment: Option<(String, String)>,
}

fn plain_map(r: &CaseRow) -> Map<String, Value> {
    let mut m = Map::new();
    let mut put = |k: &str, v: Option<String>| {
        m.insert(k.to_owned(), v.map_or(Value::Null, Value::String));
    };
    put("team_id", r.team_id.map(|t| t.to_string()));
    put("caseworker_id", r.caseworker_id.map(|t| t.to_string()));
    put("risk", r.risk.clone());
    put("sex", r.sex.clone());
    put("birth_year", r.birth_year.map(|y| y.to_string()));
    put("birth_year_estimated", Some(r.birth_year_estimated.to_string()));
    put("languages", Some(r.languages.clone()));
    m
}

fn parse_id<T: From<Uuid>>(field: &str, s: &str) -> Result<Option<T>> {
    match s.trim() {
        "" => Ok(None),
        t => {
            t.parse::<Uuid>().map(|u| Some(T::from(u))).map_err(|_| Invalid::new(field, "Choose from the list.").into())
        }
    }
}

impl Services {
    /// Change a case based on version `base`.
    pub async fn update_case(&self, caller: &Caller, id: Uuid, base: i64, edit: &CaseEdit) -> Result<i64> {
        Ok(self.update_case_via(caller, id, base, edit, Via::Local).await?.0)
    }

    /// Change a case here, or apply a node's change (sync, issue 9). Answers the version
    /// and whether anything changed.
    pub(crate) async fn update_case_via(
        &self,
        caller: &Caller,
        id: Uuid,
        base: i64,
        edit: &CaseEdit,
        via: Via<'_>,
    ) -> Result<(i64, bool)> {
        let current = self.case_to_work_on(caller, id).await?;
        let mut after = current.clone();
        let mut before_map = plain_map(&current);
        let mut after_sealed = Vec::new();
        if let Some(p) = &edit.profile {
            let stored = child_profile(&current);
            let (child, secrets) = p.parse(self.clock.now().year(), Some(&stored))?;
            after.sex = child.sex.map(|s| s.as_str().to_owned());
            after.birth_year = child.birth_year.map(i64::from);
            after.birth_year_estimated = child.birth_year_estimated;
            after.languages = child.languages.join(", ");
            let key = self.case_key(&current).await?;
            let old: Secrets = match &current.profile {
                Some(b) => key.open_json("profile", b)?,
                None => Secrets::default(),
            };
            for (name, a, b) in [
                ("name", &old.name, &secrets.name),
                ("contact", &old.contact, &secrets.contact),
                ("address", &old.address, &secrets.address),
                ("guardian", &old.guardian, &secrets.guardian),
                ("situation", &old.situation, &secrets.situation),
            ] {
                if a != b {
                    after_sealed.push(format!("profile.{name}"));
                }
            }
            if !after_sealed.is_empty() {
                after.profile = Some(key.seal_json("profile", &secrets)?);
            }
        }
        if let Some(r) = &edit.risk {
            after.risk = RiskLevel::parse_optional("risk", r)?.map(|r| r.as_str().to_owned());
        }
        let mut newly_assigned = None;
        if let Some((team, worker)) = &edit.assignment {
            if !super::supervises(caller, &current) {
                return Err(ServiceError::Forbidden);
            }
            let team: Option<TeamId> = parse_id("team", team)?;
            let worker: Option<UserId> = parse_id("caseworker", worker)?;
            self.check_work_assignment(OrgId(current.org_id), team, worker, "caseworker").await?;
            after.team_id = team.map(|t| t.0);
            after.caseworker_id = worker.map(|w| w.0);
            if after.caseworker_id != current.caseworker_id {
                newly_assigned = worker.filter(|w| Some(*w) != caller.user());
            }
        }
        let mut after_map = plain_map(&after);
        for f in &after_sealed {
            before_map.insert(f.clone(), Value::Bool(false));
            after_map.insert(f.clone(), Value::Bool(true));
        }
        let change = Change::between_maps("case", id, ChangeKind::Update, base, &before_map, &after_map);
        if change.is_empty() {
            return Ok((current.version, false));
        }
        self.conflicts(id, base, current.version, &change.field_names()).await?;
        let mut tx = self.db.begin().await?;
        // What was read outside the transaction must still be what is stored.
        let version = self.written(cases::write(&mut tx, &after, current.version, self.clock.now()).await, id).await?;
        let mut change = change;
        change.base_version = version - 1;
        let mut events = vec![caller.event("case.update", &change, Some(OrgId(current.org_id)))];
        if let Some(w) = newly_assigned {
            let params = Params::new().id("case", id).code("number", &current.number);
            events.push(
                self.notify(&mut tx, w, NotificationKind::CaseAssigned, &format!("/cases/{id}"), &params).await?.event,
            );
        }
        let sealed = (!after_sealed.is_empty()).then_some(after.profile.as_deref()).flatten();
        let op = crate::sync::push_cases::case_changed(&after, current.version, &change, sealed);
        self.finish_synced(tx, &events, &[op], via, Some(version)).await?;
        Ok((version, true))
    }
}
