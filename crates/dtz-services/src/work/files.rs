//! Evidence files of work records, in the one store of files (`dtz_store::files`): a
//! stage of a policy instrument (entity `policy_stage`), and a company's year of The Code
//! (entity `company_year`, one part per criterion). Whoever may see the record may
//! download them (audited: they may show people); whoever may change it attaches and
//! removes them. Prosecutions take no files: nothing that could identify a child.

use super::stages::RecordKind;
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::files::{self, FileKind};
use dtz_domain::ids::OrgId;
use dtz_domain::validate::Invalid;
use dtz_domain::work::company::Criterion;
use dtz_store::audit::NewEvent;
use dtz_store::files::{self as store, LinkedFile, NewFile, Opener};
use dtz_store::work::companies;
use dtz_store::work::stages::{self, StageTable};
use time::OffsetDateTime;
use uuid::Uuid;

/// Entity kind of a policy instrument's stage entry.
pub const POLICY_STAGE: &str = "policy_stage";
/// Entity kind of a company's year of The Code.
pub const COMPANY_YEAR: &str = "company_year";

/// What a file is attached to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileTarget {
    /// A stage entry of a policy instrument.
    PolicyStage {
        /// The stage entry.
        stage: Uuid,
    },
    /// One criterion of a company's year.
    CompanyYear {
        /// The year row.
        year: Uuid,
        /// The criterion.
        criterion: Criterion,
    },
}

/// A file attached to a work record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkFile {
    /// File id.
    pub id: Uuid,
    /// Entity kind it is attached to.
    pub entity: String,
    /// The stage entry or year.
    pub entity_id: Uuid,
    /// The criterion (company years).
    pub criterion: Option<Criterion>,
    /// File name.
    pub name: String,
    /// Kind, decided from the content.
    pub kind: Option<FileKind>,
    /// Media type as stored.
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
    /// When it was attached.
    pub created_at: OffsetDateTime,
}

impl Services {
    async fn work_files_of(&self, rows: Vec<LinkedFile>) -> Result<Vec<WorkFile>> {
        let mut opener = Opener::new(&self.db, &self.keys);
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(WorkFile {
                id: r.file.id,
                name: opener.name(&r.file).await?,
                kind: FileKind::from_content_type(&r.file.content_type),
                criterion: r.subject_id.and_then(Criterion::of_subject),
                entity: r.entity,
                entity_id: r.entity_id,
                content_type: r.file.content_type,
                size: r.file.size,
                created_at: r.file.created_at,
            });
        }
        Ok(out)
    }

    /// Files attached to stage entries or years the caller has read (one query).
    pub async fn work_files(&self, entity: &'static str, ids: &[Uuid]) -> Result<Vec<WorkFile>> {
        self.work_files_of(store::attached(&self.db, entity, ids).await?).await
    }

    /// The record a target hangs off, with its organisation and whether the caller may
    /// change it; `NotFound` outside the caller's scope.
    async fn target_record(&self, caller: &Caller, entity: &str, id: Uuid) -> Result<(RecordKind, Uuid, Uuid, bool)> {
        let (kind, record) = match entity {
            POLICY_STAGE => (RecordKind::Policy, stages::by_id(&self.db, StageTable::Policy, id).await?.record_id),
            COMPANY_YEAR => (RecordKind::Company, companies::year_by_id(&self.db, id).await?.company_id),
            _ => return Err(ServiceError::NotFound),
        };
        let (org, _, may) = self.record_place(caller, kind, record).await?;
        Ok((kind, record, org, may))
    }

    /// Attach a file to a stage entry or to a criterion of a company's year.
    pub async fn attach_work_file(
        &self,
        caller: &Caller,
        target: FileTarget,
        name: &str,
        bytes: &[u8],
    ) -> Result<WorkFile> {
        let (entity, entity_id, subject) = match target {
            FileTarget::PolicyStage { stage } => (POLICY_STAGE, stage, None),
            FileTarget::CompanyYear { year, criterion } => (COMPANY_YEAR, year, Some(criterion.subject_id())),
        };
        let (_, _, org, may) = self.target_record(caller, entity, entity_id).await?;
        if !may {
            return Err(ServiceError::Forbidden);
        }
        let name = files::file_name("file", name)?;
        files::check_size("file", bytes.len())?;
        let kind = dtz_formats::sniff::sniff(&name, bytes).ok_or_else(|| Invalid::new("file", files::REFUSED_KIND))?;
        let id = Uuid::new_v4();
        let new = NewFile {
            id,
            org: OrgId(org),
            name: &name,
            content_type: kind.content_type(),
            content: bytes,
            by: caller.user(),
        };
        let sealed = store::seal(&self.db, &self.keys, &new).await?;
        let mut tx = self.db.begin().await?;
        store::insert(&mut tx, &sealed, entity, entity_id, subject, self.clock.now()).await?;
        let event = file_event(
            caller,
            "work.file.attach",
            id,
            1,
            &[entity, "name", "content_type", "size", "sha256", "content"],
            org,
        );
        self.finish(tx, &[event]).await?;
        let row = dtz_store::work::linked_file(&self.db, &[entity], id).await?.ok_or(ServiceError::NotFound)?;
        self.work_files_of(vec![row]).await?.pop().ok_or(ServiceError::NotFound)
    }

    async fn visible_work_file(
        &self,
        caller: &Caller,
        file: Uuid,
    ) -> Result<(LinkedFile, RecordKind, Uuid, Uuid, bool)> {
        let f = dtz_store::work::linked_file(&self.db, &[POLICY_STAGE, COMPANY_YEAR], file)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let (kind, record, org, may) = self.target_record(caller, &f.entity.clone(), f.entity_id).await?;
        Ok((f, kind, record, org, may))
    }

    /// A file of a work record the caller may see, without its content, and the record
    /// it belongs to.
    pub async fn work_file_item(&self, caller: &Caller, file: Uuid) -> Result<(WorkFile, RecordKind, Uuid)> {
        let (f, kind, record, _, _) = self.visible_work_file(caller, file).await?;
        let item = self.work_files_of(vec![f]).await?.pop().ok_or(ServiceError::NotFound)?;
        Ok((item, kind, record))
    }

    /// A file of a work record with its content; the reading is audited.
    pub async fn work_file(&self, caller: &Caller, file: Uuid) -> Result<(WorkFile, Vec<u8>)> {
        let (f, _, _, org, _) = self.visible_work_file(caller, file).await?;
        let sealed = store::content(&self.db, file).await?;
        let content = Opener::new(&self.db, &self.keys).content(&f.file, &sealed).await?;
        let version = f.file.version;
        let item = self.work_files_of(vec![f]).await?.pop().ok_or(ServiceError::NotFound)?;
        let tx = self.db.begin().await?;
        self.finish(tx, &[file_event(caller, "work.file.read", file, version, &["content"], org)]).await?;
        Ok((item, content))
    }

    /// Remove a file (whoever may change the record): its key and content are erased.
    pub async fn remove_work_file(&self, caller: &Caller, file: Uuid) -> Result<(RecordKind, Uuid)> {
        let (_, kind, record, org, may) = self.visible_work_file(caller, file).await?;
        if !may {
            return Err(ServiceError::Forbidden);
        }
        let mut tx = self.db.begin().await?;
        let version = store::remove(&mut tx, file, caller.user(), self.clock.now()).await?;
        let fields = ["deleted_at", "data_key", "name", "content"];
        self.finish(tx, &[file_event(caller, "work.file.remove", file, version, &fields, org)]).await?;
        Ok((kind, record))
    }
}

fn file_event(caller: &Caller, action: &str, file: Uuid, version: i64, fields: &[&str], org: Uuid) -> NewEvent {
    NewEvent {
        actor_user: caller.user(),
        actor_org: caller.org(),
        action: action.into(),
        entity: "file".into(),
        entity_id: Some(file),
        entity_version: Some(version),
        fields: fields.iter().map(|s| (*s).to_owned()).collect(),
        org: Some(OrgId(org)),
    }
}
