//! A file uploaded on the import page is held between its dry run and the confirmation,
//! in the database (so any `dtz serve` process sharing it can confirm, and a restart
//! loses nothing), for the session that uploaded it and for [`UPLOAD_TTL`]. Confirming
//! reads and checks the file again in full: what was shown in the dry run is never
//! applied unchecked. Each session holds at most one upload; older ones are swept
//! whenever a file is held.

use crate::{Caller, Result, ServiceError, Services};
use dtz_store::audit::NewEvent;
use dtz_store::uploads::{self, UploadRow};
use uuid::Uuid;

/// How long an upload waits for its confirmation.
pub const UPLOAD_TTL: time::Duration = time::Duration::minutes(30);

impl Services {
    /// Hold an uploaded file for the caller's session; returns its id.
    pub async fn hold_upload(
        &self,
        caller: &Caller,
        session_hash: &[u8],
        programme: &str,
        file_name: &str,
        content: Vec<u8>,
    ) -> Result<Uuid> {
        let user = caller.user().ok_or(ServiceError::Forbidden)?;
        let now = self.clock.now();
        let name: String = file_name.chars().filter(|c| !c.is_control()).take(200).collect();
        let row = UploadRow {
            id: Uuid::new_v4(),
            user_id: user.0,
            session_hash: session_hash.to_vec(),
            programme_code: programme.to_owned(),
            file_name: name,
            content,
            created_at: now,
        };
        let mut tx = self.db.begin().await?;
        uploads::sweep(&mut tx, session_hash, now - UPLOAD_TTL).await?;
        uploads::insert(&mut tx, &row).await?;
        let ev = event(caller, "values.upload", row.id, vec!["content".into(), "file_name".into()]);
        self.finish(tx, &[ev]).await?;
        Ok(row.id)
    }

    /// An upload held for the caller's session (not found when it is someone else's, or
    /// older than [`UPLOAD_TTL`]).
    pub async fn held_upload(&self, caller: &Caller, session_hash: &[u8], id: Uuid) -> Result<UploadRow> {
        let user = caller.user().ok_or(ServiceError::NotFound)?;
        let since = self.clock.now() - UPLOAD_TTL;
        uploads::find(&self.db, id, user.0, session_hash, since).await?.ok_or(ServiceError::NotFound)
    }

    /// Drop uploads nobody confirmed within [`UPLOAD_TTL`] (housekeeping, like expired
    /// sessions: not audited).
    pub async fn purge_uploads(&self) -> Result<u64> {
        let mut tx = self.db.begin().await?;
        let n = uploads::purge(&mut tx, self.clock.now() - UPLOAD_TTL).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Let go of a held upload (after it was imported).
    pub async fn drop_upload(&self, caller: &Caller, session_hash: &[u8], id: Uuid) -> Result<()> {
        self.held_upload(caller, session_hash, id).await?;
        let mut tx = self.db.begin().await?;
        if uploads::delete(&mut tx, id).await? {
            self.finish(tx, &[event(caller, "values.upload.drop", id, Vec::new())]).await?;
        }
        Ok(())
    }
}

fn event(caller: &Caller, action: &str, id: Uuid, fields: Vec<String>) -> NewEvent {
    NewEvent {
        actor_user: caller.user(),
        actor_org: caller.org(),
        action: action.into(),
        entity: "import_upload".into(),
        entity_id: Some(id),
        entity_version: None,
        fields,
        org: caller.org(),
    }
}
