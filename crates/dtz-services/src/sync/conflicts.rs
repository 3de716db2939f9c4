//! Conflicts sync found (issue 9, point 4), for a person on the hub: the node's values of
//! the fields changed on both sides, or values sent into a report that was submitted or
//! approved meanwhile. Resolving keeps the hub's record, or takes the node's values as
//! the person's own write (audited as theirs, through the same checks as the page).

use super::outbox::{Via, input_from_wire};
use crate::values::{ReportKey, ValueInput};
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::{Area, Role, Scope, ScopeRow};
use dtz_domain::activity::ActivityId;
use dtz_domain::ids::OrgId;
use dtz_domain::org::CountryCode;
use dtz_domain::results::Entry;
use dtz_domain::sync::protocol::{ACTIVITY, REPORT_VALUES};
use dtz_domain::sync::{ConflictId, OpPayload};
use dtz_domain::validate::Invalid;
use dtz_store::audit::NewEvent;
use dtz_store::sync::ops::{self, ConflictRow};
use serde_json::Value;
use uuid::Uuid;

/// How a person settles a conflict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// Keep the hub's record as it is.
    KeepHub,
    /// Write the node's values of the conflicting fields (or cells).
    TakeNode,
}

/// A conflict with the node's change read back.
#[derive(Clone, Debug)]
pub struct Conflict {
    /// The stored row.
    pub row: ConflictRow,
    /// The node's change.
    pub payload: Option<OpPayload>,
    /// The fields changed on both sides.
    pub fields: Vec<String>,
}

impl Conflict {
    /// The node's value of a field, as text for a person.
    pub fn node_value(&self, field: &str) -> String {
        self.payload
            .as_ref()
            .and_then(|p| p.fields.get(field))
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .unwrap_or_default()
    }
}

fn read(row: ConflictRow) -> Conflict {
    Conflict {
        payload: serde_json::from_str(&row.payload).ok(),
        fields: serde_json::from_str(&row.fields).unwrap_or_default(),
        row,
    }
}

impl Services {
    /// Conflicts of the organisations in the caller's results scope (open ones only, or all).
    pub async fn sync_conflicts(&self, caller: &Caller, open_only: bool) -> Result<Vec<Conflict>> {
        if !crate::activities::reads_records(caller) {
            return Err(ServiceError::NotFound);
        }
        let mut out = Vec::new();
        for c in ops::conflicts(&self.db, &Scope::all(), open_only).await?.into_iter().map(read) {
            if self.sees_conflict(caller, &c).await? {
                out.push(c);
            }
        }
        Ok(out)
    }

    /// Need to know: a conflict is seen by whoever sees its record (the activity, or the
    /// report of that organisation and country).
    async fn sees_conflict(&self, caller: &Caller, c: &Conflict) -> Result<bool> {
        match (c.row.entity.as_str(), &c.payload) {
            (dtz_domain::sync::cases::CASE, _) => self.sees_case_conflict(caller, c).await,
            (ACTIVITY, _) => match self.activity(caller, ActivityId(c.row.entity_id)).await {
                Ok(_) => Ok(true),
                Err(ServiceError::NotFound) => Ok(false),
                Err(e) => Err(e),
            },
            (REPORT_VALUES, Some(p)) => {
                let (key, _) = values_of(p)?;
                let Ok(country) = CountryCode::parse("country", &key.country) else { return Ok(false) };
                let row = ScopeRow { org: Some(key.org), country: Some(country), ..Default::default() };
                Ok(caller.scope(Area::Results).admits(&row))
            }
            _ => Ok(false),
        }
    }

    /// One conflict in the caller's scope.
    pub async fn sync_conflict(&self, caller: &Caller, id: ConflictId) -> Result<Conflict> {
        if !crate::activities::reads_records(caller) {
            return Err(ServiceError::NotFound);
        }
        let c = ops::conflict(&self.db, &Scope::all(), id.0).await?.map(read).ok_or(ServiceError::NotFound)?;
        if self.sees_conflict(caller, &c).await? { Ok(c) } else { Err(ServiceError::NotFound) }
    }

    /// Settle a conflict: an M&E officer of the record's organisation keeps the hub's record
    /// or writes the node's values as their own change.
    pub async fn resolve_conflict(&self, caller: &Caller, id: ConflictId, how: Resolution) -> Result<()> {
        let c = self.sync_conflict(caller, id).await?;
        if c.row.resolved_at.is_some() {
            return Err(Invalid::new("conflict", "This conflict is already resolved.").into());
        }
        if c.row.entity == dtz_domain::sync::cases::CASE {
            return self.resolve_case_conflict(caller, c, how).await;
        }
        let payload = c.payload.clone().ok_or(ServiceError::NotFound)?;
        let allowed = match caller {
            Caller::System => true,
            Caller::User(a) => a.roles.iter().any(|r| r.role == Role::MeOfficer && r.org == Some(OrgId(c.row.org_id))),
        };
        if !allowed {
            return Err(ServiceError::Forbidden);
        }
        if how == Resolution::TakeNode {
            match c.row.entity.as_str() {
                ACTIVITY => {
                    let current = self.activity(caller, ActivityId(c.row.entity_id)).await?;
                    let mut wire = super::outbox::activity_wire(&current.fields);
                    for (k, v) in &payload.fields {
                        wire.insert(k.clone(), v.clone());
                    }
                    let input = input_from_wire(&wire);
                    self.update_activity_via(caller, current.id(), current.row.version, &input, Via::Local).await?;
                }
                REPORT_VALUES => {
                    let (key, input) = values_of(&payload)?;
                    self.save_values_via(caller, &key, &input, Via::Local).await?;
                }
                _ => return Err(ServiceError::NotFound),
            }
        }
        self.mark_resolved(caller, &c, how).await
    }

    /// Mark a conflict resolved by `caller` and audit the choice, once: a second
    /// resolution is refused.
    pub(crate) async fn mark_resolved(&self, caller: &Caller, c: &Conflict, how: Resolution) -> Result<()> {
        let mut tx = self.db.begin().await?;
        if !ops::resolve(&mut tx, c.row.id, caller.user().map(|u| u.0), self.clock.now()).await? {
            return Err(Invalid::new("conflict", "This conflict is already resolved.").into());
        }
        let choice = if how == Resolution::TakeNode { "take_node" } else { "keep_hub" };
        let ev = NewEvent {
            actor_user: caller.user(),
            actor_org: caller.org(),
            action: format!("sync.conflict.resolve.{choice}"),
            entity: "sync_conflict".into(),
            entity_id: Some(c.row.id),
            entity_version: Some(2),
            fields: c.fields.clone(),
            org: Some(OrgId(c.row.org_id)),
        };
        self.finish(tx, &[ev]).await?;
        Ok(())
    }
}

/// The report key and cells of a values operation.
pub(crate) fn values_of(p: &OpPayload) -> Result<(ReportKey, Vec<ValueInput>)> {
    let text = |k: &str| p.fields.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    let org = Uuid::parse_str(&text("org")).map_err(|_| ServiceError::NotFound)?;
    let key =
        ReportKey { programme: text("programme"), org: OrgId(org), country: text("country"), period: text("period") };
    let cells = p.fields.get("values").and_then(Value::as_array).cloned().unwrap_or_default();
    let input = cells
        .iter()
        .map(|c| ValueInput {
            indicator: c.get("indicator").and_then(Value::as_str).unwrap_or_default().to_owned(),
            part: c.get("part").and_then(Value::as_str).unwrap_or_default().to_owned(),
            entry: c.get("entry").cloned().and_then(|e| serde_json::from_value::<Entry>(e).ok()).unwrap_or_default(),
        })
        .collect();
    Ok((key, input))
}
