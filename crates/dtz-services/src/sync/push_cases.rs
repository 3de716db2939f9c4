//! Case work from a node (issue 9, point 4), on the hub: each operation applied as the
//! device's user with the user's roles of now, through the services the pages use (the
//! 404 rule, permissions, validation and the audit event are theirs). A case opened
//! offline arrives with its number and its data key wrapped under the hub's escrow key;
//! a header change merges field by field (a raised risk holds); notes and follow-ups are
//! appended once; referral steps are checked against the hub's state machine and an
//! illegal one is refused with its reason. See docs/ARCHITECTURE.md, "Case work from a
//! node: the push".

mod review;
mod wire;

pub use review::CaseRefusal;
pub(crate) use wire::{
    case_changed, case_opened, filed_under, follow_up_noted, follow_up_planned, note_added, referral_sent,
    referral_stepped,
};

use super::outbox::{Applying, Via};
use crate::cases::{CaseEdit, NewCaseInput, PushedCase};
use crate::referrals::{FollowUpInput, StepInput};
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::case::{CaseNumber, ChildProfile, ProfileInput, RiskLevel, Secrets};
use dtz_domain::ids::OrgId;
use dtz_domain::sync::cases::{
    CASE, CASE_NOTE, FOLLOW_UP, FOLLOW_UP_NOTE, REFERRAL, REFERRAL_STEP, RiskMerge, SEALED_FIELDS, risk_merge,
};
use dtz_domain::sync::protocol::{OpResult, Outcome};
use dtz_domain::sync::{DeviceId, Merge, OpKind, OpPayload, merge};
use dtz_domain::validate::Invalid;
use dtz_store::cases::CaseRow;
use dtz_store::sealed::Place;
use dtz_store::sync::DeviceRow;
use uuid::Uuid;
use wire::{id, sealed, text};

fn unreadable(field: &str) -> ServiceError {
    Invalid::new(field, "This sealed field does not open with the case's key.").into()
}

impl Services {
    /// Apply one operation of case work (the entity names of `dtz_domain::sync::cases`).
    pub(crate) async fn apply_case_work(
        &self,
        caller: &Caller,
        device: &DeviceRow,
        p: &OpPayload,
        a: &Applying,
    ) -> Result<OpResult> {
        match (p.entity.as_str(), p.kind) {
            (CASE, OpKind::Create) => self.apply_case_opened(caller, device, p, a).await,
            (CASE, OpKind::Update) => self.apply_case_changed(caller, device, p, a).await,
            (CASE_NOTE, OpKind::Create) => {
                let case = self.case_row(caller, id(p, "case").ok_or(ServiceError::NotFound)?).await?;
                let key = self.case_key(&case).await?.for_child("case_notes", p.entity_id);
                let body: String =
                    key.open_json("body", &sealed(p, "body").unwrap_or_default()).map_err(|_| unreadable("note"))?;
                self.add_note_via(caller, case.id, p.entity_id, &body, id(p, "amends"), Via::Push(a)).await?;
                Ok(a.result(Outcome::Applied, None, None))
            }
            (FOLLOW_UP, OpKind::Create) => {
                let case = id(p, "case").ok_or(ServiceError::NotFound)?;
                let input = FollowUpInput {
                    kind: text(p, "kind"),
                    planned_date: text(p, "planned_date"),
                    referral: text(p, "referral"),
                };
                self.plan_follow_up_via(caller, case, p.entity_id, &input, Via::Push(a)).await?;
                Ok(a.result(Outcome::Applied, None, None))
            }
            (FOLLOW_UP_NOTE, OpKind::Create) => {
                let case = self.case_row(caller, id(p, "case").ok_or(ServiceError::NotFound)?).await?;
                let follow_up = id(p, "follow_up").ok_or(ServiceError::NotFound)?;
                let key = self.case_key(&case).await?.for_child("follow_up_notes", p.entity_id);
                let body: String =
                    key.open_json("body", &sealed(p, "body").unwrap_or_default()).map_err(|_| unreadable("note"))?;
                let amends = id(p, "amends");
                self.add_follow_up_note_via(caller, (case.id, follow_up), p.entity_id, &body, amends, Via::Push(a))
                    .await?;
                Ok(a.result(Outcome::Applied, None, None))
            }
            (REFERRAL_STEP, OpKind::Update) => self.apply_referral_step(caller, p, a).await,
            (REFERRAL, OpKind::Create) => {
                // Sent as the page sends it: the hub's consent states and directory decide.
                let case = self.case_row(caller, id(p, "case").ok_or(ServiceError::NotFound)?).await?;
                let key = self.case_key(&case).await?.for_child("referrals", p.entity_id);
                let d: crate::referrals::ReferralSealed = key
                    .open_json("details", &sealed(p, "details").unwrap_or_default())
                    .map_err(|_| unreadable("reason"))?;
                let input = crate::referrals::ReferralInput {
                    service: text(p, "service"),
                    urgency: text(p, "urgency"),
                    emergency: p.fields.get("emergency").and_then(serde_json::Value::as_bool).unwrap_or(false),
                    reason: d.reason,
                    security_risks: d.security_risks.unwrap_or_default(),
                    notes: d.notes.unwrap_or_default(),
                };
                self.send_referral_via(caller, case.id, p.entity_id, &input, Via::Push(a)).await?;
                Ok(a.result(Outcome::Applied, None, None))
            }
            _ => Err(Invalid::new("operation", "This kind of case work cannot be pushed.").into()),
        }
    }

    /// A case opened offline: the number must be the device's, the key must open from its
    /// escrow wrap (it is then kept under the organisation's key) and the profile must open
    /// with it; then it is opened through the page's service with that id, number and key.
    async fn apply_case_opened(
        &self,
        caller: &Caller,
        device: &DeviceRow,
        p: &OpPayload,
        a: &Applying,
    ) -> Result<OpResult> {
        let org = id(p, "org").ok_or(ServiceError::NotFound)?;
        if org != device.org_id {
            return Err(ServiceError::NotFound);
        }
        let number = CaseNumber::parse("number", &text(p, "number"))?;
        if number.as_str().split('-').nth(2) != Some(device.allocator.as_str()) {
            return Err(Invalid::new("number", "This case number was not given by this device's allocator.").into());
        }
        if dtz_store::cases::get(&self.db, &dtz_domain::access::Scope::all(), p.entity_id).await.is_ok() {
            return Err(Invalid::new("case", "This case exists on the hub already.").into());
        }
        let place = Place { table: "cases", row: p.entity_id };
        let escrow =
            sealed(p, "escrow").ok_or_else(|| Invalid::new("key", "The case key was not wrapped for this hub."))?;
        let (key, wrapped) = self.open_escrowed_case_key(DeviceId(device.id), OrgId(org), place, &escrow).await?;
        let secrets: Secrets =
            key.open_json("profile", &sealed(p, "profile").unwrap_or_default()).map_err(|_| unreadable("profile"))?;
        let birth_year = text(p, "birth_year");
        let estimated = p.fields.get("birth_year_estimated").and_then(serde_json::Value::as_bool).unwrap_or(false);
        let stored =
            ChildProfile { birth_year: birth_year.parse().ok(), birth_year_estimated: estimated, ..Default::default() };
        let mut profile = ProfileInput::of(&ChildProfile::default(), &secrets);
        profile.sex = text(p, "sex");
        profile.birth_year = birth_year;
        profile.languages = text(p, "languages");
        let input = NewCaseInput {
            signal: id(p, "signal_id"),
            org: Some(OrgId(org)),
            country: text(p, "country"),
            team: text(p, "team_id"),
            caseworker: text(p, "caseworker_id"),
            risk: text(p, "risk"),
            profile,
        };
        let pushed = PushedCase { id: p.entity_id, number: number.as_str().to_owned(), key, wrapped, stored };
        self.open_case_via(caller, &input, Some(pushed), Via::Push(a)).await?;
        Ok(a.result(Outcome::Applied, None, Some(1)))
    }

    /// The hub version a node's base version of a case stands for (as for activities,
    /// through the device's previous operation on the case header).
    async fn hub_case_base(&self, device: &DeviceRow, a: &Applying, base: i64) -> Result<i64> {
        let prev = dtz_store::sync::cases_up::last_on(&self.db, device.id, CASE, a.entity_id, a.node_seq).await?;
        let prev: Option<OpResult> = prev.and_then(|r| serde_json::from_str(&r.result).ok());
        match prev {
            Some(OpResult { node_version: Some(n), hub_version: Some(h), .. }) if n == base => Ok(h),
            _ => Ok(base),
        }
    }

    /// A header change: fields changed only on the node apply, fields changed on both
    /// sides wait for a supervisor — except that the higher risk level stands at once. The
    /// supervisors of the case are told of a conflict through their task list.
    async fn apply_case_changed(
        &self,
        caller: &Caller,
        device: &DeviceRow,
        p: &OpPayload,
        a: &Applying,
    ) -> Result<OpResult> {
        let current = self.case_row(caller, p.entity_id).await?;
        let r = self.merge_case_change(caller, device, p, a, &current).await?;
        if r.outcome == Outcome::Conflict {
            self.tell_case_supervisors(&current).await?;
        }
        Ok(r)
    }

    async fn merge_case_change(
        &self,
        caller: &Caller,
        device: &DeviceRow,
        p: &OpPayload,
        a: &Applying,
        current: &CaseRow,
    ) -> Result<OpResult> {
        let base = self.hub_case_base(device, a, p.base_version).await?;
        let hub_changed = dtz_store::audit::fields_changed_since(&self.db, p.entity_id, base).await?;
        let node_fields: Vec<String> = p.fields.keys().filter(|k| *k != "profile").cloned().collect();
        let shared = match merge(&node_fields, &hub_changed) {
            Merge::Apply => Vec::new(),
            Merge::Conflict(f) => f,
        };
        let mut take: Vec<String> = node_fields.iter().filter(|f| !shared.contains(f)).cloned().collect();
        let node_risk = RiskLevel::from_code(&text(p, "risk"));
        let hub_risk = current.risk.as_deref().and_then(RiskLevel::from_code);
        let risk_held = shared.iter().any(|f| f == "risk") && risk_merge(node_risk, hub_risk) == RiskMerge::TakeNode;
        if risk_held {
            take.push("risk".into());
        }
        let mut a = a.clone();
        if !shared.is_empty() {
            let mut detail = format!("changed on both sides: {}", shared.join(", "));
            if shared.iter().any(|f| f == "risk") {
                detail.push_str(" (the higher risk level stands; a supervisor of the case decides)");
            }
            let payload = serde_json::to_string(p).unwrap_or_default();
            let c = self.conflict_row(&a, device, current.org_id, &shared, &payload);
            if take.is_empty() {
                return self
                    .answer(&a, a.result(Outcome::Conflict, Some(detail), Some(current.version)), Some(c))
                    .await;
            }
            a.conflict = Some((detail, c));
        }
        let edit = self.case_edit_from(current, p, &take).await?;
        let (v, changed) = self.update_case_via(caller, current.id, current.version, &edit, Via::Push(&a)).await?;
        let detail = a.conflict.as_ref().map(|(d, _)| d.clone());
        if !changed {
            return match a.conflict.take() {
                Some((d, c)) => self.answer(&a, a.result(Outcome::Conflict, Some(d), Some(v)), Some(c)).await,
                None => self.answer(&a, a.result(Outcome::Applied, None, Some(v)), None).await,
            };
        }
        let outcome = if detail.is_some() { Outcome::Conflict } else { Outcome::Applied };
        Ok(a.result(outcome, detail, Some(v)))
    }

    /// The page's edit that writes the node's values of `take` over the case as it is now.
    pub(crate) async fn case_edit_from(&self, current: &CaseRow, p: &OpPayload, take: &[String]) -> Result<CaseEdit> {
        let has = |f: &str| take.iter().any(|t| t == f);
        let mut edit = CaseEdit::default();
        let profile_fields = ["sex", "birth_year", "languages"];
        if profile_fields.iter().any(|f| has(f)) || take.iter().any(|t| t.starts_with("profile.")) {
            let key = self.case_key(current).await?;
            let mut secrets: Secrets = match &current.profile {
                Some(b) => key.open_json("profile", b)?,
                None => Secrets::default(),
            };
            if let Some(node) = sealed(p, "profile") {
                let node: Secrets = key.open_json("profile", &node).map_err(|_| unreadable("profile"))?;
                for f in SEALED_FIELDS {
                    if has(&format!("profile.{f}")) {
                        match f {
                            "name" => secrets.name = node.name.clone(),
                            "contact" => secrets.contact = node.contact.clone(),
                            "address" => secrets.address = node.address.clone(),
                            "guardian" => secrets.guardian = node.guardian.clone(),
                            _ => secrets.situation = node.situation.clone(),
                        }
                    }
                }
            }
            let mut form = ProfileInput::of(&crate::cases::child_profile(current), &secrets);
            for f in profile_fields {
                if has(f) {
                    let v = text(p, f);
                    match f {
                        "sex" => form.sex = v,
                        "birth_year" => form.birth_year = v,
                        _ => form.languages = v,
                    }
                }
            }
            edit.profile = Some(form);
        }
        if has("risk") {
            edit.risk = Some(text(p, "risk"));
        }
        if has("team_id") || has("caseworker_id") {
            let now = |v: Option<Uuid>| v.map(|u| u.to_string()).unwrap_or_default();
            let team = if has("team_id") { text(p, "team_id") } else { now(current.team_id) };
            let worker = if has("caseworker_id") { text(p, "caseworker_id") } else { now(current.caseworker_id) };
            edit.assignment = Some((team, worker));
        }
        Ok(edit)
    }

    /// A step on a referral, taken on the hub's referral as it stands now: the state
    /// machine decides; an illegal step is refused with its reason and changes nothing.
    async fn apply_referral_step(&self, caller: &Caller, p: &OpPayload, a: &Applying) -> Result<OpResult> {
        let (row, _) = self.referral_row(caller, p.entity_id).await?;
        let step = id(p, "step").ok_or_else(|| Invalid::new("step", "The step has no id."))?;
        let reason = match sealed(p, "reason") {
            Some(b) => {
                let case = self.case_row_for_referral(&row).await?;
                let key = self.case_key(&case).await?.for_child("referral_steps", step);
                key.open_json::<String>("reason", &b).map_err(|_| unreadable("reason"))?
            }
            None => String::new(),
        };
        let input = StepInput { version: row.version, action: text(p, "action"), reason, onward: None };
        self.referral_step_via(caller, p.entity_id, &input, step, Via::Push(a)).await?;
        Ok(a.result(Outcome::Applied, None, Some(row.version + 1)))
    }
}
