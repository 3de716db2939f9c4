//! The programme file: a programme and its results framework as versioned TOML, read by
//! `dtz programme load` and written by `dtz programme dump` (DESIGN §6). The framework
//! nests `goals` → `outcomes` → (`outputs` →) `indicators`, each item with a `code`.
//!
//! Every problem is reported with its line, the field (as a path such as
//! `goals[0].outcomes[1].indicators[2].measure`) and the reason, all at once.

mod file;

use dtz_domain::results::Programme;
use std::collections::BTreeMap;
use std::fmt;

/// The format line every programme file starts with.
pub const FORMAT: &str = "dtz-programme/1";

/// One problem in a programme file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileProblem {
    /// 1-based line (0 when the whole file is concerned).
    pub line: usize,
    /// Where in the file, as a path.
    pub field: String,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.field, self.reason)
    }
}

/// Every problem found in a file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct FileProblems(pub Vec<FileProblem>);

/// Read a programme file.
pub fn parse(text: &str) -> Result<Programme, FileProblems> {
    parse_located(text).map(|(p, _)| p)
}

/// Where each part of a read file is, so problems found later (such as the rules towards
/// data recorded against the framework) can name their line too.
#[derive(Clone, Debug, Default)]
pub struct Lines(BTreeMap<String, usize>);

impl Lines {
    /// The line of a path such as `goals[0].outcomes[1].indicators[2].measure` (0 when
    /// the file has no such place).
    pub fn line(&self, field: &str) -> usize {
        line_of(&self.0, field)
    }
}

/// Read a programme file, keeping the line of every part.
pub fn parse_located(text: &str) -> Result<(Programme, Lines), FileProblems> {
    let (programme, lines) = file::read(text)?;
    let mut found = programme.check();
    found.extend(crate::iati::check_codes(&programme));
    let problems: Vec<FileProblem> = found
        .into_iter()
        .map(|i| FileProblem { line: line_of(&lines, &i.field), field: i.field, reason: i.message })
        .collect();
    if problems.is_empty() { Ok((programme, Lines(lines))) } else { Err(FileProblems(problems)) }
}

/// Write a programme file.
pub fn write(p: &Programme) -> String {
    file::write(p)
}

/// The line of the longest known path that starts `field`.
fn line_of(lines: &BTreeMap<String, usize>, field: &str) -> usize {
    let mut path = field;
    loop {
        if let Some(l) = lines.get(path) {
            return *l;
        }
        match path.rfind(['.', '[']) {
            Some(i) => path = &path[..i],
            None => return 0,
        }
    }
}

/// 1-based line of a byte offset.
pub(crate) fn line_at(text: &str, offset: usize) -> usize {
    text.get(..offset).map_or(0, |s| s.matches('\n').count()) + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"format = "dtz-programme/1"

[programme]
code = "P1"
name = "Pilot"
start = 2016-01-01
end = 2017-12-31
periods = "half_year"
currency = "EUR"

[[disaggregations]]
code = "sex"
title = "Sex"
options = [{ code = "female", label = "Female" }, { code = "male", label = "Male" }]

[[goals]]
code = "G1"
title = "Goal"

[[goals.outcomes]]
code = "G1.O1"
title = "Outcome"

[[goals.outcomes.indicators]]
code = "I1"
title = "Children trained"
definition = "Count of children trained."
measure = "count"
disaggregations = ["sex"]

[[goals.outcomes.outputs]]
code = "G1.O1.P1"
title = "Output"

[[goals.outcomes.outputs.indicators]]
code = "I2"
title = "Share who can report"
definition = "Share of children who can name a channel."
measure = "percentage"
"#;

    #[test]
    fn a_file_reads_and_writes_back_the_same_programme() {
        let p = parse(SMALL).expect("valid");
        assert_eq!(p.indicators().len(), 2);
        assert_eq!(
            p.goals[0].children[0].children[0].indicators[0].aggregation,
            dtz_domain::results::Aggregation::RatioOfSums
        );
        let again = parse(&write(&p)).expect("written file reads");
        assert_eq!(again, p);
        assert_eq!(write(&again), write(&p));
    }

    #[test]
    fn problems_name_their_line_field_and_reason() {
        let bad = SMALL
            .replace("measure = \"percentage\"", "measure = \"percentage\"\naggregation = \"sum\"")
            .replace("code = \"I2\"", "code = \"I1\"")
            .replace("disaggregations = [\"sex\"]", "disaggregations = [\"sex\", \"caste\"]");
        let e = parse(&bad).expect_err("invalid");
        let text = e.to_string();
        assert!(
            text.contains("goals[0].outcomes[0].outputs[0].indicators[0].code: The code “I1” is used twice"),
            "{text}"
        );
        assert!(text.contains("aggregation: A percentage adds up as ratio_of_sums"), "{text}");
        assert!(text.contains("indicators[0].disaggregations[1]: There is no disaggregation “caste”"), "{text}");
        let dup = e.0.iter().find(|p| p.reason.contains("used twice")).expect("duplicate");
        let line = bad.lines().position(|l| l == "[[goals.outcomes.outputs.indicators]]").expect("table") + 1;
        assert_eq!(dup.line, line);
    }

    #[test]
    fn toml_errors_and_unknown_fields_report_their_line() {
        let e = parse(&SMALL.replace("measure = \"count\"", "measure = \"tally\"")).expect_err("bad measure");
        let line = SMALL.lines().position(|l| l == "measure = \"count\"").expect("line") + 1;
        assert_eq!(e.0[0].line, line, "{e}");
        assert!(e.0[0].reason.contains("unknown variant"), "{e}");
        let e =
            parse(&SMALL.replace("title = \"Goal\"", "title = \"Goal\"\ncolour = \"red\"")).expect_err("unknown field");
        assert!(e.to_string().contains("colour"), "{e}");
        let e = parse(&SMALL.replace("dtz-programme/1", "dtz-programme/9")).expect_err("format");
        assert!(e.to_string().contains("line 1: format"), "{e}");
        let e = parse(&SMALL.replace("end = 2017-12-31", "end = 2015-12-31")).expect_err("dates");
        assert!(e.to_string().contains("programme.end: The end date is before the start date"), "{e}");
    }
}
