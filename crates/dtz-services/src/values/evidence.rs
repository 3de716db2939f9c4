//! Evidence: files attached to an indicator of a report (attendance lists, photos of an
//! event, minutes). Whoever may see the report may download its evidence; whoever enters
//! its values (the organisation's M&E officer) may attach and remove while the report is
//! a draft or returned. Once submitted or approved, evidence is frozen with the values.
//! Files are sealed with their own key (`dtz_store::files`); the audit names files and
//! fields, never names or contents.

use super::{ReportKey, ReportView, actor, may_enter};
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::{Area, Role};
use dtz_domain::files::{self, FileKind};
use dtz_domain::ids::OrgId;
use dtz_domain::results::ReportStatus;
use dtz_domain::validate::Invalid;
use dtz_store::audit::NewEvent;
use dtz_store::files::{self as store, LinkedFile, NewFile, Opener};
use dtz_store::values;
use time::OffsetDateTime;
use uuid::Uuid;

const FROZEN: &str =
    "This report is submitted or approved; evidence can be attached or removed only after it is returned or reopened.";

/// One evidence file as people and programs see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    /// File id.
    pub id: Uuid,
    /// The report.
    pub report: Uuid,
    /// The indicator it supports.
    pub indicator: Uuid,
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

/// Donors (and administrators without a results role) read aggregated results only,
/// never a partner's report, so never its evidence either.
fn reads_reports(caller: &Caller) -> bool {
    actor(caller).is_none_or(|a| a.roles.iter().any(|r| !matches!(r.role, Role::Donor | Role::Administrator)))
}

impl Services {
    async fn evidence_of(&self, rows: Vec<LinkedFile>) -> Result<Vec<Evidence>> {
        let mut opener = Opener::new(&self.db, &self.keys);
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(Evidence {
                id: r.file.id,
                report: r.entity_id,
                indicator: r.subject_id.unwrap_or_default(),
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

    /// The evidence of a report read with [`Services::report`] or
    /// [`Services::report_by_id`] (which checked the caller may see it), in one query.
    pub async fn evidence(&self, view: &ReportView) -> Result<Vec<Evidence>> {
        match &view.report {
            Some(r) => self.evidence_of(store::attached(&self.db, store::REPORT, &[r.id]).await?).await,
            None => Ok(Vec::new()),
        }
    }

    /// The key of a report the caller may see.
    pub async fn report_key(&self, caller: &Caller, id: Uuid) -> Result<ReportKey> {
        let view = self.report_by_id(caller, id).await?;
        let r = view.report.ok_or(ServiceError::NotFound)?;
        Ok(ReportKey { programme: view.programme.code, org: OrgId(r.org_id), country: r.country, period: r.period })
    }

    /// Attach a file to an indicator of a report (a draft report is started when there is
    /// none yet). The file's kind is decided from its bytes; its size is limited.
    pub async fn attach_evidence(
        &self,
        caller: &Caller,
        key: &ReportKey,
        indicator: &str,
        name: &str,
        bytes: &[u8],
    ) -> Result<Evidence> {
        let (programme, _, country, period) = self.key_parts(key).await?;
        let row = dtz_domain::access::ScopeRow { org: Some(key.org), country: Some(country), ..Default::default() };
        if !caller.scope(Area::Results).admits(&row) || !reads_reports(caller) {
            return Err(ServiceError::NotFound);
        }
        if !may_enter(caller, key.org, country.as_str()) {
            return Err(ServiceError::Forbidden);
        }
        let indicators = dtz_store::programmes::indicators(&self.db, programme.id).await?;
        let Some(ind) = indicators.iter().find(|i| i.code == indicator.trim()) else {
            return Err(Invalid::new(
                "indicator",
                format!("There is no indicator “{}” in this programme.", indicator.trim()),
            )
            .into());
        };
        let name = files::file_name("file", name)?;
        files::check_size("file", bytes.len())?;
        let kind = dtz_formats::sniff::sniff(&name, bytes).ok_or_else(|| Invalid::new("file", files::REFUSED_KIND))?;
        let id = Uuid::new_v4();
        let new = NewFile {
            id,
            org: key.org,
            name: &name,
            content_type: kind.content_type(),
            content: bytes,
            by: caller.user(),
        };
        let sealed = store::seal(&self.db, &self.keys, &new).await?;
        let mut tx = self.db.begin().await?;
        let report = self.open_report(&mut tx, programme.id, key.org, country.as_str(), &period.to_string()).await?;
        let status = store::report_status_locked(&mut tx, report.id).await?.ok_or(ServiceError::NotFound)?;
        if !ReportStatus::parse(&status).is_some_and(ReportStatus::editable) {
            return Err(Invalid::new("file", FROZEN).into());
        }
        let now = self.clock.now();
        store::insert(&mut tx, &sealed, store::REPORT, report.id, Some(ind.id), now).await?;
        let event = NewEvent {
            actor_user: caller.user(),
            actor_org: caller.org(),
            action: "evidence.attach".into(),
            entity: "file".into(),
            entity_id: Some(id),
            entity_version: Some(1),
            fields: ["report", "indicator", "name", "content_type", "size", "sha256", "content"]
                .map(String::from)
                .to_vec(),
            org: Some(key.org),
        };
        self.finish(tx, &[event]).await?;
        Ok(Evidence {
            id,
            report: report.id,
            indicator: ind.id,
            name,
            kind: Some(kind),
            content_type: kind.content_type().to_owned(),
            size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            sha256: hex::encode(sealed.sha256()),
            created_at: now,
        })
    }

    /// An evidence file the caller may see, with the report it belongs to.
    async fn visible_evidence(&self, caller: &Caller, file: Uuid) -> Result<(LinkedFile, values::ReportRow)> {
        if !reads_reports(caller) {
            return Err(ServiceError::NotFound);
        }
        let scope = caller.scope(Area::Results);
        let f = store::get_via_report(&self.db, &scope, file).await?.ok_or(ServiceError::NotFound)?;
        let report = values::get(&self.db, &scope, f.entity_id).await?;
        Ok((f, report))
    }

    /// One evidence file with its content, for whoever may see its report. The reading
    /// is audited (the file may show children).
    pub async fn evidence_file(&self, caller: &Caller, file: Uuid) -> Result<(Evidence, Vec<u8>)> {
        let (f, report) = self.visible_evidence(caller, file).await?;
        let sealed = store::content(&self.db, file).await?;
        let content = Opener::new(&self.db, &self.keys).content(&f.file, &sealed).await?;
        let version = f.file.version;
        let item = self.evidence_of(vec![f]).await?.pop().ok_or(ServiceError::NotFound)?;
        let tx = self.db.begin().await?;
        let event = NewEvent {
            actor_user: caller.user(),
            actor_org: caller.org(),
            action: "evidence.read".into(),
            entity: "file".into(),
            entity_id: Some(file),
            entity_version: Some(version),
            fields: vec!["content".into()],
            org: Some(OrgId(report.org_id)),
        };
        self.finish(tx, &[event]).await?;
        Ok((item, content))
    }

    /// The evidence file itself (without content) and its report, for a confirmation page.
    pub async fn evidence_item(&self, caller: &Caller, file: Uuid) -> Result<(Evidence, values::ReportRow)> {
        let (f, report) = self.visible_evidence(caller, file).await?;
        let item = self.evidence_of(vec![f]).await?.pop().ok_or(ServiceError::NotFound)?;
        Ok((item, report))
    }

    /// Remove an evidence file (the organisation's M&E officer, while the report is a
    /// draft or returned): its key and content are erased; the audit keeps its id.
    pub async fn remove_evidence(&self, caller: &Caller, file: Uuid) -> Result<()> {
        let (_, report) = self.visible_evidence(caller, file).await?;
        if !may_enter(caller, OrgId(report.org_id), &report.country) {
            return Err(ServiceError::Forbidden);
        }
        let mut tx = self.db.begin().await?;
        let status = store::report_status_locked(&mut tx, report.id).await?.ok_or(ServiceError::NotFound)?;
        if !ReportStatus::parse(&status).is_some_and(ReportStatus::editable) {
            return Err(Invalid::new("file", FROZEN).into());
        }
        let version = store::remove(&mut tx, file, caller.user(), self.clock.now()).await?;
        let event = NewEvent {
            actor_user: caller.user(),
            actor_org: caller.org(),
            action: "evidence.remove".into(),
            entity: "file".into(),
            entity_id: Some(file),
            entity_version: Some(version),
            fields: ["deleted_at", "data_key", "name", "content"].map(String::from).to_vec(),
            org: Some(OrgId(report.org_id)),
        };
        self.finish(tx, &[event]).await?;
        Ok(())
    }

    /// Whether the caller may attach and remove evidence of this report (as it stands).
    pub fn may_change_evidence(caller: &Caller, view: &ReportView, org: OrgId, country: &str) -> bool {
        let open =
            view.report.as_ref().is_none_or(|r| ReportStatus::parse(&r.status).is_some_and(ReportStatus::editable));
        open && may_enter(caller, org, country)
    }
}
