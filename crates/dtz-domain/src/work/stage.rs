//! Stage histories: a policy instrument moves from identified to implemented, a
//! prosecution through the court stages of its legal system, a company from contacted to
//! reporting. Each stage is recorded at most once per record, with the date it was
//! reached (and, where the record allows, a note and evidence files); a correction
//! changes that entry, a mistake is withdrawn. Dates follow the order of the stages.

use super::{LONG_TEXT, optional, past_date};
use crate::validate::{Invalid, Violations};
use time::Date;

/// A stage entry as typed.
#[derive(Clone, Debug, Default)]
pub struct StageInput {
    /// When the stage was reached (`YYYY-MM-DD`).
    pub reached_on: String,
    /// What shows it (a gazette number, minutes…); empty for none.
    pub note: String,
}

/// A stage entry that passed its checks.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct StageFields {
    /// When the stage was reached.
    pub reached_on: Date,
    /// What shows it.
    pub note: Option<String>,
}

impl StageFields {
    /// Check a stage entry; `notes` is false for records that take no free text
    /// (prosecutions: nothing that could name a child).
    pub fn parse(input: &StageInput, notes: bool, today: Date) -> Result<Self, Violations> {
        let mut v = Violations::default();
        let reached_on = v.check(past_date("reached_on", &input.reached_on, today));
        let note = if notes {
            v.check(optional("note", &input.note, LONG_TEXT)).flatten()
        } else {
            if !input.note.trim().is_empty() {
                v.push(Invalid::new("note", "This record takes no notes: leave the note empty."));
            }
            None
        };
        match reached_on {
            Some(reached_on) if v.0.is_empty() => Ok(Self { reached_on, note }),
            _ => Err(v),
        }
    }
}

/// Check that `date` for `stage` keeps the dates in the order of the stages: no earlier
/// stage was reached after it, no later stage before it. `order` lists the stage codes
/// in order; `recorded` the other stages recorded with their dates.
pub fn check_order(order: &[&str], recorded: &[(String, Date)], stage: &str, date: Date) -> Result<(), Invalid> {
    let pos = |s: &str| order.iter().position(|o| *o == s);
    let Some(mine) = pos(stage) else {
        return Err(Invalid::new("stage", "Choose a stage from the list."));
    };
    for (other, d) in recorded {
        let Some(theirs) = pos(other) else { continue };
        if theirs < mine && *d > date {
            return Err(Invalid::new(
                "reached_on",
                format!("The date is before that of an earlier stage, “{other}” (“{}”).", super::iso_date(*d)),
            ));
        }
        if theirs > mine && *d < date {
            return Err(Invalid::new(
                "reached_on",
                format!("The date is after that of a later stage, “{other}” (“{}”).", super::iso_date(*d)),
            ));
        }
    }
    Ok(())
}

/// The current stage: the last, in the order of the stages, of those recorded.
pub fn current<'a>(order: &[&'a str], recorded: impl IntoIterator<Item = impl AsRef<str>>) -> Option<&'a str> {
    let reached: Vec<String> = recorded.into_iter().map(|s| s.as_ref().to_owned()).collect();
    order.iter().rev().find(|s| reached.iter().any(|r| r == *s)).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const ORDER: &[&str] = &["identified", "drafted", "adopted", "funded", "implemented"];

    #[test]
    fn dates_follow_the_order_of_the_stages() {
        let rec = vec![("drafted".to_owned(), date!(2018 - 05 - 01)), ("funded".to_owned(), date!(2019 - 01 - 10))];
        assert!(check_order(ORDER, &rec, "adopted", date!(2018 - 09 - 01)).is_ok());
        assert!(check_order(ORDER, &rec, "adopted", date!(2018 - 05 - 01)).is_ok());
        let early = check_order(ORDER, &rec, "adopted", date!(2018 - 04 - 30)).unwrap_err();
        assert_eq!(early.message, "The date is before that of an earlier stage, “drafted” (“2018-05-01”).");
        let late = check_order(ORDER, &rec, "adopted", date!(2019 - 02 - 01)).unwrap_err();
        assert!(late.message.contains("“funded”"), "{}", late.message);
        assert_eq!(check_order(ORDER, &rec, "nope", date!(2019 - 02 - 01)).unwrap_err().field, "stage");
    }

    #[test]
    fn the_current_stage_is_the_last_one_recorded_in_order() {
        assert_eq!(current(ORDER, ["adopted", "identified"]), Some("adopted"));
        assert_eq!(current(ORDER, Vec::<String>::new()), None);
        assert_eq!(current(ORDER, ["gone"]), None);
    }

    #[test]
    fn records_without_notes_refuse_them() {
        let today = date!(2020 - 01 - 01);
        let input = StageInput { reached_on: "2019-01-01".into(), note: "the child's name".into() };
        assert!(StageFields::parse(&input, false, today).is_err());
        assert_eq!(StageFields::parse(&input, true, today).unwrap().note.as_deref(), Some("the child's name"));
        let bad = StageFields::parse(&StageInput::default(), true, today).unwrap_err();
        assert_eq!(bad.0[0].field, "reached_on");
    }
}
