//! Anchoring node audit chains on the hub (issue 9, point 5). A node sends the events of
//! its chain after the last anchored head in numbered batches signed with its device key;
//! the hub checks that each continues from the head it anchored last, stores the events,
//! records the batch in its own chain and answers a receipt signed with its Ed25519 key.
//! `dtz audit verify` checks both levels. A revoked device's batches are quarantined.

use super::signing::{SigningKey, verify};
use crate::{Result, ServiceError, Services};
use dtz_domain::ids::{OrgId, UserId};
use dtz_domain::sync::DeviceId;
use dtz_domain::sync_anchor::{
    AnchorReceipt, Anchored, MAX_BATCH_EVENTS, NodeEvent, batch_digest, batch_signing_bytes, check_continuation,
};
use dtz_domain::validate::Invalid;
use dtz_store::StoreError;
use dtz_store::audit::{Event, NewEvent};
use dtz_store::sync::DeviceRow;
use dtz_store::sync::anchor::{self as store, BatchRow, ReceiptRow};
use uuid::Uuid;

/// A batch of a node's chain, as sent.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Batch {
    /// Its number (1, 2, …).
    pub batch_no: i64,
    /// The events after the anchored head, in order.
    pub events: Vec<NodeEvent>,
    /// The device's signature over `batch_signing_bytes` (hex).
    pub signature: String,
}

/// A receipt and the hub's signature over its signing bytes (hex).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SignedReceipt {
    /// The receipt.
    pub receipt: AnchorReceipt,
    /// Ed25519 signature by the hub, hex.
    pub signature: String,
}

/// What `dtz audit verify` found beyond the chain itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AnchorsVerified {
    /// Receipts this node holds, each checked against the hub key and its own chain.
    pub receipts: usize,
    /// Batches this hub anchored for devices, each checked against its events and receipt.
    pub batches: usize,
}

fn broken(seq: i64, reason: impl Into<String>) -> ServiceError {
    ServiceError::Store(StoreError::ChainBroken { seq, reason: reason.into() })
}

fn node_event(e: Event) -> NodeEvent {
    NodeEvent {
        seq: e.seq,
        id: e.id,
        at: e.at,
        actor_user_id: e.actor_user_id,
        actor_org_id: e.actor_org_id,
        action: e.action,
        entity: e.entity,
        entity_id: e.entity_id,
        entity_version: e.entity_version,
        fields: e.fields,
        org_id: e.org_id,
        prev_hash: hex::encode(e.prev_hash),
        hash: hex::encode(e.hash),
    }
}

fn signed(b: &BatchRow) -> Result<SignedReceipt> {
    let receipt = serde_json::from_str(&b.receipt).map_err(|_| broken(b.to_seq, "a stored receipt is not valid"))?;
    Ok(SignedReceipt { receipt, signature: hex::encode(&b.signature) })
}

/// Bytes of events a node sends in one anchoring batch (the hub takes 256 KiB per request).
const BATCH_BYTES: usize = 160 * 1024;

impl Services {
    /// On the hub: anchor a batch of a device's chain and answer the signed receipt. A
    /// replay of an anchored batch gets its receipt again; a batch that does not continue
    /// from the anchored head is refused; a revoked device's batch is quarantined.
    pub async fn anchor_batch(&self, device: &DeviceRow, batch: &Batch) -> Result<SignedReceipt> {
        let id = DeviceId(device.id);
        let digest = batch_digest(&batch.events);
        let sig = hex::decode(&batch.signature).unwrap_or_default();
        if !verify(&device.public_key, &batch_signing_bytes(id, batch.batch_no, &digest), &sig) {
            return Err(Invalid::new("signature", "The batch is not signed by this device.").into());
        }
        if device.revoked_at.is_some() {
            self.quarantine(device, "audit_batch", &serde_json::to_string(batch).unwrap_or_default()).await?;
            return Err(revoked());
        }
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        if let Some(done) = store::batch(&mut tx, id, batch.batch_no).await? {
            return if done.digest == digest {
                signed(&done)
            } else {
                Err(Invalid::new(
                    "events",
                    format!("Batch {} was anchored with other events: the node's chain was rewritten.", batch.batch_no),
                )
                .into())
            };
        }
        let anchored = store::last_batch(&mut tx, id).await?.map_or_else(Anchored::default, |b| Anchored {
            batch_no: b.batch_no,
            seq: b.to_seq,
            hash: hex::encode(b.head_hash),
        });
        check_continuation(&anchored, batch.batch_no, &batch.events)
            .map_err(|e| Invalid::new("events", e.to_string()))?;
        let (first, last) = (&batch.events[0], &batch.events[batch.events.len() - 1]);
        let receipt = AnchorReceipt {
            format: 1,
            device: id,
            batch_no: batch.batch_no,
            from_seq: first.seq,
            to_seq: last.seq,
            prev_hash: anchored.hash.clone(),
            head_hash: last.hash.clone(),
            digest: hex::encode(digest),
            anchored_at: now,
        };
        let signature = SigningKey::hub(&self.keys)?.sign(&receipt.signing_bytes());
        let row = BatchRow {
            id: Uuid::new_v4(),
            device_id: device.id,
            batch_no: batch.batch_no,
            from_seq: receipt.from_seq,
            to_seq: receipt.to_seq,
            prev_hash: hex::decode(&anchored.hash).unwrap_or_default(),
            head_hash: hex::decode(&last.hash).unwrap_or_default(),
            digest: digest.to_vec(),
            receipt: serde_json::to_string(&receipt).unwrap_or_default(),
            signature: signature.clone(),
            received_at: now,
        };
        store::insert_batch(&mut tx, &row, &batch.events).await?;
        let ev = NewEvent {
            actor_user: Some(UserId(device.user_id)),
            actor_org: Some(OrgId(device.org_id)),
            action: "device.audit.anchor".into(),
            entity: "device_audit_batch".into(),
            entity_id: Some(row.id),
            entity_version: Some(1),
            fields: ["device_id", "from_seq", "to_seq", "head_hash", "digest"].map(str::to_owned).to_vec(),
            org: Some(OrgId(device.org_id)),
        };
        self.finish(tx, &[ev]).await?;
        Ok(SignedReceipt { receipt, signature: hex::encode(signature) })
    }

    /// On the hub: keep what a revoked device sent for review (never applied), audited.
    pub async fn quarantine(&self, device: &DeviceRow, kind: &str, payload: &str) -> Result<Uuid> {
        let id = Uuid::new_v4();
        let mut tx = self.db.begin().await?;
        store::quarantine(&mut tx, id, DeviceId(device.id), device.org_id, kind, payload, self.clock.now()).await?;
        let ev = NewEvent {
            actor_user: Some(UserId(device.user_id)),
            actor_org: Some(OrgId(device.org_id)),
            action: "device.quarantine".into(),
            entity: "sync_quarantine".into(),
            entity_id: Some(id),
            entity_version: Some(1),
            fields: vec!["device_id".into(), "kind".into(), "payload".into()],
            org: Some(OrgId(device.org_id)),
        };
        self.finish(tx, &[ev]).await?;
        Ok(id)
    }

    /// On the node: the next batch of its chain to anchor, signed with the device key
    /// (none when everything is anchored).
    pub async fn node_next_batch(&self) -> Result<Option<Batch>> {
        let (status, key, _) = self.node_secrets().await?;
        let receipts = store::receipts(&self.db).await?;
        let (batch_no, seq) = receipts.last().map_or((0, 0), |r| (r.batch_no, r.to_seq));
        let mut events: Vec<NodeEvent> =
            store::events_after(&self.db, seq, MAX_BATCH_EVENTS as i64).await?.into_iter().map(node_event).collect();
        // Stay well below the hub's request body limit (256 KiB) whatever the events hold.
        let mut bytes = 0;
        let fits = events
            .iter()
            .take_while(|e| {
                bytes += serde_json::to_vec(e).map_or(0, |v| v.len()) + 1;
                bytes <= BATCH_BYTES
            })
            .count();
        events.truncate(fits.max(1));
        if events.is_empty() {
            return Ok(None);
        }
        let digest = batch_digest(&events);
        let signature = hex::encode(key.sign(&batch_signing_bytes(status.grant.device, batch_no + 1, &digest)));
        Ok(Some(Batch { batch_no: batch_no + 1, events, signature }))
    }

    /// On the node: keep the hub's receipt for a batch, after checking it is signed by the
    /// hub key kept at enrolment and names exactly this batch. Not audited: a receipt
    /// changes no record, and an event for it would leave a tail that never anchors.
    pub async fn node_keep_receipt(&self, batch: &Batch, r: &SignedReceipt) -> Result<()> {
        let status = self.node_status().await?.ok_or(ServiceError::NotFound)?;
        let sig = hex::decode(&r.signature).unwrap_or_default();
        let bad =
            || ServiceError::from(Invalid::new("receipt", "The hub's receipt does not match the batch or its key."));
        if !verify(&status.identity.hub_public_key, &r.receipt.signing_bytes(), &sig) {
            return Err(bad());
        }
        let (first, last) = match (batch.events.first(), batch.events.last()) {
            (Some(f), Some(l)) => (f, l),
            _ => return Err(bad()),
        };
        let rc = &r.receipt;
        if rc.device != status.grant.device
            || rc.batch_no != batch.batch_no
            || rc.from_seq != first.seq
            || rc.to_seq != last.seq
            || rc.head_hash != last.hash
            || rc.digest != hex::encode(batch_digest(&batch.events))
        {
            return Err(bad());
        }
        let row = ReceiptRow {
            batch_no: rc.batch_no,
            from_seq: rc.from_seq,
            to_seq: rc.to_seq,
            head_hash: hex::decode(&rc.head_hash).unwrap_or_default(),
            receipt: serde_json::to_string(rc).unwrap_or_default(),
            signature: sig,
            received_at: self.clock.now(),
        };
        let mut tx = self.db.begin().await?;
        store::insert_receipt(&mut tx, &row).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The second level of `dtz audit verify`: on a node, every receipt it holds verifies
    /// against the hub key it trusted at enrolment and names an event its chain still
    /// holds; on a hub, every device's anchored batches still hold the events their
    /// receipts name, linked batch to batch. Run after the chain itself verified.
    pub async fn verify_anchors(&self) -> Result<AnchorsVerified> {
        let mut out = AnchorsVerified::default();
        if let Some(status) = self.node_status().await? {
            let mut prev = (0, 0);
            for r in store::receipts(&self.db).await? {
                let rc: AnchorReceipt =
                    serde_json::from_str(&r.receipt).map_err(|_| broken(r.to_seq, "a receipt is not valid"))?;
                if !verify(&status.identity.hub_public_key, &rc.signing_bytes(), &r.signature) {
                    return Err(broken(r.to_seq, "the hub's receipt for it does not verify with the hub's key"));
                }
                if r.batch_no != prev.0 + 1 || r.from_seq != prev.1 + 1 || rc.to_seq != r.to_seq {
                    return Err(broken(r.from_seq, "the anchored batches do not follow each other"));
                }
                match store::event_at(&self.db, r.to_seq).await? {
                    Some(e) if e.hash == r.head_hash && hex::encode(&e.hash) == rc.head_hash => {}
                    _ => return Err(broken(r.to_seq, "differs from the head the hub anchored")),
                }
                prev = (r.batch_no, r.to_seq);
                out.receipts += 1;
            }
        }
        let hub = SigningKey::hub(&self.keys)?.public();
        let mut last: Option<BatchRow> = None;
        for b in store::all_batches(&self.db).await? {
            let rc = signed(&b)?.receipt;
            let device = b.device_id;
            let fail = |reason: &str| broken(b.to_seq, format!("device {device}: {reason}"));
            if !verify(&hub, &rc.signing_bytes(), &b.signature) {
                return Err(fail("the receipt of an anchored batch does not verify with this hub's key"));
            }
            let events: Vec<NodeEvent> = store::device_events(&self.db, b.device_id, b.from_seq, b.to_seq)
                .await?
                .into_iter()
                .map(node_event)
                .collect();
            let (prev_no, prev_seq, prev_head) = match &last {
                Some(l) if l.device_id == b.device_id => (l.batch_no, l.to_seq, hex::encode(&l.head_hash)),
                _ => (0, 0, String::new()),
            };
            if b.batch_no != prev_no + 1 || b.from_seq != prev_seq + 1 {
                return Err(fail("an anchored batch is missing"));
            }
            let anchored = Anchored { batch_no: prev_no, seq: prev_seq, hash: prev_head };
            if check_continuation(&anchored, b.batch_no, &events).is_err()
                || batch_digest(&events).as_slice() != b.digest.as_slice()
                || rc.digest != hex::encode(&b.digest)
                || events.last().map(|e| e.hash.as_str()) != Some(rc.head_hash.as_str())
            {
                return Err(fail("the stored events of an anchored batch were changed"));
            }
            out.batches += 1;
            last = Some(b);
        }
        Ok(out)
    }
}

fn revoked() -> ServiceError {
    Invalid::new("device", "This device was revoked: what it sent is kept for review and not applied.").into()
}

impl Services {
    /// On the hub: a device's anchored events, newest first (its administrators and user).
    pub async fn device_audit(
        &self,
        caller: &crate::Caller,
        device: DeviceId,
        action_prefix: Option<&str>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Event>> {
        self.administered_device(caller, device).await?;
        let mut events = store::recent_device_events(&self.db, device.0, before, limit).await?;
        if let Some(p) = action_prefix {
            events.retain(|e| e.action.starts_with(p));
        }
        Ok(events)
    }

    /// On the hub: what revoked devices sent, kept for review (an administrator's
    /// organisation's; everything for a system administrator).
    pub async fn quarantined(&self, caller: &crate::Caller) -> Result<Vec<store::QuarantineRow>> {
        Ok(store::quarantined(&self.db, admin_org(caller)?).await?)
    }

    /// On the hub: cases waiting for new data keys because a device that held them was revoked.
    pub async fn pending_rekeys(&self, caller: &crate::Caller) -> Result<Vec<dtz_store::sync::keyring::RekeyRow>> {
        Ok(dtz_store::sync::keyring::pending_rekeys(&self.db, admin_org(caller)?).await?)
    }
}

/// The organisation whose lists an administrator sees (none: all, for a system administrator).
pub(crate) fn admin_org(caller: &crate::Caller) -> Result<Option<Uuid>> {
    if caller.is_system_admin() {
        return Ok(None);
    }
    match caller.org() {
        Some(o) if caller.administers(o) => Ok(Some(o.0)),
        _ => Err(ServiceError::Forbidden),
    }
}
