//! Vocabularies as data (DESIGN §4): the lists people choose from — signal categories,
//! service types, referral outcomes, court stages, protection steps, activity types,
//! offence types — configured per programme or country, with translations.

use crate::validate::Invalid;

/// A vocabulary dtz knows: its name and what it is for (English; pages translate the
/// name through Fluent as `vocab-<name>`).
pub const VOCABULARIES: &[(&str, &str)] = &[
    ("signal_category", "What a report of suspected exploitation is about"),
    ("service_type", "Services a provider offers: shelter, medical care, legal aid, …"),
    ("referral_outcome", "How a referral ended"),
    ("protection_step", "Legal and child-protection steps in a case: police report, court hearing, …"),
    ("court_stage", "Stages of a prosecution, per legal system"),
    ("offence_type", "Offences prosecuted"),
    ("activity_type", "Kinds of activities: training, awareness event, campaign, lobby meeting, …"),
    (
        "instrument_kind",
        "Kinds of policy instruments: law, policy, action plan, protocol, budget allocation, referral mechanism",
    ),
];

/// Check a vocabulary name.
pub fn vocabulary(field: &str, s: &str) -> Result<&'static str, Invalid> {
    VOCABULARIES
        .iter()
        .find(|(n, _)| *n == s.trim())
        .map(|(n, _)| *n)
        .ok_or_else(|| Invalid::new(field, "Choose one of the vocabularies listed."))
}

/// A term code: lower-case letters, digits and underscores, 1–60 characters, stable
/// across languages (the labels are what people read).
pub fn term_code(field: &str, s: &str) -> Result<String, Invalid> {
    let s = s.trim();
    let ok = !s.is_empty()
        && s.len() <= 60
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && s.starts_with(|c: char| c.is_ascii_lowercase());
    if ok {
        Ok(s.to_owned())
    } else {
        Err(Invalid::new(field, "Use lower-case letters, digits and _ (start with a letter), at most 60."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_identifiers() {
        assert!(term_code("c", "legal_aid").is_ok());
        for bad in ["", "Legal aid", "1st", "a-b", &"x".repeat(61)] {
            assert!(term_code("c", bad).is_err(), "{bad}");
        }
        assert!(vocabulary("v", "service_type").is_ok());
        assert!(vocabulary("v", "nope").is_err());
    }
}
