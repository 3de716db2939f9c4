//! Demo indicator values for 2016–2020, consistent with the published totals where they
//! exist (DESIGN §1): 3,667 children knew what sexual exploitation is and how to report
//! it in 2016 and 2,012 were trained; about 4,600 trained children by the end; more than
//! 21,000 children received care and guidance. Every other figure is invented sample
//! data. 2016–2019 are approved at both levels; 2020 shows each other state.

use crate::values::{ReportKey, ValueInput};
use crate::{Caller, Result, Services};
use dtz_domain::ids::OrgId;
use dtz_domain::results::{Entry, ReportAction};

/// (indicator, totals 2016..=2020 for the whole alliance).
const TOTALS: &[(&str, [i64; 5])] = &[
    ("G1.O1.1", [3667, 4210, 4580, 4890, 3120]),
    ("G1.O3.1", [2012, 780, 690, 640, 478]),
    ("G1.O2.1", [3050, 7900, 12800, 17400, 21350]),
    ("G1.O4.1", [18, 26, 31, 35, 22]),
    ("G2.O1.1", [15200, 18400, 21900, 24100, 13800]),
    ("G2.O3.1", [640, 820, 910, 760, 420]),
    ("G3.O1.1", [3, 5, 4, 6, 2]),
    ("G3.O2.1", [41, 57, 66, 72, 38]),
    ("G3.O2.2", [310, 420, 505, 460, 215]),
    ("G4.O1.1", [12, 19, 23, 17, 9]),
    ("G4.O2.2", [520, 880, 1240, 1390, 610]),
];

/// Shares of each reporter (they add up to 100).
const WEIGHTS: [i64; 9] = [22, 6, 14, 9, 8, 6, 15, 12, 8];

/// The part of `total` that reporter `n` reports, so the parts add up to the total.
fn share(total: i64, n: usize) -> i64 {
    let before: i64 = WEIGHTS[..n].iter().sum();
    let upto = before + WEIGHTS[n];
    total * upto / 100 - total * before / 100
}

/// Female and male split of a count (the rest unknown), so parts add up to the total.
fn split(v: i64) -> [(&'static str, i64); 3] {
    let female = v * 58 / 100;
    let male = v * 38 / 100;
    [("sex=female", female), ("sex=male", male), ("sex=unknown", v - female - male)]
}

/// Load values for the reporters: (organisation, country).
pub async fn load(s: &Services, reporters: &[(OrgId, &str)]) -> Result<()> {
    let sys = Caller::System;
    for (year_index, year) in (2016..=2020).enumerate() {
        for (n, (org, country)) in reporters.iter().enumerate().take(WEIGHTS.len()) {
            let mut input = Vec::new();
            for (code, totals) in TOTALS {
                let v = share(totals[year_index], n);
                input.push(ValueInput { indicator: (*code).into(), part: String::new(), entry: count(v) });
                if matches!(*code, "G1.O1.1" | "G1.O3.1" | "G2.O1.1" | "G2.O3.1" | "G3.O2.2" | "G4.O2.2" | "G1.O2.1") {
                    for (part, pv) in split(v) {
                        input.push(ValueInput { indicator: (*code).into(), part: part.into(), entry: count(pv) });
                    }
                }
            }
            let ratio = Entry {
                numerator: Some(60 + 5 * year_index as i64 + n as i64),
                denominator: Some(100),
                ..Entry::default()
            };
            input.push(ValueInput { indicator: "G1.O1.2".into(), part: String::new(), entry: ratio });
            input.push(ValueInput {
                indicator: "G3.O1.2".into(),
                part: String::new(),
                entry: count(i64::from(year_index >= 2 && n % 2 == 0)),
            });
            input.push(ValueInput {
                indicator: "G3.O3.1".into(),
                part: String::new(),
                entry: count(1 + ((year_index + n) as i64 % 4)),
            });
            let key =
                ReportKey { programme: "DTZ".into(), org: *org, country: (*country).into(), period: year.to_string() };
            let report = s.save_values(&sys, &key, &input).await?;
            let path: &[ReportAction] = match (year, n % 4) {
                (2016..=2019, _) => {
                    &[ReportAction::Submit, ReportAction::ApproveCountry, ReportAction::ApproveAlliance]
                }
                (_, 0) => &[ReportAction::Submit, ReportAction::ApproveCountry],
                (_, 1) => &[ReportAction::Submit],
                (_, 2) => &[ReportAction::Submit, ReportAction::Return],
                _ => &[],
            };
            let mut version = report.version;
            for a in path {
                let reason = (*a == ReportAction::Return)
                    .then_some("Sample: please add the attendance lists for the June trainings.");
                version = s.act_on_report(&sys, report.id, version, *a, reason).await?.version;
            }
        }
    }
    Ok(())
}

/// Baselines (2015) and country targets for every year of every indicator with values,
/// so the IATI export meets the Ministry's expectations: counts a tenth above what was
/// achieved (rounded), shares, yes/no and scale levels rising over the years. Sample data.
pub async fn load_goals(s: &Services, reporters: &[(OrgId, &str)]) -> Result<()> {
    use crate::goals::GoalInput;
    let mut targets = Vec::new();
    let mut baselines = Vec::new();
    let mut countries: Vec<&str> = reporters.iter().map(|(_, c)| *c).collect();
    countries.sort_unstable();
    countries.dedup();
    let goal = |code: &str, country: &str, period: String, entry: Entry| GoalInput {
        indicator: code.into(),
        country: country.into(),
        org: None,
        period,
        entry,
        ..GoalInput::default()
    };
    for country in countries {
        let share_of = |t: i64| -> i64 {
            reporters.iter().enumerate().filter(|(_, (_, c))| *c == country).map(|(n, _)| share(t, n)).sum()
        };
        for (code, totals) in TOTALS {
            for (i, year) in (2016..=2020).enumerate() {
                let v = share_of(totals[i]) * 11 / 10 / 10 * 10;
                targets.push(goal(code, country, year.to_string(), count(v)));
            }
            baselines.push(goal(code, country, "2015".into(), count(share_of(totals[0]) / 3)));
        }
        let ratio = |n: i64| Entry { numerator: Some(n), denominator: Some(100), ..Entry::default() };
        for (i, year) in (2016..=2020).enumerate() {
            let i = i as i64;
            targets.push(goal("G1.O1.2", country, year.to_string(), ratio(65 + 5 * i)));
            targets.push(goal("G3.O1.2", country, year.to_string(), count(i64::from(i >= 2))));
            targets.push(goal("G3.O3.1", country, year.to_string(), count((2 + i / 2).min(4))));
        }
        // The computed indicators (counted from the demo's activities and work records).
        for code in ["G1.O3.2", "G2.O1.4"] {
            for (i, year) in (2016..=2020).enumerate() {
                targets.push(goal(code, country, year.to_string(), count(40 + 10 * i as i64)));
            }
            baselines.push(goal(code, country, "2015".into(), count(0)));
        }
        for code in ["G3.O1.3", "G4.O1.2", "G4.O2.1"] {
            for year in 2016..=2020 {
                targets.push(goal(code, country, year.to_string(), count(1)));
            }
            baselines.push(goal(code, country, "2015".into(), count(0)));
        }
        baselines.push(goal("G1.O1.2", country, "2015".into(), ratio(40)));
        baselines.push(goal("G3.O1.2", country, "2015".into(), count(0)));
        baselines.push(goal("G3.O3.1", country, "2015".into(), count(1)));
    }
    s.save_goals(&Caller::System, "DTZ", &baselines, &targets).await
}

fn count(v: i64) -> Entry {
    Entry { value: Some(v), ..Entry::default() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_and_splits_add_up_to_the_published_totals() {
        assert_eq!(WEIGHTS.iter().sum::<i64>(), 100);
        for (_, totals) in TOTALS {
            for t in totals {
                assert_eq!((0..WEIGHTS.len()).map(|n| share(*t, n)).sum::<i64>(), *t);
            }
        }
        assert_eq!(split(412).iter().map(|(_, v)| v).sum::<i64>(), 412);
        let trained: i64 = TOTALS.iter().find(|(c, _)| *c == "G1.O3.1").map(|(_, t)| t.iter().sum()).unwrap_or(0);
        assert!((4500..=4700).contains(&trained), "about 4,600 trained children: {trained}");
    }
}
