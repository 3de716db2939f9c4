//! Evidence of activities: attendance lists, photos, minutes, media clippings. Whoever
//! may see an activity may list and download its files (and the reading is audited: they
//! may show children); its organisation's M&E officer attaches and removes them. The
//! files are sealed like every file (`dtz_store::files`); an activity stays editable
//! after its report is approved (the report's figures are frozen, not the activity), so
//! its evidence does too.

use super::{Activity, may_record};
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::activity::ActivityId;
use dtz_domain::files::{self, FileKind};
use dtz_domain::validate::Invalid;
use dtz_store::activities::{self as store, ENTITY};
use dtz_store::audit::NewEvent;
use dtz_store::files::{self as fstore, LinkedFile, NewFile, Opener};
use time::OffsetDateTime;
use uuid::Uuid;

/// A file attached to an activity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityFile {
    /// File id.
    pub id: Uuid,
    /// The activity.
    pub activity: Uuid,
    /// File name.
    pub name: String,
    /// Kind, decided from the content.
    pub kind: Option<FileKind>,
    /// Media type as stored.
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    /// When it was attached.
    pub created_at: OffsetDateTime,
}

fn file_event(caller: &Caller, action: &str, id: Uuid, version: i64, fields: &[&str], a: &Activity) -> NewEvent {
    NewEvent {
        actor_user: caller.user(),
        actor_org: caller.org(),
        action: action.into(),
        entity: "file".into(),
        entity_id: Some(id),
        entity_version: Some(version),
        fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        org: Some(a.org()),
    }
}

impl Services {
    async fn activity_files_of(&self, rows: Vec<LinkedFile>) -> Result<Vec<ActivityFile>> {
        let mut opener = Opener::new(&self.db, &self.keys);
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(ActivityFile {
                id: r.file.id,
                activity: r.entity_id,
                name: opener.name(&r.file).await?,
                kind: FileKind::from_content_type(&r.file.content_type),
                content_type: r.file.content_type,
                size: r.file.size,
                sha256: hex::encode(&r.file.sha256),
                created_at: r.file.created_at,
            });
        }
        Ok(out)
    }

    /// The files of an activity read with [`Services::activity`] (which checked the
    /// caller may see it).
    pub async fn activity_files(&self, a: &Activity) -> Result<Vec<ActivityFile>> {
        self.activity_files_of(fstore::attached(&self.db, ENTITY, &[a.row.id]).await?).await
    }

    /// Attach a file to an activity (its organisation's M&E officer). Its kind is decided
    /// from its bytes; its size is limited.
    pub async fn attach_activity_file(
        &self,
        caller: &Caller,
        id: ActivityId,
        name: &str,
        bytes: &[u8],
    ) -> Result<ActivityFile> {
        let a = self.activity(caller, id).await?;
        if !may_record(caller, a.org(), &a.row.country) {
            return Err(ServiceError::Forbidden);
        }
        let name = files::file_name("file", name)?;
        files::check_size("file", bytes.len())?;
        let kind = dtz_formats::sniff::sniff(&name, bytes).ok_or_else(|| Invalid::new("file", files::REFUSED_KIND))?;
        let file = Uuid::new_v4();
        let new = NewFile {
            id: file,
            org: a.org(),
            name: &name,
            content_type: kind.content_type(),
            content: bytes,
            by: caller.user(),
        };
        let sealed = fstore::seal(&self.db, &self.keys, &new).await?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        fstore::insert(&mut tx, &sealed, ENTITY, a.row.id, None, now).await?;
        let fields = ["activity", "name", "content_type", "size", "sha256", "content"];
        self.finish(tx, &[file_event(caller, "activity.file.attach", file, 1, &fields, &a)]).await?;
        Ok(ActivityFile {
            id: file,
            activity: a.row.id,
            name,
            kind: Some(kind),
            content_type: kind.content_type().to_owned(),
            size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            sha256: hex::encode(sealed.sha256()),
            created_at: now,
        })
    }

    /// A file of an activity the caller may see, with the activity.
    pub async fn activity_file_item(&self, caller: &Caller, file: Uuid) -> Result<(ActivityFile, Activity)> {
        if !super::reads_records(caller) {
            return Err(ServiceError::NotFound);
        }
        let scope = caller.scope(dtz_domain::access::Area::Results);
        let f = store::file(&self.db, &scope, file).await?.ok_or(ServiceError::NotFound)?;
        let a = self.activity(caller, ActivityId(f.entity_id)).await?;
        let item = self.activity_files_of(vec![f]).await?.pop().ok_or(ServiceError::NotFound)?;
        Ok((item, a))
    }

    /// A file of an activity with its content; the reading is audited.
    pub async fn activity_file(&self, caller: &Caller, file: Uuid) -> Result<(ActivityFile, Vec<u8>)> {
        if !super::reads_records(caller) {
            return Err(ServiceError::NotFound);
        }
        let scope = caller.scope(dtz_domain::access::Area::Results);
        let f = store::file(&self.db, &scope, file).await?.ok_or(ServiceError::NotFound)?;
        let a = self.activity(caller, ActivityId(f.entity_id)).await?;
        let sealed = fstore::content(&self.db, file).await?;
        let content = Opener::new(&self.db, &self.keys).content(&f.file, &sealed).await?;
        let version = f.file.version;
        let item = self.activity_files_of(vec![f]).await?.pop().ok_or(ServiceError::NotFound)?;
        let tx = self.db.begin().await?;
        self.finish(tx, &[file_event(caller, "activity.file.read", file, version, &["content"], &a)]).await?;
        Ok((item, content))
    }

    /// Remove a file of an activity (its organisation's M&E officer): its key and content
    /// are erased; the audit keeps its id.
    pub async fn remove_activity_file(&self, caller: &Caller, file: Uuid) -> Result<Uuid> {
        let (_, a) = self.activity_file_item(caller, file).await?;
        if !may_record(caller, a.org(), &a.row.country) {
            return Err(ServiceError::Forbidden);
        }
        let mut tx = self.db.begin().await?;
        let version = fstore::remove(&mut tx, file, caller.user(), self.clock.now()).await?;
        let fields = ["deleted_at", "data_key", "name", "content"];
        self.finish(tx, &[file_event(caller, "activity.file.remove", file, version, &fields, &a)]).await?;
        Ok(a.row.id)
    }
}
