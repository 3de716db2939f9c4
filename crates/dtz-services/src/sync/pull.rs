//! Pull (issue 9, points 2 and 3): the hub answers, per scope, what changed since the
//! node's cursor (the audit chain's change sequence) among the rows the user's roles of
//! *now* admit, the tombstones among them, and a checksum of every id the node should
//! hold; a node whose own checksum differs asks for the whole scope again and drops what
//! is not in it (evictions). Reference data is read-only on the node; signals never go
//! down; cases go down in scope `cases` (see [`super::pull_cases`]).

use super::signing::sha256;
use crate::activities::reads_records;
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::{Area, Scope};
use dtz_domain::ids::UserId;
use dtz_domain::results::Entry;
use dtz_domain::sync::protocol::PullScope;
use dtz_store::activities::{self as acts, ActivityRow, ReachRow};
use dtz_store::sync::{DeviceRow, outbox, pull as store};
use dtz_store::values::ReportRow;
use dtz_store::{programmes, users, values};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// An activity as it goes down to a node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActivityDown {
    /// Id.
    pub id: Uuid,
    /// Programme code.
    pub programme: String,
    /// Organisation.
    pub org_id: Uuid,
    /// Country.
    pub country: String,
    /// Goal code.
    pub goal: String,
    /// Period.
    pub period: String,
    /// Type code.
    pub activity_type: String,
    /// Title.
    pub title: String,
    /// First day.
    pub start_date: Date,
    /// Last day.
    pub end_date: Date,
    /// Area.
    pub area: String,
    /// Description.
    pub description: String,
    /// Links (JSON list).
    pub links: String,
    /// Counted or estimated.
    pub basis: String,
    /// Everyone reached.
    pub reached: i64,
    /// Version on the hub.
    pub version: i64,
    /// Created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Reach cells: group, sex, age, first-time, repeat.
    pub reach: Vec<(String, String, String, i64, i64)>,
}

/// A report's state and values as they go down to a node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportDown {
    /// The hub's id.
    pub id: Uuid,
    /// Programme code.
    pub programme: String,
    /// Organisation.
    pub org_id: Uuid,
    /// Country.
    pub country: String,
    /// Period.
    pub period: String,
    /// Status name.
    pub status: String,
    /// Why it was returned.
    pub returned_reason: Option<String>,
    /// Version on the hub.
    pub version: i64,
    /// Values: indicator code, part, entry.
    pub values: Vec<(String, String, Entry)>,
}

pub use super::reference::{OrgDown, ReferenceDown, TermDown};

/// The hub's answer to a pull of one scope.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PullAnswer {
    /// The scope.
    pub scope: PullScope,
    /// The cursor to send next time.
    pub cursor: i64,
    /// Hex SHA-256 over the sorted ids the node should hold in this scope after the pull.
    pub checksum: String,
    /// A whole scope: the node drops what is not listed.
    pub reset: bool,
    /// Activities new or changed since the cursor.
    #[serde(default)]
    pub activities: Vec<ActivityDown>,
    /// Reports changed since the cursor.
    #[serde(default)]
    pub reports: Vec<ReportDown>,
    /// Ids removed on the hub since the cursor.
    #[serde(default)]
    pub removed: Vec<Uuid>,
    /// Reference data (scope `reference`).
    #[serde(default)]
    pub reference: Option<ReferenceDown>,
    /// Cases (scope `cases`, see [`super::pull_cases`]).
    #[serde(default)]
    pub cases: Option<super::pull_cases::CasesDown>,
}

/// The checksum of a set of ids: SHA-256 over the sorted ids, one per line, hex.
pub fn checksum(ids: impl IntoIterator<Item = Uuid>) -> String {
    let set: BTreeSet<Uuid> = ids.into_iter().collect();
    let text: String = set.iter().map(|id| format!("{id}\n")).collect();
    hex::encode(sha256(text.as_bytes()))
}

/// What applying a pull changed on the node.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// Rows written.
    pub rows: usize,
    /// Rows dropped (removed on the hub or out of scope).
    pub dropped: usize,
    /// The node's checksum after applying.
    pub checksum: String,
    /// Cases deleted (or already gone) on the hub's word, to acknowledge (scope `cases`).
    pub evicted: Vec<Uuid>,
}

impl Services {
    pub(crate) async fn device_caller(&self, device: &DeviceRow) -> Result<Caller> {
        let user = users::get(&self.db, &Scope::all(), UserId(device.user_id)).await?;
        if device.revoked_at.is_some() || user.disabled {
            return Err(ServiceError::Forbidden);
        }
        Ok(Caller::User(self.actor(&user).await?))
    }

    /// The hub's answer to a device's pull of one scope since `cursor` (0: everything).
    pub async fn pull(&self, device: &DeviceRow, scope: PullScope, cursor: i64) -> Result<PullAnswer> {
        let caller = self.device_caller(device).await?;
        let head = store::head(&self.db).await?;
        let mut a = PullAnswer {
            scope,
            cursor: head,
            checksum: checksum([]),
            reset: cursor <= 0,
            activities: Vec::new(),
            reports: Vec::new(),
            removed: Vec::new(),
            reference: None,
            cases: None,
        };
        match scope {
            PullScope::Reference => {
                let r = self.reference_down().await?;
                a.checksum = checksum(r.organisations.iter().map(|o| o.id));
                a.reference = Some(r);
                a.reset = true;
            }
            PullScope::Activities if reads_records(&caller) => {
                self.activities_down(&caller, device, cursor, &mut a).await?
            }
            PullScope::Values if reads_records(&caller) => self.reports_down(&caller, device, cursor, &mut a).await?,
            PullScope::Activities | PullScope::Values => {}
            PullScope::Cases => self.cases_down(&caller, device, cursor, &mut a).await?,
        }
        Ok(a)
    }

    async fn activities_down(
        &self,
        caller: &Caller,
        device: &DeviceRow,
        cursor: i64,
        a: &mut PullAnswer,
    ) -> Result<()> {
        let scope = caller.scope(Area::Results);
        let held = store::activity_ids(&self.db, &scope, device.org_id).await?;
        a.checksum = checksum(held.iter().copied());
        let wanted: Vec<Uuid> = if cursor <= 0 {
            held
        } else {
            let changed = store::changed_since(&self.db, acts::ENTITY, cursor).await?;
            a.removed = store::removed_activities(&self.db, &scope, device.org_id, &changed).await?;
            let held: BTreeSet<Uuid> = held.into_iter().collect();
            changed.into_iter().filter(|id| held.contains(id)).collect()
        };
        let rows = acts::some(&self.db, &scope, &wanted).await?;
        let reach = acts::reach(&self.db, &wanted).await?;
        let codes: HashMap<Uuid, String> =
            programmes::list(&self.db).await?.into_iter().map(|p| (p.id, p.code)).collect();
        a.activities =
            rows.into_iter().filter(|r| r.org_id == device.org_id).map(|r| down(r, &reach, &codes)).collect();
        Ok(())
    }

    async fn reports_down(&self, caller: &Caller, device: &DeviceRow, cursor: i64, a: &mut PullAnswer) -> Result<()> {
        let scope = caller.scope(Area::Results);
        let all = store::reports(&self.db, &scope, device.org_id).await?;
        let codes: HashMap<Uuid, String> =
            programmes::list(&self.db).await?.into_iter().map(|p| (p.id, p.code)).collect();
        let key = |r: &ReportRow| {
            super::outbox::report_key_id(
                codes.get(&r.programme_id).map_or("", String::as_str),
                r.org_id,
                &r.country,
                &r.period,
            )
        };
        a.checksum = checksum(all.iter().map(key));
        let changed: BTreeSet<Uuid> = if cursor <= 0 {
            all.iter().map(|r| r.id).collect()
        } else {
            store::changed_since(&self.db, "report", cursor).await?.into_iter().collect()
        };
        let mut indicator_codes: HashMap<Uuid, String> = HashMap::new();
        let mut loaded = BTreeSet::new();
        for r in all.into_iter().filter(|r| changed.contains(&r.id)) {
            if loaded.insert(r.programme_id) {
                for i in programmes::indicators(&self.db, r.programme_id).await? {
                    indicator_codes.insert(i.id, i.code);
                }
            }
            let vals = values::values(&self.db, r.id)
                .await?
                .into_iter()
                .filter_map(|v| Some((indicator_codes.get(&v.indicator_id)?.clone(), v.part.clone(), v.entry())))
                .collect();
            a.reports.push(ReportDown {
                id: r.id,
                programme: codes.get(&r.programme_id).cloned().unwrap_or_default(),
                org_id: r.org_id,
                country: r.country,
                period: r.period,
                status: r.status,
                returned_reason: r.returned_reason,
                version: r.version,
                values: vals,
            });
        }
        Ok(())
    }
}

fn down(r: ActivityRow, reach: &[ReachRow], codes: &HashMap<Uuid, String>) -> ActivityDown {
    ActivityDown {
        programme: codes.get(&r.programme_id).cloned().unwrap_or_default(),
        reach: reach
            .iter()
            .filter(|c| c.activity_id == r.id)
            .map(|c| (c.reach_group.clone(), c.sex.clone(), c.age.clone(), c.first_time, c.repeat_count))
            .collect(),
        id: r.id,
        org_id: r.org_id,
        country: r.country,
        goal: r.goal,
        period: r.period,
        activity_type: r.activity_type,
        title: r.title,
        start_date: r.start_date,
        end_date: r.end_date,
        area: r.area,
        description: r.description,
        links: r.links,
        basis: r.basis,
        reached: r.reached,
        version: r.version,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

impl Services {
    /// On a node: take the hub's answer for one scope. Records with an operation still
    /// waiting for the hub are left as they are.
    pub async fn node_apply_pull(&self, a: &PullAnswer) -> Result<Applied> {
        let pending: BTreeSet<Uuid> = outbox::pending_entities(&self.db).await?.into_iter().collect();
        let mut done = Applied::default();
        match a.scope {
            PullScope::Reference => {
                if let Some(r) = &a.reference {
                    done.rows = self.node_take_reference(r).await?;
                }
                done.checksum = checksum(self.orgs(&Caller::System).await?.iter().map(|o| o.id));
            }
            PullScope::Activities => {
                let progs: HashMap<String, Uuid> =
                    programmes::list(&self.db).await?.into_iter().map(|p| (p.code, p.id)).collect();
                let mut tx = self.db.begin().await?;
                for d in a.activities.iter().filter(|d| !pending.contains(&d.id)) {
                    let Some(programme) = progs.get(&d.programme) else { continue };
                    let (row, reach) = up(d, *programme);
                    store::put_activity(&mut tx, &row, &reach).await?;
                    done.rows += 1;
                }
                let listed: BTreeSet<Uuid> = a.activities.iter().map(|d| d.id).collect();
                let mut drop: BTreeSet<Uuid> = a.removed.iter().copied().collect();
                if a.reset {
                    drop.extend(store::held_activities(&self.db).await?.into_iter().filter(|id| !listed.contains(id)));
                }
                for id in drop.iter().filter(|id| !pending.contains(id)) {
                    store::drop_activity(&mut tx, *id).await?;
                    done.dropped += 1;
                }
                tx.commit().await?;
                done.checksum = checksum(store::held_activities(&self.db).await?);
            }
            PullScope::Values => {
                done = self.node_take_reports(a, &pending).await?;
            }
            PullScope::Cases => done = self.node_take_cases(a, &pending).await?,
        }
        Ok(done)
    }

    async fn node_take_reports(&self, a: &PullAnswer, pending: &BTreeSet<Uuid>) -> Result<Applied> {
        let mut done = Applied::default();
        let progs: HashMap<String, Uuid> =
            programmes::list(&self.db).await?.into_iter().map(|p| (p.code, p.id)).collect();
        let codes: HashMap<Uuid, String> = progs.iter().map(|(c, id)| (*id, c.clone())).collect();
        let key = |r: &ReportRow| {
            super::outbox::report_key_id(
                codes.get(&r.programme_id).map_or("", String::as_str),
                r.org_id,
                &r.country,
                &r.period,
            )
        };
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let mut listed = BTreeSet::new();
        for d in &a.reports {
            let Some(programme) = progs.get(&d.programme) else { continue };
            let kid = super::outbox::report_key_id(&d.programme, d.org_id, &d.country, &d.period);
            listed.insert(kid);
            if pending.contains(&kid) {
                continue;
            }
            let row = ReportRow {
                id: d.id,
                programme_id: *programme,
                org_id: d.org_id,
                country: d.country.clone(),
                period: d.period.clone(),
                status: d.status.clone(),
                returned_reason: d.returned_reason.clone(),
                submitted_at: None,
                country_approved_at: None,
                country_approved_by: None,
                alliance_approved_at: None,
                version: d.version,
            };
            let local = store::put_report(&mut tx, &row).await?;
            let indicators: HashMap<String, Uuid> =
                programmes::indicators(&self.db, *programme).await?.into_iter().map(|i| (i.code, i.id)).collect();
            let mut seen = BTreeSet::new();
            for (code, part, entry) in &d.values {
                let Some(ind) = indicators.get(code) else { continue };
                seen.insert((*ind, part.clone()));
                values::put(&mut tx, local, *ind, part, entry, UserId(Uuid::nil()), now).await?;
            }
            for v in values::values(&self.db, local).await? {
                if !seen.contains(&(v.indicator_id, v.part.clone())) {
                    values::put(&mut tx, local, v.indicator_id, &v.part, &Entry::default(), UserId(Uuid::nil()), now)
                        .await?;
                }
            }
            done.rows += 1;
        }
        if a.reset {
            for r in store::all_reports(&self.db).await? {
                let kid = key(&r);
                if !listed.contains(&kid) && !pending.contains(&kid) {
                    store::drop_report(&mut tx, r.id).await?;
                    done.dropped += 1;
                }
            }
        }
        tx.commit().await?;
        done.checksum = checksum(store::all_reports(&self.db).await?.iter().map(key));
        Ok(done)
    }
}

fn up(d: &ActivityDown, programme: Uuid) -> (ActivityRow, Vec<ReachRow>) {
    let row = ActivityRow {
        id: d.id,
        programme_id: programme,
        org_id: d.org_id,
        country: d.country.clone(),
        goal: d.goal.clone(),
        period: d.period.clone(),
        activity_type: d.activity_type.clone(),
        title: d.title.clone(),
        start_date: d.start_date,
        end_date: d.end_date,
        area: d.area.clone(),
        description: d.description.clone(),
        links: d.links.clone(),
        basis: d.basis.clone(),
        reached: d.reached,
        version: d.version,
        created_by: None,
        created_at: d.created_at,
        updated_by: None,
        updated_at: d.updated_at,
    };
    let reach = d
        .reach
        .iter()
        .map(|(g, s, a, f, r)| ReachRow {
            activity_id: d.id,
            reach_group: g.clone(),
            sex: s.clone(),
            age: a.clone(),
            first_time: *f,
            repeat_count: *r,
        })
        .collect();
    (row, reach)
}
