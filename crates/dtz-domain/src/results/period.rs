//! Reporting periods: years, half-years or quarters, named `2016`, `2016-H1`, `2016-Q3`.

use crate::validate::Invalid;
use serde::{Deserialize, Serialize};
use std::fmt;
use time::{Date, Month};

/// How a programme divides its time for reporting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    /// Calendar years.
    Year,
    /// Half-years.
    HalfYear,
    /// Quarters.
    Quarter,
}

impl PeriodKind {
    /// Stored and file name.
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Year => "year",
            PeriodKind::HalfYear => "half_year",
            PeriodKind::Quarter => "quarter",
        }
    }

    /// Parse the stored name.
    pub fn parse(field: &str, s: &str) -> Result<Self, Invalid> {
        match s.trim() {
            "year" => Ok(PeriodKind::Year),
            "half_year" => Ok(PeriodKind::HalfYear),
            "quarter" => Ok(PeriodKind::Quarter),
            _ => Err(Invalid::new(field, "Use year, half_year or quarter.")),
        }
    }

    fn parts(self) -> u8 {
        match self {
            PeriodKind::Year => 1,
            PeriodKind::HalfYear => 2,
            PeriodKind::Quarter => 4,
        }
    }
}

/// One reporting period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    /// Year.
    pub year: i32,
    /// 1-based part of the year (1 for years).
    pub part: u8,
    /// Kind.
    pub kind: PeriodKind,
}

impl Period {
    /// The period of `kind` that contains `d`.
    pub fn containing(kind: PeriodKind, d: Date) -> Self {
        let months_per_part = 12 / kind.parts();
        let part = (u8::from(d.month()) - 1) / months_per_part + 1;
        Self { year: d.year(), part, kind }
    }

    /// Every period of `kind` overlapping `start..=end`, in order.
    pub fn between(kind: PeriodKind, start: Date, end: Date) -> Vec<Period> {
        let mut out = Vec::new();
        let mut p = Self::containing(kind, start);
        let last = Self::containing(kind, end);
        while p <= last && out.len() < 400 {
            out.push(p);
            p = p.next();
        }
        out
    }

    /// The period after this one.
    pub fn next(self) -> Self {
        if self.part < self.kind.parts() {
            Self { part: self.part + 1, ..self }
        } else {
            Self { year: self.year + 1, part: 1, ..self }
        }
    }

    /// First day.
    pub fn start(self) -> Date {
        let months_per_part = 12 / self.kind.parts();
        let month = Month::try_from((self.part - 1) * months_per_part + 1).unwrap_or(Month::January);
        Date::from_calendar_date(self.year, month, 1).unwrap_or(Date::MIN)
    }

    /// Last day.
    pub fn end(self) -> Date {
        self.next().start().previous_day().unwrap_or(Date::MAX)
    }

    /// Parse `2016`, `2016-H1` or `2016-Q3`.
    pub fn parse(field: &str, s: &str) -> Result<Self, Invalid> {
        let bad = || Invalid::new(field, "Use a period such as 2016, 2016-H1 or 2016-Q3.");
        let s = s.trim();
        let (y, rest) = s.split_once('-').map_or((s, None), |(a, b)| (a, Some(b)));
        let year: i32 = y.parse().map_err(|_| bad())?;
        if !(1900..=2200).contains(&year) {
            return Err(bad());
        }
        let (kind, part) = match rest {
            None => (PeriodKind::Year, 1),
            Some(r) if r.len() == 2 && r.starts_with('H') => (PeriodKind::HalfYear, r[1..].parse().map_err(|_| bad())?),
            Some(r) if r.len() == 2 && r.starts_with('Q') => (PeriodKind::Quarter, r[1..].parse().map_err(|_| bad())?),
            Some(_) => return Err(bad()),
        };
        if part == 0 || part > kind.parts() {
            return Err(bad());
        }
        Ok(Self { year, part, kind })
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            PeriodKind::Year => write!(f, "{}", self.year),
            PeriodKind::HalfYear => write!(f, "{}-H{}", self.year, self.part),
            PeriodKind::Quarter => write!(f, "{}-Q{}", self.year, self.part),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn a_five_year_programme_has_five_years_or_twenty_quarters() {
        let (s, e) = (date!(2016 - 01 - 01), date!(2020 - 12 - 31));
        assert_eq!(Period::between(PeriodKind::Year, s, e).len(), 5);
        assert_eq!(Period::between(PeriodKind::Quarter, s, e).len(), 20);
        let h = Period::between(PeriodKind::HalfYear, s, e);
        assert_eq!(h[1].to_string(), "2016-H2");
        assert_eq!(h[1].start(), date!(2016 - 07 - 01));
        assert_eq!(h[1].end(), date!(2016 - 12 - 31));
    }

    proptest! {
        #[test]
        fn periods_print_and_parse_back(year in 1990i32..2100, part in 1u8..5, k in 0usize..3) {
            let kind = [PeriodKind::Year, PeriodKind::HalfYear, PeriodKind::Quarter][k];
            let part = (part - 1) % kind.parts() + 1;
            let p = Period { year, part, kind };
            prop_assert_eq!(Period::parse("p", &p.to_string()), Ok(p));
            prop_assert!(p.start() <= p.end());
            prop_assert_eq!(Some(p.next().start()), p.end().next_day());
        }
    }
}
