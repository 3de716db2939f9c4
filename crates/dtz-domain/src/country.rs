//! Per-country settings: who leads the programme there, which numbers a child in danger
//! should call, when an answer can be expected, how long personal data is kept.

use crate::ids::OrgId;
use crate::org::CountryCode;
use crate::validate::{Invalid, Violations};
use serde::Serialize;

/// The settings of one country.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CountryFields {
    /// The country.
    pub country: CountryCode,
    /// Lead alliance member in the country, when known.
    pub lead_org: Option<OrgId>,
    /// Child helpline number, as dialled in the country (e.g. 1098 in India).
    pub helpline: Option<String>,
    /// Police emergency number.
    pub police: Option<String>,
    /// Hours within which a reporter can expect an answer.
    pub answer_within_hours: Option<i64>,
    /// Months after closure before a case's personal fields are erased.
    pub retention_closed_case_months: Option<i64>,
    /// Months after closure before a signal without a case is erased.
    pub retention_signal_months: Option<i64>,
    /// Minutes within which an urgent signal must be picked up before the supervisors
    /// are told (none: [`URGENT_PICKUP_MINUTES`]).
    pub urgent_pickup_minutes: Option<i64>,
}

/// Minutes an urgent signal may wait to be picked up when a country sets no time.
pub const URGENT_PICKUP_MINUTES: i64 = 60;

/// A phone number people can dial: digits, spaces, `+`, `-`, at most 20 characters.
pub fn phone(field: &str, s: &str) -> Result<Option<String>, Invalid> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let ok = s.len() <= 20
        && s.chars().all(|c| c.is_ascii_digit() || c == ' ' || c == '+' || c == '-')
        && s.chars().any(|c| c.is_ascii_digit());
    if ok {
        Ok(Some(s.to_owned()))
    } else {
        Err(Invalid::new(field, "Use digits, spaces, + and - only, such as 1098 or +591 156."))
    }
}

/// A whole number in a range, or nothing.
pub fn bounded(field: &str, s: &str, min: i64, max: i64) -> Result<Option<i64>, Invalid> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    match s.parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
        _ => Err(Invalid::new(field, format!("Enter a whole number from {min} to {max}."))),
    }
}

/// Raw form input of country settings.
#[derive(Clone, Debug, Default)]
pub struct CountryInput {
    /// Country code.
    pub country: String,
    /// Lead organisation id (empty: none).
    pub lead_org: Option<OrgId>,
    /// Helpline.
    pub helpline: String,
    /// Police.
    pub police: String,
    /// Answer within hours.
    pub answer_within_hours: String,
    /// Retention of closed cases, months.
    pub retention_closed_case_months: String,
    /// Retention of signals, months.
    pub retention_signal_months: String,
    /// Minutes to pick up an urgent signal.
    pub urgent_pickup_minutes: String,
}

impl CountryFields {
    /// Parse, collecting every problem.
    pub fn parse(i: &CountryInput) -> Result<Self, Violations> {
        let mut v = Violations::default();
        let country = v.check(CountryCode::parse("country", &i.country));
        let helpline = v.check(phone("helpline", &i.helpline));
        let police = v.check(phone("police", &i.police));
        let answer = v.check(bounded("answer_within_hours", &i.answer_within_hours, 1, 720));
        let closed = v.check(bounded("retention_closed_case_months", &i.retention_closed_case_months, 1, 600));
        let signals = v.check(bounded("retention_signal_months", &i.retention_signal_months, 1, 600));
        let pickup = v.check(bounded("urgent_pickup_minutes", &i.urgent_pickup_minutes, 5, 2880));
        match (country, helpline, police, answer, closed, signals, pickup) {
            (Some(country), Some(helpline), Some(police), Some(answer), Some(closed), Some(signals), Some(pickup)) => {
                Ok(Self {
                    country,
                    lead_org: i.lead_org,
                    helpline,
                    police,
                    answer_within_hours: answer,
                    retention_closed_case_months: closed,
                    retention_signal_months: signals,
                    urgent_pickup_minutes: pickup,
                })
            }
            _ => Err(v),
        }
    }
}
