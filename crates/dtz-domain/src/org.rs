//! Organisations and countries.

use crate::countries::COUNTRIES;
use crate::validate::{self, Invalid, Violations};
use serde::{Deserialize, Serialize};
use std::fmt;

/// An ISO 3166-1 alpha-2 country code known to the IATI Country codelist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// Parse a code such as `BO` (case-insensitive).
    pub fn parse(field: &str, s: &str) -> Result<Self, Invalid> {
        let up = s.trim().to_ascii_uppercase();
        match COUNTRIES.binary_search_by(|(c, _)| (*c).cmp(up.as_str())) {
            Ok(_) => {
                let b = up.as_bytes();
                Ok(Self([b[0], b[1]]))
            }
            Err(_) => Err(Invalid::new(field, "Use a two-letter ISO country code, such as BO or IN.")),
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    /// The English name of the country.
    pub fn name(&self) -> &'static str {
        COUNTRIES.binary_search_by(|(c, _)| (*c).cmp(self.as_str())).map(|i| COUNTRIES[i].1).unwrap_or("")
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for CountryCode {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse("country", &s)
    }
}

impl From<CountryCode> for String {
    fn from(c: CountryCode) -> String {
        c.as_str().to_owned()
    }
}

/// What an organisation is in the programme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// One of the alliance members (Terre des Hommes NL, Plan, …).
    AllianceMember,
    /// A local implementing partner.
    LocalPartner,
    /// A shelter, clinic, legal aid or other service provider.
    ServiceProvider,
    /// The donor (the Ministry).
    Donor,
    /// A government body.
    GovernmentBody,
}

impl OrgKind {
    /// Every kind, in display order.
    pub const ALL: [OrgKind; 5] = [
        OrgKind::AllianceMember,
        OrgKind::LocalPartner,
        OrgKind::ServiceProvider,
        OrgKind::Donor,
        OrgKind::GovernmentBody,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::AllianceMember => "alliance_member",
            OrgKind::LocalPartner => "local_partner",
            OrgKind::ServiceProvider => "service_provider",
            OrgKind::Donor => "donor",
            OrgKind::GovernmentBody => "government_body",
        }
    }

    /// Parse the stored or wire name.
    pub fn parse(field: &str, s: &str) -> Result<Self, Invalid> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim()).ok_or_else(|| {
            Invalid::new(
                field,
                "Choose one of: alliance_member, local_partner, service_provider, donor, government_body.",
            )
        })
    }
}

/// An IATI organisation identifier such as `NL-KVK-41149287`: a registration agency prefix
/// from IATI's OrganisationRegistrationAgency codelist (`NL-KVK`, `XM-DAC`, …) and the
/// number it gave.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IatiOrgId(String);

impl IatiOrgId {
    /// Check IATI's rules (`crate::iati::check_org_id`): a registered agency prefix
    /// (such as `NL-KVK` or `XM-DAC`), a hyphen and the identifier the agency gave, with
    /// none of the characters IATI forbids.
    pub fn parse(field: &str, s: &str) -> Result<Self, Invalid> {
        let s = s.trim();
        crate::iati::check_org_id(field, s)?;
        Ok(Self(s.to_owned()))
    }

    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for IatiOrgId {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse("iati_id", &s)
    }
}

impl From<IatiOrgId> for String {
    fn from(i: IatiOrgId) -> String {
        i.0
    }
}

/// The fields of an organisation that people edit; used to create and, with a version,
/// to update.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OrgFields {
    /// Display name.
    pub name: String,
    /// What it is in the programme.
    pub kind: OrgKind,
    /// IATI organisation identifier, when it has one.
    pub iati_id: Option<IatiOrgId>,
    /// Home country (members are Dutch; partners local).
    pub country: Option<CountryCode>,
    /// Whether the organisation may be named in public data (IATI); withheld partners
    /// appear without name or reference.
    pub publishable: bool,
}

/// Longest organisation name.
pub const ORG_NAME_MAX: usize = 200;

impl OrgFields {
    /// Parse raw input, collecting every problem.
    pub fn parse(
        name: &str,
        kind: &str,
        iati_id: Option<&str>,
        country: Option<&str>,
        publishable: bool,
    ) -> Result<Self, Violations> {
        let mut v = Violations::default();
        let name = v.check(validate::text("name", name, ORG_NAME_MAX));
        let kind = v.check(OrgKind::parse("kind", kind));
        let iati_id = match iati_id.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => v.check(IatiOrgId::parse("iati_id", s).map(Some)),
            None => Some(None),
        };
        let country = match country.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => v.check(CountryCode::parse("country", s).map(Some)),
            None => Some(None),
        };
        match (name, kind, iati_id, country) {
            (Some(name), Some(kind), Some(iati_id), Some(country)) => {
                Ok(Self { name, kind, iati_id, country, publishable })
            }
            _ => Err(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iati_org_ids_of_the_alliance_parse() {
        for id in ["NL-KVK-41149287", "XM-DAC-7", "NL-KVK-56484038"] {
            assert!(IatiOrgId::parse("f", id).is_ok(), "{id}");
        }
        for bad in ["", "NLKVK", "nl-kvk-1", "NL-KVK-", "NL-KVK-1/2", "NL KVK 1", "ZZ-ABC-1", "NL-KVK-1;2"] {
            assert!(IatiOrgId::parse("f", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn country_codes_come_from_the_codelist() {
        assert_eq!(CountryCode::parse("c", "bo").map(|c| c.name()), Ok("Bolivia (Plurinational State of)"));
        assert!(CountryCode::parse("c", "XX").is_err());
        assert!(CountryCode::parse("c", "B").is_err());
    }

    #[test]
    fn organisation_input_reports_every_problem() {
        let e = OrgFields::parse("", "nonsense", Some("bad"), Some("ZZ"), true).err();
        assert_eq!(e.map(|v| v.0.len()), Some(4));
    }
}
