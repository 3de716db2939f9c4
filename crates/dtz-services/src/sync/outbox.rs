//! The outbox (issue 9, point 3): on a node, every change to an activity or to a report's
//! values is written, in the record's transaction together with its audit event, as a
//! signed operation with the next node sequence. On the hub, the same place records a
//! pushed operation in the transaction that applied it, so it applies once.

use super::node::seal_key_of;
use super::signing::{SigningKey, sha256};
use crate::{Result, ServiceError, Services};
use dtz_domain::activity::{ActivityFields, ActivityInput, ReachInput};
use dtz_domain::sync::protocol::{ACTIVITY, OpResult, Outcome, REPORT_VALUES, report_key_text};
use dtz_domain::sync::{DeviceGrant, DeviceId, OpKind, OpPayload, OperationId, operation_signing_bytes};
use dtz_domain::validate::Invalid;
use dtz_store::audit::NewEvent;
use dtz_store::crypto;
use dtz_store::sync::node as node_store;
use dtz_store::sync::ops::{self, ConflictRow, OperationRow};
use dtz_store::sync::outbox::{self, OutboxRow};
use dtz_store::{StoreError, Tx};
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// How a write reached the services: made here (a node queues it for the hub), or a
/// node's operation the hub applies (recorded with its answer in the same transaction).
#[derive(Clone, Copy, Debug)]
pub enum Via<'a> {
    /// A page, the API or a command on this installation.
    Local,
    /// An operation pushed by a device.
    Push(&'a Applying),
}

/// A pushed operation being applied on the hub.
#[derive(Clone, Debug)]
pub struct Applying {
    /// The operation's id.
    pub id: OperationId,
    /// The device.
    pub device: DeviceId,
    /// Its node sequence.
    pub node_seq: i64,
    /// Entity and record.
    pub entity: String,
    /// Record id.
    pub entity_id: Uuid,
    /// SHA-256 of the payload text.
    pub payload_hash: Vec<u8>,
    /// The device's clock.
    pub device_clock: time::OffsetDateTime,
    /// The record's version on the node after the operation.
    pub node_version: Option<i64>,
    /// Fields changed on both sides, kept for a person while the rest applies: the
    /// answer's detail and the conflict's row.
    pub conflict: Option<(String, ConflictRow)>,
}

impl Applying {
    /// The row recording this operation with its answer.
    pub fn row(&self, result: &OpResult, now: time::OffsetDateTime) -> OperationRow {
        OperationRow {
            id: self.id.0,
            device_id: self.device.0,
            node_seq: self.node_seq,
            entity: self.entity.clone(),
            entity_id: self.entity_id,
            payload_hash: self.payload_hash.clone(),
            outcome: result.outcome.as_str().to_owned(),
            result: serde_json::to_string(result).unwrap_or_default(),
            device_clock: self.device_clock,
            received_at: now,
        }
    }

    /// An answer for this operation.
    pub fn result(&self, outcome: Outcome, detail: Option<String>, hub_version: Option<i64>) -> OpResult {
        OpResult { id: self.id, node_seq: self.node_seq, outcome, detail, hub_version, node_version: self.node_version }
    }
}

/// An activity's fields as they travel: plain JSON, named like the audit's field names.
pub fn activity_wire(f: &ActivityFields) -> Map<String, Value> {
    let reach: Vec<Value> = f
        .reach
        .iter()
        .map(|c| {
            json!({"group": c.group.as_str(), "sex": c.sex.as_str(), "age": c.age.as_str(),
                   "first_time": c.first_time, "repeat": c.repeat})
        })
        .collect();
    let v = json!({
        "goal": f.goal, "country": f.country.as_str(), "activity_type": f.activity_type, "title": f.title,
        "start": f.start.to_string(), "end": f.end.to_string(), "area": f.area, "description": f.description,
        "links": f.links, "basis": f.basis.as_str(), "reach": reach,
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn text(m: &Map<String, Value>, k: &str) -> String {
    m.get(k).and_then(Value::as_str).unwrap_or_default().to_owned()
}

fn number(v: &Value, k: &str) -> String {
    v.get(k).and_then(Value::as_i64).map(|n| n.to_string()).unwrap_or_default()
}

/// An activity as typed, from its wire fields (checked again by the service that writes it).
pub fn input_from_wire(m: &Map<String, Value>) -> ActivityInput {
    let list = |k: &str| m.get(k).and_then(Value::as_array).cloned().unwrap_or_default();
    ActivityInput {
        goal: text(m, "goal"),
        country: text(m, "country"),
        activity_type: text(m, "activity_type"),
        title: text(m, "title"),
        start: text(m, "start"),
        end: text(m, "end"),
        area: text(m, "area"),
        description: text(m, "description"),
        links: list("links").iter().filter_map(|l| l.as_str().map(str::to_owned)).collect(),
        basis: text(m, "basis"),
        reach: list("reach")
            .iter()
            .map(|c| ReachInput {
                group: c.get("group").and_then(Value::as_str).unwrap_or_default().to_owned(),
                sex: c.get("sex").and_then(Value::as_str).unwrap_or_default().to_owned(),
                age: c.get("age").and_then(Value::as_str).unwrap_or_default().to_owned(),
                first_time: number(c, "first_time"),
                repeat: number(c, "repeat"),
            })
            .collect(),
    }
}

/// The operation of a new activity: every field, with the programme's code and the
/// organisation (names both sides share).
pub fn activity_created(programme: &str, org: Uuid, id: Uuid, f: &ActivityFields) -> OpPayload {
    let mut fields = activity_wire(f);
    fields.insert("programme".into(), programme.into());
    fields.insert("org".into(), org.to_string().into());
    OpPayload { entity: ACTIVITY.into(), entity_id: id, kind: OpKind::Create, base_version: 0, fields }
}

/// The operation of a changed activity: the new values of the fields that changed.
pub fn activity_updated(id: Uuid, base: i64, before: &ActivityFields, after: &ActivityFields) -> OpPayload {
    let (b, a) = (activity_wire(before), activity_wire(after));
    let fields = a.into_iter().filter(|(k, v)| b.get(k) != Some(v)).collect();
    OpPayload { entity: ACTIVITY.into(), entity_id: id, kind: OpKind::Update, base_version: base, fields }
}

/// The operation of a removed activity.
pub fn activity_removed(id: Uuid, base: i64) -> OpPayload {
    OpPayload { entity: ACTIVITY.into(), entity_id: id, kind: OpKind::Delete, base_version: base, fields: Map::new() }
}

/// The id a report's values go by on every site (see `report_key_text`).
pub fn report_key_id(programme: &str, org: Uuid, country: &str, period: &str) -> Uuid {
    let h = sha256(report_key_text(programme, org, country, period).as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    uuid::Builder::from_random_bytes(b).into_uuid()
}

/// The operation of values written into a report: the report's key and every cell written
/// (indicator code, part, entry).
pub fn report_values(key: &crate::values::ReportKey, input: &[crate::values::ValueInput]) -> OpPayload {
    let cells: Vec<Value> =
        input.iter().map(|i| json!({"indicator": i.indicator, "part": i.part, "entry": i.entry})).collect();
    let mut fields = Map::new();
    fields.insert("programme".into(), key.programme.clone().into());
    fields.insert("org".into(), key.org.0.to_string().into());
    fields.insert("country".into(), key.country.clone().into());
    fields.insert("period".into(), key.period.clone().into());
    fields.insert("values".into(), Value::Array(cells));
    OpPayload {
        entity: REPORT_VALUES.into(),
        entity_id: report_key_id(&key.programme, key.org.0, &key.country, &key.period),
        kind: OpKind::Update,
        base_version: 0,
        fields,
    }
}

impl Services {
    /// On a node, append operations to the outbox inside `tx` (nothing on the hub or an
    /// installation that is no node). Past the lease, the node refuses new writes.
    pub(crate) async fn queue_ops(&self, tx: &mut Tx, payloads: &[OpPayload]) -> Result<()> {
        if payloads.is_empty() {
            return Ok(());
        }
        let Some(identity) = node_store::identity_in(tx).await? else { return Ok(()) };
        let now = self.clock.now();
        let grant: DeviceGrant = serde_json::from_str(&identity.grant_json)
            .map_err(|e| ServiceError::Store(StoreError::Config(format!("stored grant: {e}"))))?;
        if !grant.lease_runs(now) {
            return Err(Invalid::new(
                "lease",
                "The offline lease of this node ran out: run dtz node sync to renew it.",
            )
            .into());
        }
        let seed: [u8; 32] = crypto::open(&seal_key_of(self)?, super::node::SEED_AAD, &identity.secret_key)?
            .try_into()
            .map_err(|_| ServiceError::Store(StoreError::Config("stored device key is not 32 bytes".into())))?;
        let key = SigningKey::from_seed(seed)?;
        let device = DeviceId(identity.device_id);
        for p in payloads {
            let id = OperationId::new();
            let seq = outbox::next_seq(tx).await?;
            let text = String::from_utf8(p.canonical()).unwrap_or_default();
            let hash = sha256(text.as_bytes());
            let row = OutboxRow {
                id: id.0,
                node_seq: seq,
                entity: p.entity.clone(),
                entity_id: p.entity_id,
                base_version: p.base_version,
                signature: key.sign(&operation_signing_bytes(device, id, seq, &hash)),
                payload: text,
                payload_hash: hash,
                device_clock: now,
                acked_at: None,
                outcome: None,
            };
            outbox::insert(tx, &row).await?;
        }
        Ok(())
    }

    /// The last step of a write that sync carries: queue its operations (on a node) or
    /// record the pushed operation it applied (on the hub), append the audit events and
    /// commit.
    pub(crate) async fn finish_synced(
        &self,
        mut tx: Tx,
        events: &[NewEvent],
        payloads: &[OpPayload],
        via: Via<'_>,
        hub_version: Option<i64>,
    ) -> Result<i64> {
        match via {
            Via::Local => self.queue_ops(&mut tx, payloads).await?,
            Via::Push(a) => {
                let mut events = events.to_vec();
                let result = match &a.conflict {
                    None => a.result(Outcome::Applied, None, hub_version),
                    Some((detail, c)) => {
                        events.push(super::push::conflict_event(c));
                        a.result(Outcome::Conflict, Some(detail.clone()), hub_version)
                    }
                };
                ops::record(&mut tx, &a.row(&result, self.clock.now())).await?;
                if let Some((_, c)) = &a.conflict {
                    ops::insert_conflict(&mut tx, c).await?;
                }
                return self.finish_as(tx, &events, true).await;
            }
        }
        self.finish_as(tx, events, true).await
    }

    /// How many operations wait for the hub.
    pub async fn node_pending(&self) -> Result<Vec<OutboxRow>> {
        Ok(outbox::pending(&self.db).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dtz_domain::activity::Allowed;

    #[test]
    fn an_activity_travels_and_reads_back_the_same() {
        let input = ActivityInput {
            goal: "G1".into(),
            country: "BO".into(),
            activity_type: "training".into(),
            title: "Training".into(),
            start: "2016-03-01".into(),
            end: "2016-03-02".into(),
            area: "El Alto".into(),
            description: "".into(),
            links: vec!["https://example.org/a".into()],
            basis: "counted".into(),
            reach: vec![ReachInput {
                group: "children".into(),
                sex: "female".into(),
                age: "12_17".into(),
                first_time: "12".into(),
                repeat: "".into(),
            }],
        };
        let bo = dtz_domain::org::CountryCode::parse("country", "BO").expect("BO");
        let allowed =
            Allowed { goals: vec!["G1"], countries: vec![bo], start: None, end: None, types: vec![("training", "")] };
        let f = ActivityFields::parse(&input, &allowed).expect("valid activity");
        let back = input_from_wire(&activity_wire(&f));
        assert_eq!(ActivityFields::parse(&back, &allowed).ok(), Some(f));
    }
}
