//! Push (issue 9, points 3 and 4): the hub applies a device's operations once each, in the
//! device's order, as the device's user with the user's roles of now (a record out of
//! that scope is "not found", as on every page), audited like the page write. Activities
//! merge field by field; the same field changed on both sides is a conflict for a person.
//! Values go only into draft or returned reports; a change to a submitted or approved
//! report is kept as a conflict, never applied.

use super::outbox::{Applying, Via, input_from_wire};
use super::signing::{sha256, verify};
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::activity::ActivityId;
use dtz_domain::ids::{OrgId, UserId};
use dtz_domain::sync::protocol::{ACTIVITY, OpResult, Outcome, PushedOp, REPORT_VALUES};
use dtz_domain::sync::{ConflictId, DeviceId, Merge, OpKind, OpPayload, merge, operation_signing_bytes};
use dtz_store::audit::NewEvent;
use dtz_store::sync::DeviceRow;
use dtz_store::sync::ops::{self, ConflictRow};
use dtz_store::users;
use serde_json::Value;
use uuid::Uuid;

/// The most operations one push carries.
pub const MAX_PUSH: usize = 500;
/// Bytes of operations a node sends in one push, well below the hub's request body limit
/// (`dtz_web::BODY_LIMIT`, 256 KiB): a batch stops at [`MAX_PUSH`] operations or at this size.
pub const MAX_PUSH_BYTES: usize = 160 * 1024;

fn refused(a: &Applying, why: &str) -> OpResult {
    a.result(Outcome::Refused, Some(why.to_owned()), None)
}

fn detail_of(e: &ServiceError) -> String {
    match e {
        ServiceError::Invalid(v) => {
            v.0.iter().map(|i| format!("{}: {}", i.field, i.message)).collect::<Vec<_>>().join("; ")
        }
        other => other.to_string(),
    }
}

/// The audit event of a conflict: its own entity, so the record's changes-since stay the
/// record's; the field names only.
pub(crate) fn conflict_event(c: &ConflictRow) -> NewEvent {
    NewEvent {
        action: "sync.conflict".into(),
        entity: "sync_conflict".into(),
        entity_id: Some(c.id),
        entity_version: Some(1),
        fields: serde_json::from_str(&c.fields).unwrap_or_default(),
        org: Some(OrgId(c.org_id)),
        ..NewEvent::default()
    }
}

impl Services {
    /// Apply a device's operations in node order. Answers one result per operation it
    /// took; it stops at a gap in the order (the node sends the rest again) or a bad
    /// signature. A revoked device, or one whose user is disabled, is refused; what a
    /// revoked device sends is quarantined for review.
    pub async fn push(&self, device: &DeviceRow, pushed: &[PushedOp]) -> Result<Vec<OpResult>> {
        let user = users::get(&self.db, &dtz_domain::access::Scope::all(), UserId(device.user_id)).await?;
        if pushed.len() > MAX_PUSH {
            return Err(dtz_domain::validate::Invalid::new("operations", "Push at most 500 operations at once.").into());
        }
        if device.revoked_at.is_some() {
            // Kept for a person to review, never applied (issue 9, point 6).
            if !pushed.is_empty() {
                let payload = serde_json::to_string(pushed).unwrap_or_default();
                self.quarantine(device, "operations", &payload).await?;
            }
            return Err(ServiceError::Forbidden);
        }
        if user.disabled {
            return Err(ServiceError::Forbidden);
        }
        let caller = Caller::User(self.actor(&user).await?);
        let mut sorted: Vec<&PushedOp> = pushed.iter().collect();
        sorted.sort_by_key(|o| o.node_seq);
        let mut out = Vec::new();
        for op in sorted {
            let hash = sha256(op.payload.as_bytes());
            let a = Applying {
                id: op.id,
                device: DeviceId(device.id),
                node_seq: op.node_seq,
                entity: String::new(),
                entity_id: Uuid::nil(),
                payload_hash: hash.clone(),
                device_clock: time::OffsetDateTime::parse(
                    &op.device_clock,
                    &time::format_description::well_known::Rfc3339,
                )
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
                node_version: None,
                conflict: None,
            };
            if let Some(done) = ops::get(&self.db, op.id.0).await? {
                out.push(if done.device_id == device.id && done.payload_hash == hash {
                    serde_json::from_str(&done.result).unwrap_or_else(|_| refused(&a, "stored answer unreadable"))
                } else {
                    refused(&a, "this operation id was already used with another payload")
                });
                continue;
            }
            let sig = hex::decode(&op.signature).unwrap_or_default();
            if !verify(
                &device.public_key,
                &operation_signing_bytes(DeviceId(device.id), op.id, op.node_seq, &hash),
                &sig,
            ) {
                out.push(refused(&a, "the operation does not carry the device's signature"));
                break;
            }
            let mut tx = self.db.begin().await?;
            let last = ops::last_seq(&mut tx, device.id).await?;
            drop(tx);
            if op.node_seq <= last {
                out.push(refused(&a, "this node sequence was already used by another operation"));
                continue;
            }
            if op.node_seq > last + 1 {
                break;
            }
            let r = self.apply_pushed(&caller, device, op, a).await?;
            out.push(r);
        }
        Ok(out)
    }

    async fn apply_pushed(
        &self,
        caller: &Caller,
        device: &DeviceRow,
        op: &PushedOp,
        mut a: Applying,
    ) -> Result<OpResult> {
        let payload: OpPayload = match serde_json::from_str(&op.payload) {
            Ok(p) => p,
            Err(_) => return self.answer(&a, refused(&a, "the payload is not an operation"), None).await,
        };
        a.entity = payload.entity.clone();
        a.entity_id = super::push_cases::filed_under(&payload);
        a.node_version = Some(payload.base_version + 1);
        let applied = match payload.entity.as_str() {
            ACTIVITY => self.apply_activity(caller, device, &payload, &a).await,
            REPORT_VALUES => self.apply_values(caller, device, &payload, &a).await,
            e if dtz_domain::sync::cases::CASE_ENTITIES.contains(&e) => {
                self.apply_case_work(caller, device, &payload, &a).await
            }
            _ => return self.answer(&a, refused(&a, "unknown entity"), None).await,
        };
        match applied {
            Ok(r) => Ok(r),
            Err(e @ (ServiceError::Busy | ServiceError::Store(_))) => Err(e),
            Err(ServiceError::NotFound) => {
                self.answer(&a, a.result(Outcome::NotFound, Some("not found".into()), None), None).await
            }
            Err(e) => {
                let r = refused(&a, &detail_of(&e));
                self.answer(&a, r, None).await
            }
        }
    }

    /// Record an answer that applied nothing (with a conflict for a person, if any), audited.
    pub(crate) async fn answer(&self, a: &Applying, r: OpResult, conflict: Option<ConflictRow>) -> Result<OpResult> {
        let mut tx = self.db.begin().await?;
        ops::record(&mut tx, &a.row(&r, self.clock.now())).await?;
        let mut ev = NewEvent {
            action: format!("sync.{}", r.outcome.as_str()),
            entity: "sync_operation".into(),
            entity_id: Some(a.id.0),
            entity_version: Some(1),
            fields: vec![a.entity.clone()],
            ..NewEvent::default()
        };
        if let Some(c) = &conflict {
            ops::insert_conflict(&mut tx, c).await?;
            ev = conflict_event(c);
        }
        self.finish(tx, &[ev]).await?;
        Ok(r)
    }

    pub(crate) fn conflict_row(
        &self,
        a: &Applying,
        device: &DeviceRow,
        org: Uuid,
        fields: &[String],
        payload: &str,
    ) -> ConflictRow {
        ConflictRow {
            id: ConflictId::new().0,
            device_id: device.id,
            operation_id: a.id.0,
            org_id: org,
            entity: a.entity.clone(),
            entity_id: a.entity_id,
            fields: serde_json::to_string(fields).unwrap_or_default(),
            payload: payload.to_owned(),
            created_at: self.clock.now(),
            resolved_at: None,
            resolved_by: None,
        }
    }

    /// The hub version a node's base version stands for: the node numbers its own writes
    /// on from the version it pulled, so a base the device's previous operation on the
    /// record produced stands for the hub version that operation left; any other base is
    /// a version the node pulled from the hub.
    async fn hub_base(&self, device: &DeviceRow, a: &Applying, base: i64) -> Result<i64> {
        let Some(prev) = ops::last_on(&self.db, device.id, a.entity_id, a.node_seq).await? else { return Ok(base) };
        let prev: Option<OpResult> = serde_json::from_str(&prev.result).ok();
        match prev {
            Some(OpResult { node_version: Some(n), hub_version: Some(h), .. }) if n == base => Ok(h),
            _ => Ok(base),
        }
    }

    async fn apply_activity(
        &self,
        caller: &Caller,
        device: &DeviceRow,
        p: &OpPayload,
        a: &Applying,
    ) -> Result<OpResult> {
        let id = ActivityId(p.entity_id);
        match p.kind {
            OpKind::Create => {
                let code = p.fields.get("programme").and_then(Value::as_str).unwrap_or_default().to_owned();
                let org = p.fields.get("org").and_then(Value::as_str).and_then(|s| Uuid::parse_str(s).ok());
                let org = OrgId(org.ok_or(ServiceError::NotFound)?);
                if org.0 != device.org_id {
                    return Err(ServiceError::NotFound);
                }
                self.create_activity_via(caller, &code, id, org, &input_from_wire(&p.fields), Via::Push(a)).await?;
                Ok(a.result(Outcome::Applied, None, Some(1)))
            }
            OpKind::Update | OpKind::Delete => {
                let current = self.activity(caller, id).await?;
                let base = self.hub_base(device, a, p.base_version).await?;
                let hub_changed = dtz_store::audit::fields_changed_since(&self.db, p.entity_id, base).await?;
                let node_fields = if p.kind == OpKind::Delete { vec!["deleted".to_owned()] } else { p.field_names() };
                let hub_fields = if p.kind == OpKind::Delete && !hub_changed.is_empty() {
                    vec!["deleted".to_owned()]
                } else {
                    hub_changed
                };
                let mut shared = Vec::new();
                if let Merge::Conflict(fields) = merge(&node_fields, &hub_fields) {
                    shared = fields;
                }
                let rest: serde_json::Map<String, Value> =
                    p.fields.iter().filter(|(k, _)| !shared.contains(k)).map(|(k, v)| (k.clone(), v.clone())).collect();
                let mut a = a.clone();
                if !shared.is_empty() {
                    let detail = format!("changed on both sides: {}", shared.join(", "));
                    let payload = serde_json::to_string(p).unwrap_or_default();
                    let c = self.conflict_row(&a, device, current.row.org_id, &shared, &payload);
                    if rest.is_empty() || p.kind == OpKind::Delete {
                        let r = a.result(Outcome::Conflict, Some(detail), Some(current.row.version));
                        return self.answer(&a, r, Some(c)).await;
                    }
                    a.conflict = Some((detail, c));
                }
                let outcome = if a.conflict.is_some() { Outcome::Conflict } else { Outcome::Applied };
                let detail = a.conflict.as_ref().map(|(d, _)| d.clone());
                let v = current.row.version;
                if p.kind == OpKind::Delete {
                    self.remove_activity_via(caller, id, v, Via::Push(&a)).await?;
                    return Ok(a.result(Outcome::Applied, None, Some(v + 1)));
                }
                let mut wire = super::outbox::activity_wire(&current.fields);
                for (k, val) in &rest {
                    wire.insert(k.clone(), val.clone());
                }
                if wire == super::outbox::activity_wire(&current.fields) {
                    return match a.conflict.take() {
                        Some((d, c)) => self.answer(&a, a.result(Outcome::Conflict, Some(d), Some(v)), Some(c)).await,
                        None => self.answer(&a, a.result(Outcome::Applied, None, Some(v)), None).await,
                    };
                }
                self.update_activity_via(caller, id, v, &input_from_wire(&wire), Via::Push(&a)).await?;
                Ok(a.result(outcome, detail, Some(v + 1)))
            }
        }
    }

    async fn apply_values(&self, caller: &Caller, device: &DeviceRow, p: &OpPayload, a: &Applying) -> Result<OpResult> {
        let (key, input) = super::conflicts::values_of(p)?;
        let org = key.org.0;
        if org != device.org_id {
            return Err(ServiceError::NotFound);
        }
        match self.save_values_via(caller, &key, &input, Via::Push(a)).await {
            Ok(_) => Ok(a.result(Outcome::Applied, None, None)),
            Err(ServiceError::Invalid(v)) if v.0.iter().any(|i| i.field == "status") => {
                let fields: Vec<String> =
                    input
                        .iter()
                        .map(|i| {
                            if i.part.is_empty() { i.indicator.clone() } else { format!("{}[{}]", i.indicator, i.part) }
                        })
                        .collect();
                let detail = "the report is submitted or approved on the hub; the node's values wait for a person";
                let r = a.result(Outcome::Conflict, Some(detail.into()), None);
                let c = self.conflict_row(a, device, org, &fields, &serde_json::to_string(p).unwrap_or_default());
                self.answer(a, r, Some(c)).await
            }
            Err(e) => Err(e),
        }
    }
}
