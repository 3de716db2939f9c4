//! Activities (DESIGN §4): trainings, awareness events, campaigns, lobby meetings… with
//! their reach by group × sex × age group, counted or estimated, and first-time
//! participants apart from repeat ones, so that indicators of unique persons count a
//! child once. An activity belongs to one organisation, country and strategic goal of a
//! programme; the period it counts in is the one containing its start date.

use crate::ids::id_type;
use crate::org::CountryCode;
use crate::results::{Period, PeriodKind};
use crate::validate::{self, Invalid, Violations};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use time::Date;
use uuid::Uuid;

id_type!(
    /// An activity.
    ActivityId,
);

macro_rules! code_enum {
    ($(#[$doc:meta])* $t:ident { $($(#[$vdoc:meta])* $v:ident => $s:literal),* $(,)? } $msg:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $t { $($(#[$vdoc])* #[serde(rename = $s)] $v),* }

        impl $t {
            /// Every value, in display order.
            pub const ALL: &'static [$t] = &[$($t::$v),*];

            /// Stored, file and wire name.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $s),* }
            }

            /// Parse the stored, file or wire name.
            pub fn parse(field: &str, s: &str) -> Result<Self, Invalid> {
                match s.trim() { $($s => Ok(Self::$v),)* _ => Err(Invalid::new(field, $msg)) }
            }
        }
    };
}

code_enum!(
    /// Who was reached.
    ReachGroup {
        /// Children (under 18).
        Children => "children",
        /// Young people (18–24).
        YoungPeople => "young_people",
        /// Parents and caregivers.
        Parents => "parents",
        /// Teachers and school staff.
        Teachers => "teachers",
        /// Police officers.
        Police => "police",
        /// Prosecutors, judges and court staff.
        Judiciary => "judiciary",
        /// Staff of companies.
        BusinessStaff => "business_staff",
        /// The general public.
        GeneralPublic => "general_public",
    }
    "Use children, young_people, parents, teachers, police, judiciary, business_staff or general_public."
);

code_enum!(
    /// Sex of the people reached (the codes of the demo programme's `sex` set).
    Sex {
        /// Female.
        Female => "female",
        /// Male.
        Male => "male",
        /// Not known or not split.
        Unknown => "unknown",
    }
    "Use female, male or unknown."
);

code_enum!(
    /// Age group of the people reached (the codes of the demo programme's `age` set).
    AgeGroup {
        /// Under 12.
        Under12 => "under_12",
        /// 12 to 17.
        From12To17 => "12_17",
        /// 18 and over.
        Adult => "18_plus",
        /// Not known or not split.
        Unknown => "unknown",
    }
    "Use under_12, 12_17, 18_plus or unknown."
);

code_enum!(
    /// How the reach was established.
    ReachBasis {
        /// Counted: attendance lists, registrations.
        Counted => "counted",
        /// Estimated: audiences of media, crowds at public events.
        Estimated => "estimated",
    }
    "Use counted or estimated."
);

/// Largest number in one cell of the reach grid (an audience of ten million).
pub const MAX_REACH: i64 = 10_000_000;
/// Most links of one activity.
pub const MAX_LINKS: usize = 10;
/// Longest title.
pub const TITLE_MAX: usize = 200;
/// Longest description.
pub const DESCRIPTION_MAX: usize = 4000;
/// Longest area (district, city, school…).
pub const AREA_MAX: usize = 200;
/// Longest link.
pub const LINK_MAX: usize = 500;

/// One cell of the reach grid: people of one group, sex and age group, first-time
/// participants apart from those who took part before.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ReachCell {
    /// Group.
    pub group: ReachGroup,
    /// Sex.
    pub sex: Sex,
    /// Age group.
    pub age: AgeGroup,
    /// People reached by the programme for the first time.
    pub first_time: i64,
    /// People who took part in an earlier activity of the programme.
    pub repeat: i64,
}

impl ReachCell {
    /// Everyone in the cell.
    pub fn total(&self) -> i64 {
        self.first_time + self.repeat
    }
}

/// What an activity is, as checked; the audit names these fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ActivityFields {
    /// Strategic goal (code of a goal of the programme).
    pub goal: String,
    /// Country.
    pub country: CountryCode,
    /// Kind (a term code of the `activity_type` vocabulary).
    pub activity_type: String,
    /// Title.
    pub title: String,
    /// First day.
    pub start: Date,
    /// Last day.
    pub end: Date,
    /// Where: district, city, school…
    pub area: String,
    /// What happened.
    pub description: String,
    /// Links to evidence elsewhere (media articles, posts, reports).
    pub links: Vec<String>,
    /// Counted or estimated.
    pub basis: ReachBasis,
    /// Reach, one cell per group × sex × age group, sorted, without empty cells.
    pub reach: Vec<ReachCell>,
}

impl ActivityFields {
    /// The period of `kind` the activity counts in: the one containing its start.
    pub fn period(&self, kind: PeriodKind) -> Period {
        Period::containing(kind, self.start)
    }

    /// Everyone reached (first-time and repeat).
    pub fn reached(&self) -> i64 {
        self.reach.iter().map(ReachCell::total).sum()
    }
}

/// One cell of the reach grid as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReachInput {
    /// Group code.
    pub group: String,
    /// Sex code.
    pub sex: String,
    /// Age group code.
    pub age: String,
    /// First-time participants ("" for none).
    pub first_time: String,
    /// Repeat participants ("" for none).
    pub repeat: String,
}

/// An activity as typed in a form, a file row or a JSON body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActivityInput {
    /// Goal code.
    pub goal: String,
    /// Country code.
    pub country: String,
    /// Activity type code.
    pub activity_type: String,
    /// Title.
    pub title: String,
    /// First day (`2016-03-31`).
    pub start: String,
    /// Last day (empty: the first day).
    pub end: String,
    /// Area.
    pub area: String,
    /// Description.
    pub description: String,
    /// Links, one per entry (empty entries are left out).
    pub links: Vec<String>,
    /// `counted` (default) or `estimated`.
    pub basis: String,
    /// Reach cells.
    pub reach: Vec<ReachInput>,
}

/// What a programme allows: its goals, countries, dates and the activity types in use.
#[derive(Clone, Debug, Default)]
pub struct Allowed<'a> {
    /// Goal codes.
    pub goals: Vec<&'a str>,
    /// Countries.
    pub countries: Vec<CountryCode>,
    /// First day of the programme.
    pub start: Option<Date>,
    /// Last day of the programme.
    pub end: Option<Date>,
    /// Activity type codes offered (active terms of the `activity_type` vocabulary),
    /// each with the country it is limited to ("" for everywhere).
    pub types: Vec<(&'a str, &'a str)>,
}

/// Parse a calendar date such as `2016-03-31`.
pub fn date(field: &str, s: &str) -> Result<Date, Invalid> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &fmt).map_err(|_| Invalid::new(field, "Use a date such as 2016-03-31."))
}

/// A link: an `http` or `https` address without spaces.
pub fn link(field: &str, s: &str) -> Result<String, Invalid> {
    let s = s.trim();
    let lower = s.to_ascii_lowercase();
    let scheme = lower.starts_with("https://") || lower.starts_with("http://");
    let ok = scheme && s.len() > 8 && !s.chars().any(|c| c.is_whitespace() || c.is_control());
    if !ok {
        return Err(Invalid::new(field, "Enter a web address that starts with http:// or https://."));
    }
    if s.chars().count() > LINK_MAX {
        return Err(Invalid::new(field, format!("Use at most {LINK_MAX} characters.")));
    }
    Ok(s.to_owned())
}

fn count(field: &str, s: &str) -> Result<i64, Invalid> {
    let s: String = s.trim().chars().filter(|c| !matches!(c, ',' | '.' | ' ' | '\u{a0}')).collect();
    if s.is_empty() {
        return Ok(0);
    }
    match s.parse::<i64>() {
        Ok(n) if (0..=MAX_REACH).contains(&n) => Ok(n),
        _ => Err(Invalid::new(field, format!("Enter a whole number from 0 to {MAX_REACH}."))),
    }
}

/// The field name of one reach cell (`reach[children/female/12_17].first_time`).
pub fn reach_field(group: &str, sex: &str, age: &str, what: &str) -> String {
    format!("reach[{group}/{sex}/{age}].{what}")
}

fn reach(input: &[ReachInput], v: &mut Violations) -> Vec<ReachCell> {
    let mut out: Vec<ReachCell> = Vec::new();
    for r in input {
        let at = |what: &str| reach_field(r.group.trim(), r.sex.trim(), r.age.trim(), what);
        let (g, s, a) = (
            v.check(ReachGroup::parse(&at("group"), &r.group)),
            v.check(Sex::parse(&at("sex"), &r.sex)),
            v.check(AgeGroup::parse(&at("age"), &r.age)),
        );
        let (first, repeat) =
            (v.check(count(&at("first_time"), &r.first_time)), v.check(count(&at("repeat"), &r.repeat)));
        let (Some(group), Some(sex), Some(age), Some(first_time), Some(repeat)) = (g, s, a, first, repeat) else {
            continue;
        };
        if out.iter().any(|c| (c.group, c.sex, c.age) == (group, sex, age)) {
            v.push(Invalid::new(at("group"), "This group, sex and age group is given twice."));
            continue;
        }
        if first_time + repeat > 0 {
            out.push(ReachCell { group, sex, age, first_time, repeat });
        }
    }
    out.sort();
    out
}

impl ActivityFields {
    /// Check typed input against what the programme allows; every problem at once.
    pub fn parse(i: &ActivityInput, allowed: &Allowed<'_>) -> Result<Self, Violations> {
        let mut v = Violations::default();
        let goal = i.goal.trim();
        if !allowed.goals.contains(&goal) {
            v.push(Invalid::new("goal", "Choose a strategic goal of the programme."));
        }
        let country = v.check(CountryCode::parse("country", &i.country).and_then(|c| {
            if allowed.countries.contains(&c) {
                Ok(c)
            } else {
                Err(Invalid::new("country", "The programme does not work in this country."))
            }
        }));
        let activity_type = i.activity_type.trim();
        let type_ok = allowed
            .types
            .iter()
            .any(|(t, c)| *t == activity_type && (c.is_empty() || country.is_some_and(|x| x.as_str() == *c)));
        if !type_ok {
            v.push(Invalid::new("activity_type", "Choose a type of activity from the list."));
        }
        let title = v.check(validate::text("title", &i.title, TITLE_MAX));
        let start = v.check(date("start", &i.start));
        let end = if i.end.trim().is_empty() { start } else { v.check(date("end", &i.end)) };
        if let (Some(s), Some(e)) = (start, end) {
            if e < s {
                v.push(Invalid::new("end", "The end date is before the start date."));
            }
            if allowed.start.is_some_and(|p| s < p) || allowed.end.is_some_and(|p| s > p) {
                v.push(Invalid::new("start", "The activity starts outside the programme's dates."));
            }
        }
        let area = v.check(validate::optional_text("area", &i.area, AREA_MAX)).flatten().unwrap_or_default();
        let description = v
            .check(validate::optional_text("description", &i.description, DESCRIPTION_MAX))
            .flatten()
            .unwrap_or_default();
        let given: Vec<&String> = i.links.iter().filter(|l| !l.trim().is_empty()).collect();
        if given.len() > MAX_LINKS {
            v.push(Invalid::new("links", format!("Give at most {MAX_LINKS} links.")));
        }
        let links: Vec<String> = given.iter().filter_map(|l| v.check(link("links", l))).collect();
        let basis = if i.basis.trim().is_empty() {
            Some(ReachBasis::Counted)
        } else {
            v.check(ReachBasis::parse("basis", &i.basis))
        };
        let reach = reach(&i.reach, &mut v);
        match (country, title, start, end, basis) {
            (Some(country), Some(title), Some(start), Some(end), Some(basis)) if v.0.is_empty() => Ok(Self {
                goal: goal.to_owned(),
                country,
                activity_type: activity_type.to_owned(),
                title,
                start,
                end,
                area,
                description,
                links,
                basis,
                reach,
            }),
            _ => Err(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn allowed() -> Allowed<'static> {
        Allowed {
            goals: vec!["G1", "G2"],
            countries: vec![CountryCode::parse("c", "BO").unwrap()],
            start: Some(date!(2016 - 01 - 01)),
            end: Some(date!(2020 - 12 - 31)),
            types: vec![("training_children", ""), ("local_fair", "PE")],
        }
    }

    fn input() -> ActivityInput {
        ActivityInput {
            goal: "G1".into(),
            country: "bo".into(),
            activity_type: "training_children".into(),
            title: " Workshop in El Alto ".into(),
            start: "2016-03-04".into(),
            reach: vec![
                ReachInput {
                    group: "children".into(),
                    sex: "female".into(),
                    age: "12_17".into(),
                    first_time: "1,200".into(),
                    repeat: "3".into(),
                },
                ReachInput {
                    group: "parents".into(),
                    sex: "unknown".into(),
                    age: "unknown".into(),
                    ..Default::default()
                },
            ],
            ..ActivityInput::default()
        }
    }

    #[test]
    fn a_sound_activity_parses_with_its_reach_and_period() {
        let f = ActivityFields::parse(&input(), &allowed()).unwrap();
        assert_eq!(
            (f.title.as_str(), f.end, f.basis),
            ("Workshop in El Alto", date!(2016 - 03 - 04), ReachBasis::Counted)
        );
        assert_eq!(f.reach.len(), 1, "empty cells are left out");
        assert_eq!((f.reach[0].first_time, f.reach[0].repeat, f.reached()), (1200, 3, 1203));
        assert_eq!(f.period(PeriodKind::Year).to_string(), "2016");
        assert_eq!(f.period(PeriodKind::Quarter).to_string(), "2016-Q1");
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let mut i = input();
        i.goal = "G9".into();
        i.activity_type = "local_fair".into();
        i.start = "2015-12-31".into();
        i.end = "2015-12-01".into();
        i.links = vec!["javascript:alert(1)".into(), String::new()];
        i.reach.push(ReachInput {
            group: "children".into(),
            sex: "female".into(),
            age: "12_17".into(),
            first_time: "-1".into(),
            repeat: String::new(),
        });
        i.reach.push(i.reach[0].clone());
        let e = ActivityFields::parse(&i, &allowed()).unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "goal",
                "activity_type",
                "end",
                "start",
                "links",
                "reach[children/female/12_17].first_time",
                "reach[children/female/12_17].group"
            ],
            "{e}"
        );
    }

    #[test]
    fn codes_round_trip_and_links_need_a_web_scheme() {
        for g in ReachGroup::ALL {
            assert_eq!(ReachGroup::parse("g", g.as_str()), Ok(*g));
        }
        for a in AgeGroup::ALL {
            assert_eq!(AgeGroup::parse("a", a.as_str()), Ok(*a));
        }
        assert!(link("l", "https://example.org/news?id=1").is_ok());
        for bad in ["ftp://x", "https://", "https://a b", "www.example.org", "data:text/html,x"] {
            assert!(link("l", bad).is_err(), "{bad}");
        }
        assert_eq!(count("n", " 12.345 "), Ok(12345));
        assert!(count("n", "10000001").is_err());
    }
}
