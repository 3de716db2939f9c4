//! The service directory (DESIGN §4 "ServiceProvider", issue 5.5): who offers which
//! service to children, where, in which languages, with how many places and how many
//! free now; who may see a provider's street address and who may change what.
//!
//! A provider is a directory entry, optionally linked to the provider's own organisation
//! in dtz (when its staff have accounts). Service types are codes of the `service_type`
//! vocabulary; the services layer checks them against the configured terms.

use crate::access::{Actor, Role};
use crate::country;
use crate::ids::{OrgId, id_type};
use crate::org::CountryCode;
use crate::validate::{self, Invalid, Violations};
use crate::vocab;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

id_type!(
    /// An entry of the service directory.
    ProviderId,
    /// One service of a provider; what a referral points at.
    ProviderServiceId,
);

/// Longest provider name.
pub const NAME_MAX: usize = 200;
/// Longest street address.
pub const ADDRESS_MAX: usize = 500;
/// Longest note on how to refer.
pub const NOTES_MAX: usize = 2000;
/// Longest area name.
pub const AREA_MAX: usize = 100;
/// Most areas of one provider (the message names the number).
pub const AREAS_MAX: usize = 50;
/// Most languages of one provider (the message names the number).
pub const LANGUAGES_MAX: usize = 20;
/// Most places of one service.
pub const PLACES_MAX: i64 = 100_000;

/// Raw input of a provider, as typed in a form or sent to the API.
#[derive(Clone, Debug, Default)]
pub struct ProviderInput {
    /// Name.
    pub name: String,
    /// Country code.
    pub country: String,
    /// The provider's organisation in dtz, when it has accounts.
    pub org: Option<OrgId>,
    /// Whether it accepts referrals.
    pub takes_referrals: bool,
    /// Phone.
    pub phone: String,
    /// E-mail.
    pub email: String,
    /// Street address (sealed at rest, shown only to those who need it).
    pub address: String,
    /// How to refer: hours, what to bring; no personal data.
    pub notes: String,
    /// Areas served (state, province, municipality); none means the whole country.
    pub areas: Vec<String>,
    /// Languages spoken (ISO 639 codes).
    pub languages: Vec<String>,
    /// Services offered: service type code and capacity in places (may be empty).
    pub services: Vec<(String, String)>,
}

/// The fields of a provider people edit, checked. Serialised for the field-level change
/// (the audit keeps only the names).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProviderFields {
    /// Name.
    pub name: String,
    /// Country where it works.
    pub country: CountryCode,
    /// Linked organisation.
    pub org_id: Option<OrgId>,
    /// Accepts referrals.
    pub takes_referrals: bool,
    /// Phone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Street address.
    pub address: Option<String>,
    /// How to refer.
    pub notes: Option<String>,
    /// Areas served, in the order given, without duplicates.
    pub areas: Vec<String>,
    /// Language codes, lower case, without duplicates.
    pub languages: Vec<String>,
    /// Service type code → capacity in places.
    pub services: BTreeMap<String, Option<i64>>,
}

/// The key an area is searched by: lower case, inner spaces collapsed.
pub fn area_key(area: &str) -> String {
    area.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// An ISO 639 language code (two or three letters; `fil` and `ceb` have no two-letter
/// code), lower case.
pub fn language(field: &str, s: &str) -> Result<String, Invalid> {
    let s = s.trim().to_ascii_lowercase();
    if (2..=3).contains(&s.len()) && s.chars().all(|c| c.is_ascii_lowercase()) {
        Ok(s)
    } else {
        Err(Invalid::new(field, "Use language codes such as es, en or qu, separated by commas."))
    }
}

/// Areas typed as text: one per line, or separated by commas or semicolons.
pub fn split_areas(s: &str) -> Vec<String> {
    s.split(['\n', ',', ';']).map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned).collect()
}

/// Language codes typed as text: separated by commas, semicolons or spaces.
pub fn split_languages(s: &str) -> Vec<String> {
    s.split(|c: char| c == ',' || c == ';' || c.is_whitespace()).filter(|p| !p.is_empty()).map(str::to_owned).collect()
}

fn areas(input: &[String], v: &mut Violations) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in input {
        let Some(Some(a)) = v.check(validate::optional_text("areas", a, AREA_MAX)) else { continue };
        let a = a.split_whitespace().collect::<Vec<_>>().join(" ");
        if !out.iter().any(|o| area_key(o) == area_key(&a)) {
            out.push(a);
        }
    }
    if out.len() > AREAS_MAX {
        v.push(Invalid::new("areas", "List at most 50 areas."));
    }
    out
}

fn languages(input: &[String], v: &mut Violations) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in input.iter().filter(|l| !l.trim().is_empty()) {
        if let Some(l) = v.check(language("languages", l))
            && !out.contains(&l)
        {
            out.push(l);
        }
    }
    if out.len() > LANGUAGES_MAX {
        v.push(Invalid::new("languages", "List at most 20 languages."));
    }
    out
}

fn services(input: &[(String, String)], v: &mut Violations) -> BTreeMap<String, Option<i64>> {
    let mut out = BTreeMap::new();
    for (code, capacity) in input {
        let Some(code) = v.check(vocab::term_code("services", code)) else { continue };
        let field = format!("capacity_{code}");
        if let Some(c) = v.check(country::bounded(&field, capacity, 0, PLACES_MAX)) {
            out.insert(code, c);
        }
    }
    if input.is_empty() {
        v.push(Invalid::new("services", "Choose at least one service."));
    }
    out
}

impl ProviderFields {
    /// Parse raw input, collecting every problem.
    pub fn parse(i: &ProviderInput) -> Result<Self, Violations> {
        let mut v = Violations::default();
        let name = v.check(validate::text("name", &i.name, NAME_MAX));
        let country = v.check(CountryCode::parse("country", &i.country));
        let phone = v.check(country::phone("phone", &i.phone));
        let email = match i.email.trim() {
            "" => Some(None),
            e => v.check(crate::account::Email::parse("email", e).map(|e| Some(e.as_str().to_owned()))),
        };
        let address = v.check(validate::optional_text("address", &i.address, ADDRESS_MAX));
        let notes = v.check(validate::optional_text("notes", &i.notes, NOTES_MAX));
        let areas = areas(&i.areas, &mut v);
        let languages = languages(&i.languages, &mut v);
        let services = services(&i.services, &mut v);
        match (name, country, phone, email, address, notes) {
            (Some(name), Some(country), Some(phone), Some(email), Some(address), Some(notes)) if v.0.is_empty() => {
                Ok(Self {
                    name,
                    country,
                    org_id: i.org,
                    takes_referrals: i.takes_referrals,
                    phone,
                    email,
                    address,
                    notes,
                    areas,
                    languages,
                    services,
                })
            }
            _ => Err(v),
        }
    }
}

/// Places free now: a whole number from 0 to the service's capacity, or nothing
/// (not known). A service without a capacity has no places to count.
pub fn places_free(field: &str, s: &str, capacity: Option<i64>) -> Result<Option<i64>, Invalid> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    match capacity {
        None => Err(Invalid::new(field, "This service has no places to count: give its capacity first.")),
        Some(c) => country::bounded(field, s, 0, c),
    }
}

/// Who may see a provider's street address. Shelters must stay hidden from those who
/// would harm the children in them, so the address is for the people who take a child
/// there or decide about it: caseworkers and case supervisors, country coordinators,
/// system administrators (who keep the directory), and the provider's own staff for
/// their own entry. Donors, alliance managers, M&E officers and administrators of one
/// organisation see the rest of the entry, not the address.
pub fn sees_address(actor: &Actor, provider_org: Option<OrgId>) -> bool {
    actor.roles.iter().any(|r| match r.role {
        Role::Caseworker | Role::CaseSupervisor | Role::CountryCoordinator => true,
        Role::Administrator => r.org.is_none(),
        Role::ServiceProvider => r.org.is_some() && r.org == provider_org,
        Role::AllianceManager | Role::MeOfficer | Role::Donor => false,
    })
}

/// Who may create, edit and remove directory entries of a country: system
/// administrators, and the country coordinators of that country.
pub fn may_edit(actor: &Actor, country: CountryCode) -> bool {
    actor.roles.iter().any(|r| match r.role {
        Role::Administrator => r.org.is_none(),
        Role::CountryCoordinator => r.country == Some(country),
        _ => false,
    })
}

/// Whether the actor may edit entries of some country (offers the "new provider" form).
pub fn may_edit_any(actor: &Actor) -> bool {
    actor.roles.iter().any(|r| match r.role {
        Role::Administrator => r.org.is_none(),
        Role::CountryCoordinator => r.country.is_some(),
        _ => false,
    })
}

/// Who may update the current availability of a provider's services: those who may edit
/// the entry, and the provider's own staff (service provider role for its organisation).
pub fn may_set_availability(actor: &Actor, country: CountryCode, provider_org: Option<OrgId>) -> bool {
    may_edit(actor, country)
        || actor.roles.iter().any(|r| r.role == Role::ServiceProvider && r.org.is_some() && r.org == provider_org)
}

/// Names of languages in their own language, for the codes the programme countries use;
/// other codes show as the code.
pub const LANGUAGE_NAMES: &[(&str, &str)] = &[
    ("ay", "Aymar aru"),
    ("bn", "বাংলা"),
    ("ceb", "Cebuano"),
    ("en", "English"),
    ("es", "Español"),
    ("fil", "Filipino"),
    ("fr", "Français"),
    ("gn", "Avañe'ẽ"),
    ("hi", "हिन्दी"),
    ("ht", "Kreyòl ayisyen"),
    ("id", "Bahasa Indonesia"),
    ("jv", "Basa Jawa"),
    ("km", "ខ្មែរ"),
    ("lo", "ລາວ"),
    ("mr", "मराठी"),
    ("my", "မြန်မာ"),
    ("ne", "नेपाली"),
    ("nl", "Nederlands"),
    ("pt", "Português"),
    ("qu", "Runa Simi"),
    ("ta", "தமிழ்"),
    ("th", "ไทย"),
    ("tl", "Tagalog"),
    ("ur", "اردو"),
    ("vi", "Tiếng Việt"),
];

/// The name of a language code in its own language, or the code.
pub fn language_name(code: &str) -> &str {
    LANGUAGE_NAMES.iter().find(|(c, _)| *c == code).map_or(code, |(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::RoleAssignment;

    fn input() -> ProviderInput {
        ProviderInput {
            name: "Sample shelter".into(),
            country: "bo".into(),
            takes_referrals: true,
            phone: "+591 2 000".into(),
            email: "Intake@Example.org".into(),
            address: "Calle 1".into(),
            areas: vec!["La Paz".into(), " la  paz ".into(), "El Alto".into()],
            languages: vec!["ES".into(), "qu".into(), "es".into()],
            services: vec![("shelter".into(), "20".into()), ("legal_aid".into(), String::new())],
            ..Default::default()
        }
    }

    #[test]
    fn input_is_normalised() {
        let f = ProviderFields::parse(&input()).unwrap_or_else(|v| panic!("{v}"));
        assert_eq!(f.country.as_str(), "BO");
        assert_eq!(f.areas, ["La Paz", "El Alto"]);
        assert_eq!(f.languages, ["es", "qu"]);
        assert_eq!(f.email.as_deref(), Some("intake@example.org"));
        assert_eq!(f.services.get("shelter"), Some(&Some(20)));
        assert_eq!(f.services.get("legal_aid"), Some(&None));
    }

    #[test]
    fn every_problem_is_reported() {
        let bad = ProviderInput {
            name: " ".into(),
            country: "XX".into(),
            phone: "call me".into(),
            email: "nope".into(),
            languages: vec!["Spanish".into()],
            services: vec![("shelter".into(), "-1".into())],
            ..Default::default()
        };
        let v = ProviderFields::parse(&bad).err().map(|v| v.0.into_iter().map(|i| i.field).collect::<Vec<_>>());
        assert_eq!(
            v,
            Some(vec![
                "name".into(),
                "country".into(),
                "phone".into(),
                "email".into(),
                "languages".into(),
                "capacity_shelter".into()
            ])
        );
        let none = ProviderInput { services: Vec::new(), ..input() };
        assert!(ProviderFields::parse(&none).is_err(), "a provider offers at least one service");
    }

    #[test]
    fn free_places_stay_within_capacity() {
        assert_eq!(places_free("f", "3", Some(10)), Ok(Some(3)));
        assert_eq!(places_free("f", "", None), Ok(None));
        assert!(places_free("f", "11", Some(10)).is_err());
        assert!(places_free("f", "-1", Some(10)).is_err());
        assert!(places_free("f", "1", None).is_err());
    }

    fn actor(role: Role, org: Option<OrgId>, country: Option<&str>) -> Actor {
        let country = country.and_then(|c| CountryCode::parse("c", c).ok());
        let roles = vec![RoleAssignment { role, org, country, team: None }];
        Actor { user: crate::ids::UserId::new(), org: OrgId::new(), roles }
    }

    #[test]
    fn addresses_are_for_case_staff_coordinators_and_the_providers_own_staff() {
        let shelter = OrgId::new();
        let bo = CountryCode::parse("c", "BO").ok();
        assert!(sees_address(&actor(Role::Caseworker, Some(OrgId::new()), None), Some(shelter)));
        assert!(sees_address(&actor(Role::CountryCoordinator, Some(OrgId::new()), Some("BO")), None));
        assert!(sees_address(&actor(Role::ServiceProvider, Some(shelter), None), Some(shelter)));
        assert!(!sees_address(&actor(Role::ServiceProvider, Some(OrgId::new()), None), Some(shelter)));
        assert!(!sees_address(&actor(Role::Donor, None, None), Some(shelter)));
        assert!(!sees_address(&actor(Role::MeOfficer, Some(shelter), None), Some(shelter)));
        assert!(!sees_address(&actor(Role::Administrator, Some(shelter), None), Some(shelter)));
        let Some(bo) = bo else { return };
        let staff = actor(Role::ServiceProvider, Some(shelter), None);
        assert!(may_set_availability(&staff, bo, Some(shelter)) && !may_edit(&staff, bo));
        assert!(!may_set_availability(&staff, bo, Some(OrgId::new())));
        let coord = actor(Role::CountryCoordinator, None, Some("PE"));
        assert!(!may_edit(&coord, bo) && may_edit_any(&coord));
    }
}
