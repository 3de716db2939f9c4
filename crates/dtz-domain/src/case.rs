//! Cases (DESIGN §4, §5): a child's case with a pseudonymous number, an owning
//! organisation, team and caseworker, a minimal child profile, consent with who gave it,
//! risk, a case plan, protection steps, closure with a supervisor's approval and
//! transfer to another organisation that must accept it.
//!
//! What names or locates a child is sealed ([`profile::Secrets`], notes, goal texts, step
//! notes, reasons); what lists filter on is plaintext: number, organisation, team,
//! caseworker, country, status, risk, sex, year of birth, languages and consent states.

pub mod number;
pub mod profile;
pub mod rules;

use crate::codes::code_enum;
use crate::ids::id_type;
use crate::validate::{self, Invalid};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

pub use number::{Allocator, CaseNumber};
pub use profile::{ChildProfile, ProfileInput, Secrets};

id_type!(
    /// A case.
    CaseId,
    /// A note of a case (append-only).
    CaseNoteId,
    /// A goal of a case plan.
    CaseGoalId,
    /// A consent record of a case (append-only).
    ConsentId,
    /// A protection step of a case.
    ProtectionStepId,
    /// A proposed transfer of a case to another organisation.
    CaseTransferId,
);

code_enum!(
    /// Where a case stands.
    CaseStatus {
        /// Being worked on.
        Open = "open",
        /// The caseworker asked to close it; a supervisor decides.
        ClosureRequested = "closure_requested",
        /// Closed with a supervisor's approval.
        Closed = "closed",
    }
);

code_enum!(
    /// The caseworker's assessment of the risk to the child.
    RiskLevel {
        /// Low.
        Low = "low",
        /// Medium.
        Medium = "medium",
        /// High.
        High = "high",
    }
);

code_enum!(
    /// Sex of the child, as recorded for disaggregated statistics.
    Sex {
        /// Female.
        Female = "female",
        /// Male.
        Male = "male",
        /// Another sex or gender.
        Other = "other",
        /// Not known.
        Unknown = "unknown",
    }
);

code_enum!(
    /// What consent is about.
    ConsentKind {
        /// To receive services.
        Services = "services",
        /// To share the case with other organisations.
        Sharing = "sharing",
        /// To be counted in statistics.
        Statistics = "statistics",
    }
);

code_enum!(
    /// A consent record's decision.
    ConsentState {
        /// Given.
        Granted = "granted",
        /// Refused.
        Refused = "refused",
        /// Not yet asked although action was taken (an emergency): flagged until a
        /// decision is recorded.
        Pending = "pending",
        /// A supervisor decided without consent, with a reason.
        Overridden = "overridden",
    }
);

code_enum!(
    /// Who gave or refused consent.
    GivenBy {
        /// The child.
        Child = "child",
        /// A parent or guardian.
        Guardian = "guardian",
        /// An authority (court, child-welfare authority).
        Authority = "authority",
    }
);

code_enum!(
    /// Why a case closes.
    ClosureReason {
        /// The goals of the case plan are met.
        GoalsAchieved = "goals_achieved",
        /// The child is safe and needs no more support.
        ChildSafe = "child_safe",
        /// The child moved out of reach of the organisation.
        MovedAway = "moved_away",
        /// Contact was lost.
        LostContact = "lost_contact",
        /// The child came of age and moved to adult services.
        ReachedAdulthood = "reached_adulthood",
        /// Another reason (say it in a note).
        Other = "other",
    }
);

code_enum!(
    /// Where a goal of a case plan stands.
    GoalStatus {
        /// Being worked on.
        Open = "open",
        /// Reached.
        Achieved = "achieved",
        /// Given up.
        Dropped = "dropped",
    }
);

code_enum!(
    /// Where a protection step stands.
    StepStatus {
        /// Expected on its date.
        Planned = "planned",
        /// Happened.
        Done = "done",
        /// Will not happen.
        Cancelled = "cancelled",
    }
);

code_enum!(
    /// Where a transfer stands.
    TransferState {
        /// Waiting for the receiving organisation.
        Pending = "pending",
        /// Accepted: the case belongs to the receiving organisation.
        Accepted = "accepted",
        /// Declined by the receiving organisation.
        Declined = "declined",
        /// Withdrawn by the sending organisation.
        Withdrawn = "withdrawn",
    }
);

code_enum!(
    /// Why a case is taken to a field node beyond the caller's own caseload (issue 9).
    CheckoutReason {
        /// A visit to the child or family where there is no connection.
        FieldVisit = "field_visit",
        /// A court hearing or an interview with the police or prosecutor.
        Hearing = "hearing",
        /// Covering for the caseworker who holds the case.
        Cover = "cover",
        /// A case conference or supervision away from the office.
        Supervision = "supervision",
    }
);

/// Cases one device may hold checked out at a time, unless a system setting
/// `nodes.checkout_cap` says otherwise.
pub const CHECKOUT_CAP: i64 = 20;
/// Days a checkout lasts, unless returned earlier (setting `nodes.checkout_days`).
pub const CHECKOUT_DAYS: i64 = 14;

/// Longest note, goal or reason text.
pub const NOTE_MAX: usize = 4000;
/// Longest short reference (a police report number).
pub const REFERENCE_MAX: usize = 200;

/// A note or a reason: 1..=`NOTE_MAX` characters.
pub fn note_text(field: &str, s: &str) -> Result<String, Invalid> {
    if s.trim().is_empty() {
        return Err(Invalid::new(field, "Write a few words."));
    }
    validate::text(field, s, NOTE_MAX)
}

/// A date typed as `YYYY-MM-DD`.
pub fn date(field: &str, s: &str) -> Result<Option<time::Date>, Invalid> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &format)
        .map(Some)
        .map_err(|_| Invalid::new(field, "Enter a date as year-month-day, such as 2026-03-31."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for s in CaseStatus::ALL {
            assert_eq!(CaseStatus::from_code(s.as_str()), Some(*s));
        }
        assert_eq!(ConsentState::parse("c", " granted "), Ok(ConsentState::Granted));
        assert!(RiskLevel::parse("risk", "extreme").is_err());
        assert_eq!(RiskLevel::parse_optional("risk", ""), Ok(None));
        assert_eq!(serde_json::to_string(&ClosureReason::GoalsAchieved).ok().as_deref(), Some("\"goals_achieved\""));
    }

    #[test]
    fn dates_and_notes_are_checked() {
        assert_eq!(date("d", ""), Ok(None));
        assert!(date("d", "2026-02-30").is_err());
        assert_eq!(date("d", "2026-03-31").ok().flatten().map(|d| d.day()), Some(31));
        assert!(note_text("n", "  ").is_err());
        assert!(note_text("n", &"x".repeat(NOTE_MAX + 1)).is_err());
    }
}
