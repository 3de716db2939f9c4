//! IATI publishing rules that hold whatever the file format: the shape of identifiers
//! (checked when they are entered, not only at export), a programme's IATI settings, and
//! who publishes which activity ([`publishing`]).

pub mod agencies;
pub mod merge;
pub mod publishing;
mod settings;

pub use settings::{DocumentLink, IatiSettings, Layout, PublisherSettings, SectorShare};

use crate::validate::Invalid;

/// Characters IATI forbids in identifiers (`/ & | ?`), and those that break them in URLs,
/// CSV files and file names (`; # % \ " '` and `< >`).
pub const FORBIDDEN: &[char] = &['/', '&', '|', '?', ';', '#', '%', '\\', '"', '\'', '<', '>'];

/// Longest identifier accepted.
pub const ID_MAX: usize = 150;

/// The registration agency an identifier starts with (the longest code of the
/// OrganisationRegistrationAgency codelist followed by a hyphen and something more).
pub fn agency_of(id: &str) -> Option<&'static str> {
    agencies::AGENCIES
        .iter()
        .filter(|a| id.len() > a.len() + 1 && id.starts_with(**a) && id.as_bytes().get(a.len()) == Some(&b'-'))
        .max_by_key(|a| a.len())
        .copied()
}

/// Whether an organisation reference (a name or an IATI identifier) looks like an IATI
/// organisation identifier: a registered agency prefix, a hyphen and more.
pub fn looks_like_org_id(reference: &str) -> bool {
    agency_of(reference).is_some() && !reference.contains(char::is_whitespace)
}

fn characters(field: &str, s: &str) -> Result<(), Invalid> {
    if s.is_empty() || s.chars().count() > ID_MAX {
        return Err(Invalid::new(field, format!("Use an identifier of 1 to {ID_MAX} characters.")));
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control() || FORBIDDEN.contains(&c)) {
        return Err(Invalid::new(
            field,
            "An IATI identifier has no spaces and none of the characters / & | ? ; # % \\ \" ' < >.",
        ));
    }
    Ok(())
}

/// Check an IATI organisation identifier: no forbidden characters, and a registered
/// agency prefix (such as `NL-KVK` or `XM-DAC`) followed by a hyphen and the identifier
/// the agency gave.
pub fn check_org_id(field: &str, s: &str) -> Result<(), Invalid> {
    characters(field, s)?;
    if agency_of(s).is_none() {
        return Err(Invalid::new(
            field,
            "Start with the prefix of a registration agency on IATI's list, such as NL-KVK or XM-DAC, then a hyphen and the number it gave.",
        ));
    }
    Ok(())
}

/// Check an IATI activity identifier reported by the organisation `reporting` (its IATI
/// identifier, when known): no forbidden characters, it begins with the reporting
/// organisation's identifier and a hyphen, and it is not that identifier itself.
pub fn check_activity_id(field: &str, s: &str, reporting: Option<&str>) -> Result<(), Invalid> {
    characters(field, s)?;
    match reporting {
        Some(org) if s == org => {
            Err(Invalid::new(field, "The activity identifier must differ from the organisation identifier."))
        }
        Some(org) if !(s.starts_with(org) && s.as_bytes().get(org.len()) == Some(&b'-')) => Err(Invalid::new(
            field,
            format!("Begin the activity identifier with the reporting organisation's identifier “{org}” and a hyphen."),
        )),
        Some(_) => Ok(()),
        None if agency_of(s).is_none() => Err(Invalid::new(
            field,
            "Begin the activity identifier with the reporting organisation's IATI identifier and a hyphen.",
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agency_prefixes_come_from_the_codelist() {
        assert_eq!(agency_of("NL-KVK-41149287"), Some("NL-KVK"));
        assert_eq!(agency_of("XM-DAC-7"), Some("XM-DAC"));
        assert_eq!(agency_of("CA_AB-ABT-123"), Some("CA_AB-ABT"));
        assert_eq!(agency_of("NL-KVK-"), None);
        assert_eq!(agency_of("NL-KVK"), None);
        assert_eq!(agency_of("ZZ-NOPE-1"), None);
        assert!(agencies::AGENCIES.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
    }

    #[test]
    fn organisation_ids_need_a_registered_prefix_and_no_forbidden_characters() {
        for ok in ["NL-KVK-41149287", "XM-DAC-7", "GB-CHC-1076235"] {
            assert_eq!(check_org_id("f", ok), Ok(()), "{ok}");
        }
        for bad in ["", "NL-KVK-1/2", "NL-KVK-1 2", "ZZ-ABC-1", "nl-kvk-1", "NL-KVK-1;2", "41149287"] {
            assert!(check_org_id("f", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn activity_ids_begin_with_the_reporting_organisation() {
        let org = Some("NL-KVK-41149287");
        assert_eq!(check_activity_id("f", "NL-KVK-41149287-DTZ", org), Ok(()));
        assert!(check_activity_id("f", "NL-KVK-41149287", org).is_err());
        assert!(check_activity_id("f", "NL-KVK-411492870-DTZ", org).is_err());
        assert!(check_activity_id("f", "NL-KVK-56484038-DTZ", org).is_err());
        assert!(check_activity_id("f", "NL-KVK-41149287-DTZ?x", org).is_err());
        assert_eq!(check_activity_id("f", "NL-KVK-1-DTZ", None), Ok(()));
        assert!(check_activity_id("f", "DTZ-1", None).is_err());
    }
}
