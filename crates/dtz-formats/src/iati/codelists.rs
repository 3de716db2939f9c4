//! The IATI codelists dtz checks codes against, read once from the files in `iati/codelists`
//! (compiled in). Withdrawn codes count as unknown.

use quick_xml::Reader;
use quick_xml::events::Event;
use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

/// A codelist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum List {
    /// ActivityDateType.
    ActivityDateType,
    /// ActivityStatus.
    ActivityStatus,
    /// BudgetType.
    BudgetType,
    /// Country.
    Country,
    /// Currency.
    Currency,
    /// DescriptionType.
    DescriptionType,
    /// DocumentCategory.
    DocumentCategory,
    /// IndicatorMeasure.
    IndicatorMeasure,
    /// IndicatorVocabulary.
    IndicatorVocabulary,
    /// Language.
    Language,
    /// OrganisationRegistrationAgency.
    OrganisationRegistrationAgency,
    /// OrganisationRole.
    OrganisationRole,
    /// OrganisationType.
    OrganisationType,
    /// RelatedActivityType.
    RelatedActivityType,
    /// ResultType.
    ResultType,
    /// Sector (DAC 5-digit).
    Sector,
    /// TransactionType.
    TransactionType,
}

impl List {
    /// The codelist's name.
    pub fn name(self) -> &'static str {
        match self {
            List::ActivityDateType => "ActivityDateType",
            List::ActivityStatus => "ActivityStatus",
            List::BudgetType => "BudgetType",
            List::Country => "Country",
            List::Currency => "Currency",
            List::DescriptionType => "DescriptionType",
            List::DocumentCategory => "DocumentCategory",
            List::IndicatorMeasure => "IndicatorMeasure",
            List::IndicatorVocabulary => "IndicatorVocabulary",
            List::Language => "Language",
            List::OrganisationRegistrationAgency => "OrganisationRegistrationAgency",
            List::OrganisationRole => "OrganisationRole",
            List::OrganisationType => "OrganisationType",
            List::RelatedActivityType => "RelatedActivityType",
            List::ResultType => "ResultType",
            List::Sector => "Sector",
            List::TransactionType => "TransactionType",
        }
    }

    fn file(self) -> &'static str {
        match self {
            List::ActivityDateType => include_str!("../../iati/codelists/ActivityDateType.xml"),
            List::ActivityStatus => include_str!("../../iati/codelists/ActivityStatus.xml"),
            List::BudgetType => include_str!("../../iati/codelists/BudgetType.xml"),
            List::Country => include_str!("../../iati/codelists/Country.xml"),
            List::Currency => include_str!("../../iati/codelists/Currency.xml"),
            List::DescriptionType => include_str!("../../iati/codelists/DescriptionType.xml"),
            List::DocumentCategory => include_str!("../../iati/codelists/DocumentCategory.xml"),
            List::IndicatorMeasure => include_str!("../../iati/codelists/IndicatorMeasure.xml"),
            List::IndicatorVocabulary => include_str!("../../iati/codelists/IndicatorVocabulary.xml"),
            List::Language => include_str!("../../iati/codelists/Language.xml"),
            List::OrganisationRegistrationAgency => {
                include_str!("../../iati/codelists/OrganisationRegistrationAgency.xml")
            }
            List::OrganisationRole => include_str!("../../iati/codelists/OrganisationRole.xml"),
            List::OrganisationType => include_str!("../../iati/codelists/OrganisationType.xml"),
            List::RelatedActivityType => include_str!("../../iati/codelists/RelatedActivityType.xml"),
            List::ResultType => include_str!("../../iati/codelists/ResultType.xml"),
            List::Sector => include_str!("../../iati/codelists/Sector.xml"),
            List::TransactionType => include_str!("../../iati/codelists/TransactionType.xml"),
        }
    }

    const ALL: [List; 17] = [
        List::ActivityDateType,
        List::ActivityStatus,
        List::BudgetType,
        List::Country,
        List::Currency,
        List::DescriptionType,
        List::DocumentCategory,
        List::IndicatorMeasure,
        List::IndicatorVocabulary,
        List::Language,
        List::OrganisationRegistrationAgency,
        List::OrganisationRole,
        List::OrganisationType,
        List::RelatedActivityType,
        List::ResultType,
        List::Sector,
        List::TransactionType,
    ];
}

/// The active codes of a codelist file.
fn codes(xml: &str) -> HashSet<String> {
    let mut r = Reader::from_str(xml);
    let mut out = HashSet::new();
    let (mut withdrawn, mut in_code, mut code) = (false, false, String::new());
    loop {
        match r.read_event() {
            Ok(Event::Start(e)) if e.name().as_ref() == "codelist-item" => {
                withdrawn =
                    e.attributes().flatten().any(|a| a.key.as_ref() == "status" && a.value.as_ref() == "withdrawn");
                code.clear();
            }
            Ok(Event::Start(e)) if e.name().as_ref() == "code" => in_code = true,
            Ok(Event::Text(t)) if in_code => {
                code.push_str(&t.xml10_content());
            }
            Ok(Event::End(e)) if e.name().as_ref() == "code" => in_code = false,
            Ok(Event::End(e)) if e.name().as_ref() == "codelist-item" && !withdrawn && !code.trim().is_empty() => {
                out.insert(code.trim().to_owned());
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    out
}

fn all() -> &'static BTreeMap<List, HashSet<String>> {
    static LISTS: OnceLock<BTreeMap<List, HashSet<String>>> = OnceLock::new();
    LISTS.get_or_init(|| List::ALL.iter().map(|l| (*l, codes(l.file()))).collect())
}

/// Whether `code` is an active code of `list`.
pub fn has(list: List, code: &str) -> bool {
    all().get(&list).is_some_and(|s| s.contains(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codelists_read_from_the_vendored_files() {
        assert!(has(List::Sector, "15160"));
        assert!(!has(List::Sector, "15161"));
        assert!(has(List::Country, "BO") && !has(List::Country, "XX"));
        assert!(has(List::Currency, "EUR"));
        assert!(has(List::Language, "es"));
        assert!(has(List::OrganisationType, "21") && !has(List::OrganisationType, "20"));
        assert!(has(List::DocumentCategory, "A08"));
        assert!(has(List::OrganisationRegistrationAgency, "NL-KVK"));
        for l in List::ALL {
            assert!(all().get(&l).is_some_and(|s| !s.is_empty()), "{}", l.name());
        }
    }
}
