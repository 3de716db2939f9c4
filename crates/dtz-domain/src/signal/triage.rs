//! Triage of signals by staff: category (vocabulary `signal_category`), urgency,
//! assignment, duplicates and closing with a reason; and signals entered by staff
//! (hotline, walk-in, outreach, partner referral).
//!
//! Urgency is a fixed scale, not a vocabulary: the escalation rule depends on it
//! ("urgent signals not picked up in time go to the supervisor"), so it is a rule of
//! dtz and its labels are translated like any other word.

use super::{Channel, Report, ReportInput};
use crate::codes::code_enum;
use crate::ids::{TeamId, UserId};
use crate::org::CountryCode;
use crate::validate::{Invalid, Violations};

code_enum!(
    /// How soon someone must act on a signal.
    Urgency {
        /// A child may be in danger now: picked up within the country's set time, or
        /// the supervisors are told.
        Urgent = "urgent",
        /// Within the usual answer time.
        Normal = "normal",
        /// No child at immediate risk.
        Low = "low",
    }
);

code_enum!(
    /// Who made a report that staff enter.
    ReporterType {
        /// The child concerned, or another child.
        Child = "child",
        /// A parent or relative.
        Relative = "relative",
        /// Someone from the community.
        CommunityMember = "community_member",
        /// A teacher, health worker, police officer or other professional.
        Professional = "professional",
        /// A partner organisation.
        PartnerOrganisation = "partner_organisation",
        /// Did not say.
        Unknown = "unknown",
    }
);

code_enum!(
    /// Why a signal was closed.
    CloseReason {
        /// Another signal reports the same.
        Duplicate = "duplicate",
        /// A case was opened and carries the work on.
        HandledInCase = "handled_in_case",
        /// Passed to the police, the child-welfare authority or another organisation.
        ReferredElsewhere = "referred_elsewhere",
        /// No concern of sexual exploitation of a child.
        NoConcern = "no_concern",
        /// Too little to act on, and no way to learn more.
        NotEnoughInformation = "not_enough_information",
    }
);

/// The channels staff enter signals for (the public page makes its own).
pub const STAFF_CHANNELS: &[Channel] =
    &[Channel::Hotline, Channel::WalkIn, Channel::Outreach, Channel::PartnerReferral];

/// Triage as typed: empty fields clear.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
pub struct TriageInput {
    /// Category code (checked against the vocabulary by the services).
    #[serde(default)]
    pub category: String,
    /// Urgency code.
    #[serde(default)]
    pub urgency: String,
    /// Team id.
    #[serde(default)]
    pub team: String,
    /// Assigned person's id.
    #[serde(default)]
    pub assignee: String,
}

/// Triage, checked for shape (the services check the category against the vocabulary
/// and the team and person against the organisation).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Triage {
    /// Category code.
    pub category: Option<String>,
    /// Urgency.
    pub urgency: Option<Urgency>,
    /// Team handling it.
    pub team: Option<TeamId>,
    /// Person handling it.
    pub assignee: Option<UserId>,
}

fn optional_id<T: From<uuid::Uuid>>(field: &str, s: &str) -> Result<Option<T>, Invalid> {
    match s.trim() {
        "" => Ok(None),
        t => {
            t.parse::<uuid::Uuid>().map(|u| Some(T::from(u))).map_err(|_| Invalid::new(field, "Choose from the list."))
        }
    }
}

impl Triage {
    /// Check what was typed; every problem at once.
    pub fn parse(i: &TriageInput) -> Result<Self, Violations> {
        let mut v = Violations::default();
        let category = match i.category.trim() {
            "" => Some(None),
            c => v.check(crate::vocab::term_code("category", c).map(Some)),
        };
        let urgency = v.check(Urgency::parse_optional("urgency", &i.urgency));
        let team = v.check(optional_id("team", &i.team));
        let assignee = v.check(optional_id("assignee", &i.assignee));
        match (category, urgency, team, assignee) {
            (Some(category), Some(urgency), Some(team), Some(assignee)) if v.0.is_empty() => {
                Ok(Self { category, urgency, team, assignee })
            }
            _ => Err(v),
        }
    }
}

/// A signal entered by staff, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
pub struct IntakeInput {
    /// Channel code.
    #[serde(default)]
    pub channel: String,
    /// Reporter type code.
    #[serde(default)]
    pub reporter_type: String,
    /// Country code.
    #[serde(default)]
    pub country: String,
    /// What the reporter said, in the public form's shape.
    #[serde(flatten)]
    pub report: ReportInput,
    /// Triage given at once.
    #[serde(flatten)]
    pub triage: TriageInput,
}

/// A signal entered by staff, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Intake {
    /// How it came in.
    pub channel: Channel,
    /// Who reported.
    pub reporter_type: ReporterType,
    /// Country.
    pub country: CountryCode,
    /// What was reported (sealed).
    pub report: Report,
    /// Triage given at once.
    pub triage: Triage,
}

impl Intake {
    /// Check what was typed (`language`: of the text, the staff member's).
    pub fn parse(i: &IntakeInput, language: &str) -> Result<Self, Violations> {
        let mut v = Violations::default();
        let channel = match Channel::parse(i.channel.trim()) {
            Some(c) if STAFF_CHANNELS.contains(&c) => Some(c),
            _ => {
                v.push(Invalid::new("channel", "Choose how the report came in."));
                None
            }
        };
        let reporter = v.check(ReporterType::parse("reporter_type", &i.reporter_type));
        let country = v.check(CountryCode::parse("country", &i.country));
        let report = match Report::parse(&i.report, language) {
            Ok(r) => Some(r),
            Err(e) => {
                v.0.extend(e.0);
                None
            }
        };
        let triage = match Triage::parse(&i.triage) {
            Ok(t) => Some(t),
            Err(e) => {
                v.0.extend(e.0);
                None
            }
        };
        match (channel, reporter, country, report, triage) {
            (Some(channel), Some(reporter_type), Some(country), Some(report), Some(triage)) if v.0.is_empty() => {
                Ok(Self { channel, reporter_type, country, report, triage })
            }
            _ => Err(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triage_fields_are_optional_but_must_be_known() {
        let t = Triage::parse(&TriageInput { urgency: "urgent".into(), ..Default::default() }).unwrap_or_default();
        assert_eq!(t.urgency, Some(Urgency::Urgent));
        assert_eq!(t.category, None);
        let e = Triage::parse(&TriageInput {
            category: "Not a code".into(),
            urgency: "soon".into(),
            team: "x".into(),
            assignee: String::new(),
        })
        .err()
        .unwrap_or_default();
        let fields: Vec<&str> = e.0.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(fields, ["category", "urgency", "team"]);
    }

    #[test]
    fn staff_enter_signals_from_staff_channels_only() {
        let mut i = IntakeInput {
            channel: "hotline".into(),
            reporter_type: "relative".into(),
            country: "bo".into(),
            report: ReportInput { what: "A girl is kept in a bar.".into(), ..Default::default() },
            triage: TriageInput::default(),
        };
        let ok = Intake::parse(&i, "es");
        assert!(ok.as_ref().is_ok_and(|x| x.country.as_str() == "BO" && x.report.language == "es"), "{ok:?}");
        i.channel = "public_web".into();
        i.report.what.clear();
        let fields: Vec<String> =
            Intake::parse(&i, "es").err().unwrap_or_default().0.into_iter().map(|i| i.field).collect();
        assert_eq!(fields, ["channel", "what"]);
    }
}
