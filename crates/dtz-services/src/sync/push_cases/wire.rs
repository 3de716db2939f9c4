//! The operations of case work as a node writes them, in the record's transaction. Sealed
//! texts travel as the ciphertexts the node stored (hex), bound to their table and row
//! under the case's data key: nothing that names a child is ever in an outbox in clear.

use dtz_domain::change::Change;
use dtz_domain::sync::cases::{CASE, CASE_NOTE, FOLLOW_UP, FOLLOW_UP_NOTE, REFERRAL, REFERRAL_STEP};
use dtz_domain::sync::{OpKind, OpPayload};
use dtz_store::cases::CaseRow;
use dtz_store::referrals::followups::{FollowUpRow, NoteRow};
use dtz_store::referrals::{ReferralRow, StepRow};
use serde_json::{Map, Value};
use uuid::Uuid;

fn opt(v: Option<String>) -> Value {
    v.map_or(Value::Null, Value::String)
}

fn bytes(b: Option<&[u8]>) -> Value {
    b.map_or(Value::Null, |b| Value::String(hex::encode(b)))
}

fn op(entity: &str, id: Uuid, kind: OpKind, base: i64, fields: Map<String, Value>) -> OpPayload {
    OpPayload { entity: entity.into(), entity_id: id, kind, base_version: base, fields }
}

/// A case opened on a node: its plaintext columns, the number its allocator gave, the
/// sealed profile and the data key wrapped under the hub's escrow key for this device.
pub(crate) fn case_opened(r: &CaseRow, escrow: Option<&super::super::keyring::EscrowWrap>) -> OpPayload {
    let mut m = Map::new();
    m.insert("number".into(), r.number.clone().into());
    m.insert("org".into(), r.org_id.to_string().into());
    m.insert("country".into(), r.country.clone().into());
    m.insert("team_id".into(), opt(r.team_id.map(|t| t.to_string())));
    m.insert("caseworker_id".into(), opt(r.caseworker_id.map(|t| t.to_string())));
    m.insert("signal_id".into(), opt(r.signal_id.map(|t| t.to_string())));
    m.insert("risk".into(), opt(r.risk.clone()));
    m.insert("sex".into(), opt(r.sex.clone()));
    m.insert("birth_year".into(), opt(r.birth_year.map(|y| y.to_string())));
    m.insert("birth_year_estimated".into(), r.birth_year_estimated.into());
    m.insert("languages".into(), r.languages.clone().into());
    m.insert("profile".into(), bytes(r.profile.as_deref()));
    m.insert("escrow".into(), bytes(escrow.map(|e| e.wrapped.as_slice())));
    op(CASE, r.id, OpKind::Create, 0, m)
}

/// A case's header changed on a node: the new values of the plaintext fields that changed
/// (named as the audit names them), `profile.<field>: true` for each sealed one, and the
/// whole sealed profile when any sealed field changed.
pub(crate) fn case_changed(after: &CaseRow, base: i64, change: &Change, sealed: Option<&[u8]>) -> OpPayload {
    let mut m: Map<String, Value> = change.fields.iter().map(|f| (f.field.clone(), f.after.clone())).collect();
    if let Some(s) = sealed {
        m.insert("profile".into(), bytes(Some(s)));
    }
    op(CASE, after.id, OpKind::Update, base, m)
}

/// A note added to a case.
pub(crate) fn note_added(case: Uuid, id: Uuid, amends: Option<Uuid>, body: Option<&[u8]>) -> OpPayload {
    let mut m = Map::new();
    m.insert("case".into(), case.to_string().into());
    m.insert("amends".into(), opt(amends.map(|a| a.to_string())));
    m.insert("body".into(), bytes(body));
    op(CASE_NOTE, id, OpKind::Create, 0, m)
}

/// A follow-up planned for a case.
pub(crate) fn follow_up_planned(case: Uuid, f: &FollowUpRow) -> OpPayload {
    let mut m = Map::new();
    m.insert("case".into(), case.to_string().into());
    m.insert("kind".into(), f.kind.clone().into());
    m.insert("planned_date".into(), f.planned_date.to_string().into());
    m.insert("referral".into(), opt(f.referral_id.map(|r| r.to_string())));
    op(FOLLOW_UP, f.id, OpKind::Create, 0, m)
}

/// A note added to a follow-up.
pub(crate) fn follow_up_noted(case: Uuid, n: &NoteRow) -> OpPayload {
    let mut m = Map::new();
    m.insert("case".into(), case.to_string().into());
    m.insert("follow_up".into(), n.follow_up_id.to_string().into());
    m.insert("amends".into(), opt(n.amends_id.map(|a| a.to_string())));
    m.insert("body".into(), bytes(n.body.as_deref()));
    op(FOLLOW_UP_NOTE, n.id, OpKind::Create, 0, m)
}

/// A step taken on a referral: a command the hub checks against the state machine.
pub(crate) fn referral_stepped(r: &ReferralRow, base: i64, s: &StepRow) -> OpPayload {
    let mut m = Map::new();
    m.insert("case".into(), r.case_id.to_string().into());
    m.insert("action".into(), s.action.clone().into());
    m.insert("step".into(), s.id.to_string().into());
    m.insert("reason".into(), bytes(s.reason.as_deref()));
    op(REFERRAL_STEP, r.id, OpKind::Update, base, m)
}

/// A new referral sent from a node: its case, service, urgency, emergency flag and the
/// sealed details as stored (bound to the referral's row under the case's key).
pub(crate) fn referral_sent(r: &ReferralRow) -> OpPayload {
    let mut m = Map::new();
    m.insert("case".into(), r.case_id.to_string().into());
    m.insert("service".into(), r.service_id.to_string().into());
    m.insert("urgency".into(), r.urgency.clone().into());
    m.insert("emergency".into(), r.emergency.into());
    m.insert("details".into(), bytes(r.details.as_deref()));
    op(REFERRAL, r.id, OpKind::Create, 0, m)
}

/// The record an operation is filed under on the hub: a note or follow-up under its case
/// (so a refusal is shown to whoever sees the case), anything else under its own id.
pub(crate) fn filed_under(p: &OpPayload) -> Uuid {
    match p.entity.as_str() {
        CASE_NOTE | FOLLOW_UP | FOLLOW_UP_NOTE | REFERRAL => text(p, "case").parse().unwrap_or(p.entity_id),
        _ => p.entity_id,
    }
}

/// A text field of a payload (empty when missing or null).
pub(crate) fn text(p: &OpPayload, k: &str) -> String {
    p.fields.get(k).and_then(Value::as_str).unwrap_or_default().to_owned()
}

/// A ciphertext field of a payload.
pub(crate) fn sealed(p: &OpPayload, k: &str) -> Option<Vec<u8>> {
    p.fields.get(k).and_then(Value::as_str).and_then(|h| hex::decode(h).ok())
}

/// An optional id field of a payload.
pub(crate) fn id(p: &OpPayload, k: &str) -> Option<Uuid> {
    p.fields.get(k).and_then(Value::as_str).and_then(|s| s.parse().ok())
}
