//! Programmes and their results frameworks: loaded from a programme file, written back
//! to one, and read by the results pages.

use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::Role;
use dtz_domain::change::Change;
use dtz_domain::results::Programme;
use dtz_domain::validate::Invalid;
use dtz_store::audit::NewEvent;
use dtz_store::programmes::{self, ProgrammeRow};
use serde::Serialize;
use sha2::Digest;
use uuid::Uuid;

/// What loading a programme file did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loaded {
    /// The programme.
    pub id: Uuid,
    /// Created (true) or updated (false).
    pub created: bool,
    /// Organisation references in the file that match no organisation here.
    pub unresolved: Vec<String>,
}

#[derive(Serialize)]
struct ProgrammeAudit<'a> {
    name: &'a str,
    start: time::Date,
    end: time::Date,
    periods: &'a str,
    countries: Vec<String>,
    framework: String,
}

fn audit_view(p: &Programme) -> ProgrammeAudit<'_> {
    let framework = dtz_formats::programme::write(&Programme { countries: Vec::new(), ..p.clone() });
    ProgrammeAudit {
        name: &p.name,
        start: p.start,
        end: p.end,
        periods: p.periods.as_str(),
        countries: p.countries.iter().map(|c| c.country.to_string()).collect(),
        framework: hex::encode(sha2::Sha256::digest(framework.as_bytes())),
    }
}

impl Services {
    fn may_edit_frameworks(caller: &Caller) -> bool {
        match caller {
            Caller::System => true,
            Caller::User(a) => a.is_system_admin() || a.has_role(Role::AllianceManager),
        }
    }

    /// Create or replace a programme and its framework (system administrators and the
    /// alliance M&E lead). Nodes and indicators are matched by code.
    pub async fn load_programme(&self, caller: &Caller, p: &Programme) -> Result<Loaded> {
        if !Self::may_edit_frameworks(caller) {
            return Err(ServiceError::Forbidden);
        }
        let problems = p.check();
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(dtz_domain::validate::Violations(problems)));
        }
        let now = self.clock.now();
        let existing = programmes::by_code(&self.db, &p.code).await?;
        let mut tx = self.db.begin().await?;
        let (id, created, event) = match existing {
            None => {
                let id = Uuid::new_v4();
                programmes::insert(&mut tx, id, p, now).await?;
                (id, true, Change::create("programme", id, &audit_view(p)))
            }
            Some(row) => {
                let before = programmes::programme(&self.db, &row).await?;
                self.written(programmes::update(&mut tx, row.id, row.version, p, now).await, row.id).await?;
                (row.id, false, Change::update("programme", row.id, row.version, &audit_view(&before), &audit_view(p)))
            }
        };
        let action = if created { "programme.create" } else { "programme.update" };
        let ev = NewEvent { entity_version: Some(event.new_version()), ..caller.event(action, &event, None) };
        self.finish(tx, &[ev]).await?;
        let unresolved = self.unresolved_refs(p).await?;
        Ok(Loaded { id, created, unresolved })
    }

    async fn unresolved_refs(&self, p: &Programme) -> Result<Vec<String>> {
        let orgs = self.orgs(&Caller::System).await?;
        let known = |r: &str| orgs.iter().any(|o| o.name == r || o.iati_id.as_deref() == Some(r));
        let mut refs: Vec<String> = p
            .donor
            .iter()
            .chain(p.lead.iter())
            .chain(p.countries.iter().flat_map(|c| c.lead.iter().chain(c.implementers.iter())))
            .filter(|r| !known(r))
            .cloned()
            .collect();
        refs.sort();
        refs.dedup();
        Ok(refs)
    }

    /// Every programme (reference data: every signed-in user may read them).
    pub async fn programmes(&self) -> Result<Vec<ProgrammeRow>> {
        Ok(programmes::list(&self.db).await?)
    }

    /// A programme with its framework, by code.
    pub async fn programme(&self, code: &str) -> Result<(ProgrammeRow, Programme)> {
        let row = programmes::by_code(&self.db, code.trim()).await?.ok_or(ServiceError::NotFound)?;
        let p = programmes::programme(&self.db, &row).await?;
        Ok((row, p))
    }

    /// Parse a programme file, with every problem as a field error carrying its line.
    pub fn parse_programme(text: &str) -> Result<Programme> {
        dtz_formats::programme::parse(text).map_err(|e| {
            ServiceError::Invalid(dtz_domain::validate::Violations(
                e.0.into_iter().map(|p| Invalid::new(format!("line {}: {}", p.line, p.field), p.reason)).collect(),
            ))
        })
    }
}
