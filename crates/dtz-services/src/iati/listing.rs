//! The list of imported IATI activities for the pages, by the results-reading rules of
//! programmes (need to know): whoever reads every result (the operator, the alliance M&E
//! lead, donors) sees every imported activity; a country coordinator those with a
//! recipient country of theirs; an M&E officer or case supervisor those their
//! organisation (by its IATI identifier) reports or takes part in, within the country of
//! the grant when it has one. Imported activities carry no organisation × country rows,
//! so the caller's scope is applied here, in memory, to what the activity itself names.
//! Anyone whose results scope is empty, or who asks for a programme none of whose
//! activities they may see, gets a 404.

use super::imports::Header;
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::{Area, Grant, Scope};
use dtz_domain::org::CountryCode;
use dtz_store::iati_imports as store;
use time::OffsetDateTime;

/// One imported activity as the list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedActivity {
    /// `iati-identifier`.
    pub identifier: String,
    /// Title.
    pub title: String,
    /// The programme it belongs to (a programme code).
    pub programme: String,
    /// Hierarchy (1: a parent activity).
    pub hierarchy: i64,
    /// Reporting organisation's name, if given.
    pub publisher: Option<String>,
    /// Reporting organisation's IATI identifier, if given.
    pub publisher_ref: Option<String>,
    /// Recipient countries.
    pub countries: Vec<String>,
    /// When it was imported.
    pub imported_at: OffsetDateTime,
}

impl ImportedActivity {
    /// Whether it is its programme's parent activity (the programme's code is its own).
    pub fn programme_is_own(&self) -> bool {
        self.programme == self.identifier
    }
}

/// Whether `scope` admits an activity reported or joined by `refs` in `countries`.
fn admits(
    scope: &Scope,
    org_refs: &[(dtz_domain::ids::OrgId, String)],
    refs: &[&str],
    countries: &[CountryCode],
) -> bool {
    scope.grants().iter().any(|g| match g {
        Grant::All => true,
        Grant::Country(c) => countries.contains(c),
        Grant::Org { org, country } => {
            org_refs.iter().any(|(o, r)| o == org && refs.contains(&r.as_str()))
                && country.is_none_or(|c| countries.contains(&c))
        }
        _ => false,
    })
}

impl Services {
    /// The imported activities the caller may see (of one programme, or all), in
    /// programme and file order; see the module comment for who sees what.
    pub async fn imported_iati_list(&self, caller: &Caller, programme: Option<&str>) -> Result<Vec<ImportedActivity>> {
        let scope = caller.scope(Area::Results);
        if scope.grants().is_empty() {
            return Err(ServiceError::NotFound);
        }
        let orgs = self.orgs(&Caller::System).await?;
        let org_refs: Vec<_> =
            orgs.iter().filter_map(|o| Some((dtz_domain::ids::OrgId(o.id), o.iati_id.clone()?))).collect();
        let mut out = Vec::new();
        for a in store::activities(&self.db, programme).await? {
            let h: Header = serde_json::from_str(&a.body).map_err(|e| super::internal(&e))?;
            let countries: Vec<CountryCode> =
                h.countries.iter().filter_map(|(c, _)| CountryCode::parse("country", c).ok()).collect();
            let mut refs: Vec<&str> = a.reporting_ref.iter().map(String::as_str).collect();
            refs.extend(h.participants.iter().filter_map(|p| p.org.reference.as_deref()));
            if !admits(&scope, &org_refs, &refs, &countries) {
                continue;
            }
            out.push(ImportedActivity {
                identifier: a.identifier,
                title: a.title,
                programme: a.programme,
                hierarchy: a.hierarchy,
                publisher: a.reporting_name,
                publisher_ref: a.reporting_ref,
                countries: countries.iter().map(|c| c.as_str().to_owned()).collect(),
                imported_at: a.imported_at,
            });
        }
        if programme.is_some() && out.is_empty() {
            return Err(ServiceError::NotFound);
        }
        Ok(out)
    }
}
