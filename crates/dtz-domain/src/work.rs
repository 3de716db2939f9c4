//! Records of the alliance's work beyond indicator values and activities: harvested
//! outcomes (every goal), the policy tracker and prosecutions (goal 3), companies and The
//! Code (goal 4). Input is parsed into field structs whose only constructor checks it;
//! who may record what is decided here, next to the access policy it complements.
//!
//! A record belongs to one organisation and one country, both fixed when it is created:
//! need to know is decided on them (`Area::Results`, or `Area::Prosecutions`), so moving
//! a record would move it out of sight of the people who made it.

pub mod company;
pub mod outcome;
pub mod policy;
pub mod prosecution;
pub mod stage;

use crate::access::{Actor, Role};
use crate::ids::OrgId;
use crate::org::CountryCode;
use crate::validate::{self, Invalid};
use time::Date;

/// Longest free text (observed change, significance, evidence notes…), in characters.
pub const LONG_TEXT: usize = 4000;
/// Longest title or name, in characters.
pub const TITLE: usize = 200;
/// The earliest date a record may carry.
pub const EARLIEST_YEAR: i32 = 1990;

const DATE_FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// A calendar date typed as `YYYY-MM-DD`, from 1990 on and not after `today`.
pub fn past_date(field: &str, s: &str, today: Date) -> Result<Date, Invalid> {
    let d = Date::parse(s.trim(), DATE_FORMAT)
        .map_err(|_| Invalid::new(field, "Enter a date as year-month-day, such as 2019-03-25."))?;
    if d > today {
        return Err(Invalid::new(field, "Enter a date that is not in the future."));
    }
    if d.year() < EARLIEST_YEAR {
        return Err(Invalid::new(field, "Enter a date from 1990 on."));
    }
    Ok(d)
}

/// A date as `YYYY-MM-DD`, for forms and the wire.
pub fn iso_date(d: Date) -> String {
    d.format(DATE_FORMAT).unwrap_or_default()
}

/// Required text of at most `max` characters.
pub fn required(field: &str, s: &str, max: usize) -> Result<String, Invalid> {
    validate::text(field, s, max)
}

/// Optional text of at most `max` characters.
pub fn optional(field: &str, s: &str, max: usize) -> Result<Option<String>, Invalid> {
    validate::optional_text(field, s, max)
}

/// Whether `actor` may create and change harvested outcomes, policy instruments and
/// companies of `org` in `country`: the organisation's M&E officer (within its country
/// when the role names one), the country's coordinator, and the alliance M&E lead.
pub fn may_record(actor: &Actor, org: OrgId, country: CountryCode) -> bool {
    actor.roles.iter().any(|r| match r.role {
        Role::AllianceManager => true,
        Role::CountryCoordinator => r.country == Some(country),
        Role::MeOfficer => r.org == Some(org) && r.country.is_none_or(|c| c == country),
        _ => false,
    })
}

/// A closed list of choices stored by a stable code: `ALL`, `as_str` and `parse` from
/// one table, so the wire, the database and the Fluent keys agree.
macro_rules! choices {
    ($(#[$doc:meta])* $name:ident, $msg:literal, { $($(#[$vdoc:meta])* $variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// Every choice, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Stored and wire code.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// Parse a stored or wire code.
            pub fn parse(field: &str, s: &str) -> Result<Self, crate::validate::Invalid> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|c| c.as_str() == s.trim())
                    .ok_or_else(|| crate::validate::Invalid::new(field, $msg))
            }

            /// Position in the order of `ALL`.
            pub fn index(self) -> usize {
                Self::ALL.iter().position(|c| *c == self).unwrap_or(0)
            }
        }
    };
}
pub(crate) use choices;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::RoleAssignment;
    use time::macros::date;

    #[test]
    fn dates_are_iso_from_1990_and_never_in_the_future() {
        let today = date!(2020 - 06 - 30);
        assert_eq!(past_date("d", " 2019-03-25 ", today), Ok(date!(2019 - 03 - 25)));
        assert_eq!(iso_date(date!(2019 - 03 - 05)), "2019-03-05");
        for bad in ["", "25/03/2019", "2019-02-30", "2020-07-01", "1989-12-31"] {
            assert!(past_date("d", bad, today).is_err(), "{bad}");
        }
    }

    #[test]
    fn officers_record_for_their_organisation_and_coordinators_for_their_country() {
        let org = OrgId::new();
        let bo = CountryCode::parse("c", "BO").unwrap();
        let pe = CountryCode::parse("c", "PE").unwrap();
        let actor = |role, o: Option<OrgId>, c: Option<CountryCode>| Actor {
            user: crate::ids::UserId::new(),
            org: OrgId::new(),
            roles: vec![RoleAssignment { role, org: o, country: c, team: None }],
        };
        assert!(may_record(&actor(Role::MeOfficer, Some(org), Some(bo)), org, bo));
        assert!(!may_record(&actor(Role::MeOfficer, Some(org), Some(bo)), org, pe));
        assert!(!may_record(&actor(Role::MeOfficer, Some(OrgId::new()), None), org, bo));
        assert!(may_record(&actor(Role::CountryCoordinator, Some(OrgId::new()), Some(bo)), org, bo));
        assert!(may_record(&actor(Role::AllianceManager, None, None), org, pe));
        assert!(!may_record(&actor(Role::Donor, None, None), org, pe));
        assert!(!may_record(&actor(Role::Caseworker, Some(org), Some(bo)), org, bo));
    }
}
