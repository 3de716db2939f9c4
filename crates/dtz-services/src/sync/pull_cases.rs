//! Cases going down to a field node (issue 9, point 2): scope `cases` of the pull.
//!
//! On the hub, at every pull and from the device user's roles of *now*: their caseload
//! (open, not erased cases they are the caseworker of) and the cases checked out to the
//! device ([`Services::cases_on_device`]), within their `Area::Cases` scope — never from
//! the node or the grant. Each case goes with its header, its sealed profile, notes,
//! referrals (with their state), follow-ups and follow-up notes as stored (ciphertexts
//! bind table, column and row, and the ids are the same on both sites, so they open on the
//! node unchanged), and its data key wrapped under the hub's escrow key for the device
//! (the hub never holds the device key). Every case sent is noted in `device_held_cases`
//! and audited as a read by the device's user (`case.sync.send`); a noted case that left
//! the scope is marked evicted and listed in `removed` until the node acknowledges it
//! (`case.sync.evict.ack`).
//!
//! On the node: the escrow wrap is opened with the escrow key the node holds and the data
//! key rewrapped under the device key (label `device`), so `case_open_key` treats the case
//! like one opened offline (and refuses past the lease). Evicted cases are deleted with
//! their children and key wraps, then acknowledged.

use super::pull::{Applied, PullAnswer, checksum};
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::Area;
use dtz_domain::ids::OrgId;
use dtz_domain::sync::DeviceId;
use dtz_domain::validate::Invalid;
use dtz_store::audit::NewEvent;
use dtz_store::cases;
use dtz_store::crypto::{self, SecretKey};
use dtz_store::sealed::{self, Place};
use dtz_store::sync::DeviceRow;
use dtz_store::sync::cases_down::{self as store, CaseDown, HeldRow, PersonDown, ServiceDown, TeamDown};
use dtz_store::sync::keyring as keyring_store;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use uuid::Uuid;

/// The parts of a case that go down, as audited (names only).
const SENT_FIELDS: [&str; 6] = ["profile", "data_key", "notes", "referrals", "follow_ups", "follow_up_notes"];

/// Cases as they go down (scope `cases`), with the people, teams and provider services
/// their rows name (so the node's rows point at something; no other directory data).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CasesDown {
    /// Cases new or changed since the cursor (all of them with cursor 0).
    pub cases: Vec<CaseDown>,
    /// Staff named by the rows: id, organisation, name.
    pub people: Vec<PersonDown>,
    /// Teams named by the cases.
    pub teams: Vec<TeamDown>,
    /// Provider services named by the referrals.
    pub services: Vec<ServiceDown>,
}

fn place(id: Uuid) -> Place {
    Place { table: "cases", row: id }
}

fn no_escrow() -> ServiceError {
    Invalid::new("node", "This node holds no escrow key from its hub yet: run dtz node sync first.").into()
}

impl Services {
    /// On the hub: fill a pull of scope `cases` for a device whose user is `caller`.
    pub(crate) async fn cases_down(
        &self,
        caller: &Caller,
        device: &DeviceRow,
        cursor: i64,
        a: &mut PullAnswer,
    ) -> Result<()> {
        let scope = caller.scope(Area::Cases);
        let checked_out = self.cases_on_device(device.id).await?;
        let now_ids = store::in_scope(&self.db, &scope, device.user_id, &device.allocator, &checked_out).await?;
        a.checksum = checksum(now_ids.iter().copied());
        let in_scope: BTreeSet<Uuid> = now_ids.iter().copied().collect();
        let held = store::held(&self.db, device.id).await?;
        let active: BTreeSet<Uuid> = held.iter().filter(|h| h.evicted_at.is_none()).map(|h| h.case_id).collect();
        a.removed = held.iter().map(|h| h.case_id).filter(|id| !in_scope.contains(id)).collect();
        let newly_evicted: Vec<Uuid> = active.iter().filter(|id| !in_scope.contains(id)).copied().collect();
        let send: Vec<Uuid> = if cursor <= 0 {
            now_ids
        } else {
            let changed: BTreeSet<Uuid> = store::changed_since(&self.db, cursor).await?.into_iter().collect();
            let mut s: BTreeSet<Uuid> =
                now_ids.iter().filter(|id| changed.contains(id) || !active.contains(id)).copied().collect();
            let children = store::children_of(&self.db, &now_ids).await?;
            s.extend(children.into_iter().filter(|(child, _)| changed.contains(child)).map(|(_, case)| case));
            s.into_iter().collect()
        };
        let escrow = self.escrow_key(DeviceId(device.id));
        let mut down = CasesDown::default();
        let mut events = Vec::new();
        for id in send {
            let row = cases::get(&self.db, &scope, id).await?;
            let key = self.case_key(&row).await?;
            let mut c = store::case(&self.db, id).await?;
            store::fill_children(&self.db, &mut c).await?;
            c.key = Some(sealed::wrap_with(&key, device.id, &escrow, "escrow")?);
            events.push(NewEvent {
                actor_user: caller.user(),
                actor_org: caller.org(),
                action: "case.sync.send".into(),
                entity: "case".into(),
                entity_id: Some(id),
                entity_version: None,
                fields: SENT_FIELDS.iter().map(|f| (*f).to_owned()).collect(),
                org: Some(OrgId(row.org_id)),
            });
            down.cases.push(c);
        }
        self.named_by(&mut down).await?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        for c in &down.cases {
            store::sent(&mut tx, device.id, c.id, now).await?;
        }
        store::evict(&mut tx, device.id, &newly_evicted, now).await?;
        self.finish(tx, &events).await?;
        a.cases = Some(down);
        Ok(())
    }

    /// The people, teams and provider services the cases' rows name.
    async fn named_by(&self, down: &mut CasesDown) -> Result<()> {
        let mut people = BTreeSet::new();
        let mut teams = BTreeSet::new();
        let mut services = BTreeSet::new();
        for c in &down.cases {
            people.extend(c.caseworker_id);
            teams.extend(c.team_id);
            people.extend(c.notes.iter().filter_map(|n| n.author_id));
            people.extend(c.follow_ups.iter().filter_map(|f| f.created_by));
            people.extend(c.follow_up_notes.iter().filter_map(|n| n.author_id));
            people.extend(c.referrals.iter().filter_map(|r| r.sent_by));
            services.extend(c.referrals.iter().map(|r| r.service_id));
        }
        let list = |s: BTreeSet<Uuid>| s.into_iter().collect::<Vec<_>>();
        down.people = store::people(&self.db, &list(people)).await?;
        down.teams = store::teams(&self.db, &list(teams)).await?;
        down.services = store::services(&self.db, &list(services)).await?;
        Ok(())
    }

    /// On the hub: a node deleted these evicted cases. Marks them acknowledged (with the
    /// time) and audits each (`case.sync.evict.ack`, actor: the device's user); ids the
    /// hub did not evict from this device change nothing. Returns those acknowledged now.
    pub async fn acknowledge_evictions(&self, device: &DeviceRow, ids: &[Uuid]) -> Result<Vec<Uuid>> {
        let caller = self.device_caller(device).await?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let done = store::acknowledge(&mut tx, device.id, ids, now).await?;
        let events: Vec<NewEvent> = done
            .iter()
            .map(|id| NewEvent {
                actor_user: caller.user(),
                actor_org: caller.org(),
                action: "case.sync.evict.ack".into(),
                entity: "case".into(),
                entity_id: Some(*id),
                entity_version: None,
                fields: vec!["evicted_at".into(), "acknowledged_at".into()],
                org: Some(OrgId(device.org_id)),
            })
            .collect();
        self.finish(tx, &events).await?;
        Ok(done)
    }

    /// On the hub: evictions the nodes have not acknowledged yet (an administrator's
    /// organisation's devices; all for a system administrator).
    pub async fn unacknowledged_evictions(&self, caller: &Caller) -> Result<Vec<HeldRow>> {
        Ok(store::unacknowledged(&self.db, super::anchor::admin_org(caller)?).await?)
    }

    /// On a node: how many cases it holds.
    pub async fn node_cases_held(&self) -> Result<usize> {
        Ok(store::node_cases(&self.db).await?.len())
    }

    /// The hub's escrow key for this node, opened with the device key.
    fn node_escrow(&self, sealed_escrow: Option<&[u8]>) -> Result<SecretKey> {
        let (_, device_key) = self.node_device_key()?;
        let raw = crypto::open(&device_key, super::keyring::ESCROW_AAD, sealed_escrow.ok_or_else(no_escrow)?)?;
        Ok(SecretKey(
            raw.try_into()
                .map_err(|_| ServiceError::Store(dtz_store::StoreError::Crypto("bad escrow key length".into())))?,
        ))
    }

    /// On a node: take the hub's answer for scope `cases`. Cases with an operation still
    /// waiting for the hub are left as they are. `Applied::evicted` lists what to
    /// acknowledge to the hub.
    pub(crate) async fn node_take_cases(&self, a: &PullAnswer, pending: &BTreeSet<Uuid>) -> Result<Applied> {
        let empty = CasesDown::default();
        let down = a.cases.as_ref().unwrap_or(&empty);
        let mut done = Applied::default();
        let mut wrapped = Vec::new();
        let taking: Vec<&CaseDown> = down.cases.iter().filter(|c| !pending.contains(&c.id)).collect();
        if !taking.is_empty() {
            // Past the lease a node unwraps no case key, pulled or its own.
            self.node_lease_check().await?;
            let k = keyring_store::keyring(&self.db).await?.ok_or_else(no_escrow)?;
            let escrow = self.node_escrow(k.escrow_key.as_deref())?;
            let (id, device_key) = self.node_device_key()?;
            for c in &taking {
                let key = sealed::open_with(&escrow, "escrow", place(c.id), c.key.as_deref().unwrap_or_default())
                    .map_err(|_| Invalid::new("key", "The case key was not wrapped for this device."))?;
                wrapped.push(sealed::wrap_with(&key, id, &device_key, "device")?);
            }
        }
        let listed: BTreeSet<Uuid> = down.cases.iter().map(|c| c.id).collect();
        let mut drop: BTreeSet<Uuid> = a.removed.iter().copied().filter(|id| !listed.contains(id)).collect();
        if a.reset {
            drop.extend(store::node_cases(&self.db).await?.into_iter().filter(|id| !listed.contains(id)));
        }
        drop.retain(|id| !pending.contains(id));
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        for p in &down.people {
            store::put_person(&mut tx, p, now).await?;
        }
        for t in &down.teams {
            store::put_team(&mut tx, t, now).await?;
        }
        for s in &down.services {
            store::put_service(&mut tx, s, now).await?;
        }
        for (c, key) in taking.iter().zip(&wrapped) {
            store::put_case(&mut tx, c, key).await?;
            store::prune_case(&mut tx, c).await?;
            done.rows += 1;
        }
        for id in &drop {
            store::drop_case(&mut tx, *id).await?;
        }
        tx.commit().await?;
        done.dropped = drop.len();
        done.evicted = drop.into_iter().collect();
        done.checksum = checksum(store::node_cases(&self.db).await?);
        Ok(done)
    }
}
