//! A report: one organisation's values for one country and period, and the two-level
//! approval it goes through (DESIGN §4): draft → submitted → approved by the country
//! coordinator → approved by the alliance M&E lead, or returned with a reason at either
//! level. Approval freezes the values; reopening is explicit.

use super::framework::{Indicator, Measure, UNKNOWN};
use crate::validate::Invalid;
use serde::{Deserialize, Serialize};

/// Where a report stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    /// Being filled in by the organisation.
    Draft,
    /// Waiting for the country coordinator.
    Submitted,
    /// Approved in the country; waiting for the alliance.
    CountryApproved,
    /// Approved by the alliance: frozen, the values reach donors, exports and IATI.
    Approved,
    /// Sent back with a reason; editable again.
    Returned,
}

/// What someone does to a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportAction {
    /// The organisation sends it for approval.
    Submit,
    /// The country coordinator approves.
    ApproveCountry,
    /// The alliance M&E lead approves.
    ApproveAlliance,
    /// Sent back with a reason, by either level.
    Return,
    /// An approved report opened again (audited, with a reason).
    Reopen,
}

impl ReportStatus {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::Draft => "draft",
            ReportStatus::Submitted => "submitted",
            ReportStatus::CountryApproved => "country_approved",
            ReportStatus::Approved => "approved",
            ReportStatus::Returned => "returned",
        }
    }

    /// Parse the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Draft, Self::Submitted, Self::CountryApproved, Self::Approved, Self::Returned]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    /// Whether values may be changed.
    pub fn editable(self) -> bool {
        matches!(self, ReportStatus::Draft | ReportStatus::Returned)
    }

    /// The status after `action`, if the action is allowed from here.
    pub fn after(self, action: ReportAction) -> Option<ReportStatus> {
        use ReportAction as A;
        use ReportStatus as S;
        match (self, action) {
            (S::Draft | S::Returned, A::Submit) => Some(S::Submitted),
            (S::Submitted, A::ApproveCountry) => Some(S::CountryApproved),
            (S::CountryApproved, A::ApproveAlliance) => Some(S::Approved),
            (S::Submitted | S::CountryApproved, A::Return) => Some(S::Returned),
            (S::Approved | S::CountryApproved, A::Reopen) => Some(S::Returned),
            _ => None,
        }
    }
}

impl ReportAction {
    /// Stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportAction::Submit => "submit",
            ReportAction::ApproveCountry => "approve_country",
            ReportAction::ApproveAlliance => "approve_alliance",
            ReportAction::Return => "return",
            ReportAction::Reopen => "reopen",
        }
    }

    /// Parse the wire name.
    pub fn parse(field: &str, s: &str) -> Result<Self, Invalid> {
        [Self::Submit, Self::ApproveCountry, Self::ApproveAlliance, Self::Return, Self::Reopen]
            .into_iter()
            .find(|a| a.as_str() == s.trim())
            .ok_or_else(|| Invalid::new(field, "Use submit, approve_country, approve_alliance, return or reopen."))
    }

    /// Whether the action needs a reason.
    pub fn needs_reason(self) -> bool {
        matches!(self, ReportAction::Return | ReportAction::Reopen)
    }
}

/// Which part of an indicator a value is: the total (`""`) or one option of one
/// category set (`"sex=female"`).
pub fn check_part(
    field: &str,
    part: &str,
    ind: &Indicator,
    sets: &[super::framework::CategorySet],
) -> Result<(), Invalid> {
    if part.is_empty() {
        return Ok(());
    }
    let ok = part.split_once('=').is_some_and(|(set, option)| {
        ind.disaggregations.iter().any(|d| d == set)
            && sets
                .iter()
                .find(|s| s.code == set)
                .is_some_and(|s| option == UNKNOWN || s.options.iter().any(|o| o.code == option))
    });
    if ok { Ok(()) } else { Err(Invalid::new(field, format!("“{part}” is not a breakdown of this indicator."))) }
}

/// One value as entered.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Count, yes (1) / no (0), or scale position.
    pub value: Option<i64>,
    /// Numerator of a percentage.
    pub numerator: Option<i64>,
    /// Denominator of a percentage.
    pub denominator: Option<i64>,
    /// Text of a qualitative indicator.
    pub text: Option<String>,
    /// Explanation (required for a large deviation from target).
    pub comment: Option<String>,
}

impl Entry {
    /// Whether nothing was entered.
    pub fn is_empty(&self) -> bool {
        self.value.is_none()
            && self.numerator.is_none()
            && self.denominator.is_none()
            && self.text.as_deref().is_none_or(str::is_empty)
    }

    /// Check the entry against the indicator's measure; `field` names the cell.
    pub fn check(&self, field: &str, ind: &Indicator) -> Result<(), Invalid> {
        let bad = |m: &str| Err(Invalid::new(field, m));
        match ind.measure {
            Measure::Count => match self.value {
                Some(v) if v < 0 => bad("Enter a whole number of 0 or more."),
                _ if self.numerator.is_some() || self.denominator.is_some() || self.text.is_some() => {
                    bad("Enter only a number.")
                }
                _ => Ok(()),
            },
            Measure::Percentage => match (self.numerator, self.denominator) {
                (Some(n), Some(d)) if n < 0 || d < 0 => bad("Enter numbers of 0 or more."),
                (Some(n), Some(d)) if n > d => bad("The numerator cannot be larger than the denominator."),
                (Some(_), None) | (None, Some(_)) => bad("Enter both the numerator and the denominator."),
                _ if self.value.is_some() => bad("Enter a numerator and a denominator, not a percentage."),
                _ => Ok(()),
            },
            Measure::YesNo => match self.value {
                Some(0 | 1) | None => Ok(()),
                Some(_) => bad("Answer yes (1) or no (0)."),
            },
            Measure::Ordinal => match (self.value, ind.scale_max) {
                (Some(v), Some(max)) if !(1..=max).contains(&v) => {
                    Err(Invalid::new(field, format!("Choose a level from 1 to {max}.")))
                }
                _ => Ok(()),
            },
            Measure::Text => match &self.text {
                Some(t) if t.chars().count() > 4000 => bad("Use at most 4000 characters."),
                _ if self.value.is_some() => bad("Describe it in words."),
                _ => Ok(()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_approval_path_has_two_levels_and_returns() {
        use ReportAction as A;
        use ReportStatus as S;
        assert_eq!(S::Draft.after(A::Submit), Some(S::Submitted));
        assert_eq!(S::Submitted.after(A::ApproveAlliance), None, "no skipping the country level");
        assert_eq!(S::Submitted.after(A::ApproveCountry), Some(S::CountryApproved));
        assert_eq!(S::CountryApproved.after(A::ApproveAlliance), Some(S::Approved));
        assert_eq!(S::Approved.after(A::Return), None, "an approved report is frozen");
        assert_eq!(S::Approved.after(A::Reopen), Some(S::Returned));
        assert!(!S::Approved.editable() && S::Returned.editable());
        assert_eq!(S::Returned.after(A::Submit), Some(S::Submitted));
    }
}
