//! Programmes and their results frameworks: loaded from a programme file, written back
//! to one, and read by the results pages.

use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::results::Programme;
use dtz_domain::validate::Invalid;
use dtz_store::programmes::{self, ProgrammeRow};
use uuid::Uuid;

/// What loading a programme file (or an edit of its framework) did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loaded {
    /// The programme.
    pub id: Uuid,
    /// Created (true) or updated (false).
    pub created: bool,
    /// Organisation references in the file that match no organisation here.
    pub unresolved: Vec<String>,
    /// The programme's version now.
    pub version: i64,
    /// What changed (`name`, `node:G1`, `indicator:G1.O1.1`, …); empty when nothing did.
    pub changed: Vec<String>,
}

impl Services {
    /// Create or replace a programme and its framework (system administrators and the
    /// alliance M&E lead). Nodes and indicators are matched by code; the rules towards
    /// recorded data hold (see `dtz_domain::results::edit`).
    pub async fn load_programme(&self, caller: &Caller, p: &Programme) -> Result<Loaded> {
        self.save_framework(caller, p, None).await
    }

    pub(crate) async fn unresolved_refs(&self, p: &Programme) -> Result<Vec<String>> {
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
