//! Review of the quarantine (issue 9): what a revoked device sent after its revocation is
//! kept, never applied (`Services::quarantine`); an administrator of the device's
//! organisation (a system administrator: any) marks each item reviewed with a note. The
//! note is sealed under a data key of its own, wrapped under the organisation's key (an
//! administrator may describe what the item held); the audit event names the fields only.

use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::ids::OrgId;
use dtz_domain::validate::Invalid;
use dtz_store::audit::NewEvent;
use dtz_store::sealed::{self, Place};
use dtz_store::sync::anchor::QuarantineRow;
use dtz_store::sync::quarantine as store;
use uuid::Uuid;

/// Longest review note.
pub const NOTE_MAX: usize = 1000;

/// An item of the quarantine as a reviewer sees it.
#[derive(Clone, Debug)]
pub struct QuarantineItem {
    /// The stored row.
    pub row: QuarantineRow,
    /// Size of what the device sent, in bytes.
    pub size: usize,
    /// The review note, opened.
    pub note: Option<String>,
}

fn place(id: Uuid) -> Place {
    Place { table: "sync_quarantine", row: id }
}

impl Services {
    /// The quarantine with its review state (an administrator's organisations; all for a
    /// system administrator; others are refused).
    pub async fn quarantine_items(&self, caller: &Caller) -> Result<Vec<QuarantineItem>> {
        let rows = self.quarantined(caller).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let note = self.review_note(&row).await?;
            out.push(QuarantineItem { size: row.payload.len(), note, row });
        }
        Ok(out)
    }

    async fn review_note(&self, row: &QuarantineRow) -> Result<Option<String>> {
        let (Some(k), Some(n)) = (&row.review_key, &row.review_note) else { return Ok(None) };
        let key = sealed::open_data_key(&self.db, &self.keys, OrgId(row.org_id), place(row.id), k).await?;
        Ok(Some(String::from_utf8_lossy(&key.open("review_note", n)?).into_owned()))
    }

    /// Mark an item reviewed with a note, audited (`device.quarantine.review`). An item
    /// outside the caller's administration is not found.
    pub async fn review_quarantine(&self, caller: &Caller, id: Uuid, note: &str) -> Result<()> {
        let note = note.trim();
        let row = store::item(&self.db, id).await?.ok_or(ServiceError::NotFound)?;
        let org = OrgId(row.org_id);
        let user = caller.user().ok_or(ServiceError::NotFound)?;
        if !(caller.is_system_admin() || (caller.org() == Some(org) && caller.administers(org))) {
            return Err(ServiceError::NotFound);
        }
        if note.is_empty() || note.chars().count() > NOTE_MAX {
            return Err(Invalid::new(
                "note",
                "Write what you found and what you decided, in at most a thousand characters.",
            )
            .into());
        }
        if row.reviewed_at.is_some() {
            return Err(Invalid::new("note", "This item was reviewed already.").into());
        }
        let (key, wrapped) = sealed::new_data_key(&self.db, &self.keys, org, place(id)).await?;
        let sealed_note = key.seal("review_note", note.as_bytes())?;
        let mut tx = self.db.begin().await?;
        if !store::mark_reviewed(&mut tx, id, user.0, &wrapped, &sealed_note, self.clock.now()).await? {
            return Err(Invalid::new("note", "This item was reviewed already.").into());
        }
        let ev = NewEvent {
            actor_user: Some(user),
            actor_org: caller.org(),
            action: "device.quarantine.review".into(),
            entity: "sync_quarantine".into(),
            entity_id: Some(id),
            entity_version: Some(2),
            fields: ["reviewed_at", "reviewed_by", "review_note"].map(str::to_owned).to_vec(),
            org: Some(org),
        };
        self.finish(tx, &[ev]).await?;
        Ok(())
    }
}
