//! Referrals of a child from a case to a provider's service, and follow-ups (DESIGN §4).
//!
//! A referral moves through a fixed state machine ([`next`]): pending → accepted or
//! declined → in progress → completed, with cancelled, did not arrive, left the service
//! and referred onward as the other ends. Who may take which step is part of the rule
//! ([`Action::side`]): the provider answers and reports progress (or the caseworker on
//! its behalf, when it has no accounts); the case side cancels and refers onward.
//! What leaves dtz about the child is minimal: an age band, never a year of birth.

use crate::codes::code_enum;
use crate::ids::id_type;
use crate::validate::Invalid;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

pub use crate::signal::triage::Urgency;

id_type!(
    /// A referral.
    ReferralId,
    /// A follow-up of a case.
    FollowUpId,
    /// A note of a follow-up (append-only).
    FollowUpNoteId,
);

code_enum!(
    /// Where a referral stands.
    ReferralStatus {
        /// Sent, waiting for the provider's answer.
        Pending = "pending",
        /// The provider will take the child.
        Accepted = "accepted",
        /// The provider cannot take the child (with a reason).
        Declined = "declined",
        /// The child receives the service.
        InProgress = "in_progress",
        /// The service was delivered.
        Completed = "completed",
        /// Withdrawn by the case side.
        Cancelled = "cancelled",
        /// The child never arrived.
        DidNotArrive = "did_not_arrive",
        /// The child left the service before it was completed.
        LeftService = "left_service",
        /// Referred on to another service (a new referral follows).
        ReferredOnward = "referred_onward",
    }
);

code_enum!(
    /// A step taken on a referral.
    Action {
        /// Accept (provider).
        Accept = "accept",
        /// Decline, with a reason (provider).
        Decline = "decline",
        /// The service started (provider).
        Start = "start",
        /// The service is completed (provider).
        Complete = "complete",
        /// The child did not arrive (provider).
        DidNotArrive = "did_not_arrive",
        /// The child left the service (provider).
        Left = "left",
        /// Withdraw the referral (case side).
        Cancel = "cancel",
        /// Refer on to another service (case side; creates the next referral).
        ReferOnward = "refer_onward",
    }
);

/// Who takes a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The provider (or the caseworker recording for a provider without accounts).
    Provider,
    /// The caseworker or supervisor of the case.
    Case,
}

impl Action {
    /// Who takes this step.
    pub fn side(self) -> Side {
        match self {
            Action::Cancel | Action::ReferOnward => Side::Case,
            _ => Side::Provider,
        }
    }

    /// Whether the step needs a reason.
    pub fn needs_reason(self) -> bool {
        matches!(self, Action::Decline | Action::Cancel)
    }
}

/// A step that the state machine refuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a referral that is {from} cannot be given the step “{action}”")]
pub struct IllegalTransition {
    /// Where the referral stands.
    pub from: ReferralStatus,
    /// The step asked for.
    pub action: Action,
}

impl From<IllegalTransition> for Invalid {
    fn from(e: IllegalTransition) -> Self {
        Invalid::new("action", format!("This step is not possible now: the referral is “{}”.", e.from.as_str()))
    }
}

impl ReferralStatus {
    /// No step leads out of it.
    pub fn is_final(self) -> bool {
        !matches!(self, ReferralStatus::Pending | ReferralStatus::Accepted | ReferralStatus::InProgress)
    }

    /// The child is in the provider's care: the provider sees the care summary.
    pub fn in_care(self) -> bool {
        matches!(self, ReferralStatus::Accepted | ReferralStatus::InProgress)
    }

    /// The steps possible from here.
    pub fn actions(self) -> Vec<Action> {
        Action::ALL.iter().copied().filter(|a| next(self, *a).is_ok()).collect()
    }
}

/// The status a step leads to, or why it cannot be taken.
pub fn next(from: ReferralStatus, action: Action) -> Result<ReferralStatus, IllegalTransition> {
    use Action as A;
    use ReferralStatus as S;
    let to = match (from, action) {
        (S::Pending, A::Accept) => S::Accepted,
        (S::Pending, A::Decline) => S::Declined,
        (S::Pending | S::Accepted | S::InProgress, A::Cancel) => S::Cancelled,
        (S::Accepted, A::Start) => S::InProgress,
        (S::Accepted, A::DidNotArrive) => S::DidNotArrive,
        (S::InProgress, A::Complete) => S::Completed,
        (S::InProgress, A::Left) => S::LeftService,
        (S::Accepted | S::InProgress, A::ReferOnward) => S::ReferredOnward,
        _ => return Err(IllegalTransition { from, action }),
    };
    Ok(to)
}

code_enum!(
    /// The age band a provider sees instead of a year of birth.
    AgeBand {
        /// Under 6.
        Under6 = "0-5",
        /// 6 to 11.
        From6To11 = "6-11",
        /// 12 to 14.
        From12To14 = "12-14",
        /// 15 to 17.
        From15To17 = "15-17",
        /// 18 or older.
        Adult = "18+",
        /// Not known.
        Unknown = "unknown",
    }
);

/// The age band of someone born in `birth_year`, in `year`.
pub fn age_band(birth_year: Option<i32>, year: i32) -> AgeBand {
    match birth_year.map(|b| year - b) {
        None => AgeBand::Unknown,
        Some(a) if a < 0 => AgeBand::Unknown,
        Some(0..=5) => AgeBand::Under6,
        Some(6..=11) => AgeBand::From6To11,
        Some(12..=14) => AgeBand::From12To14,
        Some(15..=17) => AgeBand::From15To17,
        Some(_) => AgeBand::Adult,
    }
}

/// Hours within which a provider should answer a referral, by urgency, unless the
/// setting `referrals.response_hours` says otherwise.
pub fn default_response_hours(u: Urgency) -> i64 {
    match u {
        Urgency::Urgent => 4,
        Urgency::Normal => 48,
        Urgency::Low => 120,
    }
}

code_enum!(
    /// What kind of follow-up.
    FollowUpKind {
        /// A visit to the child.
        HomeVisit = "home_visit",
        /// A call.
        PhoneCall = "phone_call",
        /// A meeting at the office.
        Meeting = "meeting",
        /// Contact with the provider.
        ProviderContact = "provider_contact",
        /// Another kind (say it in a note).
        Other = "other",
    }
);

code_enum!(
    /// Where a follow-up stands.
    FollowUpStatus {
        /// Planned for its date.
        Planned = "planned",
        /// Done.
        Done = "done",
        /// Will not happen.
        Cancelled = "cancelled",
    }
);

code_enum!(
    /// The caseworker's assessment of the child's progress at a follow-up.
    Progress {
        /// Getting better.
        Improving = "improving",
        /// No change.
        Stable = "stable",
        /// Getting worse.
        Worsening = "worsening",
        /// Cannot say.
        Unknown = "unknown",
    }
);

/// Longest reason for referral, security note or follow-up note.
pub const TEXT_MAX: usize = 4000;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_usual_path_is_allowed() {
        let mut s = ReferralStatus::Pending;
        for a in [Action::Accept, Action::Start, Action::Complete] {
            s = next(s, a).unwrap_or(ReferralStatus::Cancelled);
        }
        assert_eq!(s, ReferralStatus::Completed);
        assert_eq!(next(ReferralStatus::Pending, Action::Decline), Ok(ReferralStatus::Declined));
        assert_eq!(next(ReferralStatus::Accepted, Action::DidNotArrive), Ok(ReferralStatus::DidNotArrive));
        assert_eq!(next(ReferralStatus::InProgress, Action::Left), Ok(ReferralStatus::LeftService));
        assert_eq!(next(ReferralStatus::InProgress, Action::ReferOnward), Ok(ReferralStatus::ReferredOnward));
    }

    #[test]
    fn illegal_steps_are_refused_with_a_clear_error() {
        let e = next(ReferralStatus::Pending, Action::Complete);
        assert_eq!(e, Err(IllegalTransition { from: ReferralStatus::Pending, action: Action::Complete }));
        let inv: Invalid = IllegalTransition { from: ReferralStatus::Completed, action: Action::Accept }.into();
        assert!(inv.message.contains("not possible now"));
        assert!(next(ReferralStatus::Declined, Action::Accept).is_err());
        assert!(next(ReferralStatus::Pending, Action::Start).is_err(), "accept before starting");
    }

    #[test]
    fn age_bands() {
        assert_eq!(age_band(Some(2012), 2026), AgeBand::From12To14);
        assert_eq!(age_band(Some(2010), 2026), AgeBand::From15To17);
        assert_eq!(age_band(None, 2026), AgeBand::Unknown);
        assert_eq!(age_band(Some(2030), 2026), AgeBand::Unknown);
        assert_eq!(age_band(Some(2000), 2026), AgeBand::Adult);
    }

    fn status() -> impl Strategy<Value = ReferralStatus> {
        proptest::sample::select(ReferralStatus::ALL.to_vec())
    }
    fn action() -> impl Strategy<Value = Action> {
        proptest::sample::select(Action::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn final_states_admit_no_step(s in status(), a in action()) {
            if s.is_final() {
                prop_assert!(next(s, a).is_err());
            }
        }

        #[test]
        fn walks_never_return_to_pending_and_stop_at_final_states(actions in proptest::collection::vec(action(), 0..20)) {
            let mut s = ReferralStatus::Pending;
            let mut moved = 0;
            for a in actions {
                if let Ok(t) = next(s, a) {
                    prop_assert_ne!(t, ReferralStatus::Pending);
                    prop_assert!(!s.is_final());
                    s = t;
                    moved += 1;
                }
            }
            prop_assert!(moved <= 3, "a referral takes at most three steps");
        }

        #[test]
        fn care_is_only_between_acceptance_and_an_end(s in status()) {
            prop_assert_eq!(s.in_care(), matches!(s, ReferralStatus::Accepted | ReferralStatus::InProgress));
            prop_assert_eq!(s.actions().is_empty(), s.is_final());
        }
    }
}
