//! Indicator values as CSV, one row per indicator × country × organisation × period ×
//! part, for imports. Columns (header required, any order): `indicator`, `country`,
//! `organisation` (name, IATI id or id), `period`, and any of `part`, `value`,
//! `numerator`, `denominator`, `text`, `comment`.

use crate::programme::{FileProblem, FileProblems};

/// One row as read, with its line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ValueRow {
    /// Line in the file (the header is line 1).
    pub line: usize,
    /// Indicator code.
    pub indicator: String,
    /// Country code.
    pub country: String,
    /// Organisation reference.
    pub organisation: String,
    /// Period.
    pub period: String,
    /// Part (`""` for the total).
    pub part: String,
    /// Count, yes (1) / no (0), level.
    pub value: Option<i64>,
    /// Numerator.
    pub numerator: Option<i64>,
    /// Denominator.
    pub denominator: Option<i64>,
    /// Text.
    pub text: Option<String>,
    /// Comment.
    pub comment: Option<String>,
}

const REQUIRED: [&str; 4] = ["indicator", "country", "organisation", "period"];
const KNOWN: [&str; 10] =
    ["indicator", "country", "organisation", "period", "part", "value", "numerator", "denominator", "text", "comment"];

/// Most rows one file may hold.
pub const MAX_ROWS: usize = 200_000;

fn problem(line: usize, field: &str, reason: impl Into<String>) -> FileProblem {
    FileProblem { line, field: field.to_owned(), reason: reason.into() }
}

/// Read the CSV; every problem is listed by line and column.
pub fn read(bytes: &[u8]) -> Result<Vec<ValueRow>, FileProblems> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut r = csv::ReaderBuilder::new().flexible(false).trim(csv::Trim::All).from_reader(text);
    let header: Vec<String> = match r.headers() {
        Ok(h) => h.iter().map(|c| c.to_ascii_lowercase()).collect(),
        Err(e) => return Err(FileProblems(vec![problem(1, "header", e.to_string())])),
    };
    let mut problems = Vec::new();
    for need in REQUIRED {
        if !header.iter().any(|h| h == need) {
            problems.push(problem(1, need, "This column is missing."));
        }
    }
    for h in &header {
        if !KNOWN.contains(&h.as_str()) {
            problems.push(problem(1, h, "Unknown column."));
        }
    }
    if !problems.is_empty() {
        return Err(FileProblems(problems));
    }
    let col = |name: &str| header.iter().position(|h| h == name);
    let mut rows = Vec::new();
    for (n, rec) in r.records().enumerate() {
        let line = n + 2;
        if rows.len() >= MAX_ROWS {
            problems.push(problem(line, "file", format!("At most {MAX_ROWS} rows per file.")));
            break;
        }
        let rec = match rec {
            Ok(rec) => rec,
            Err(e) => {
                problems.push(problem(line, "row", e.to_string()));
                continue;
            }
        };
        let get = |name: &str| col(name).and_then(|i| rec.get(i)).unwrap_or("").to_owned();
        let mut num = |name: &str| -> Option<i64> {
            let raw = get(name);
            if raw.is_empty() {
                return None;
            }
            raw.parse::<i64>()
                .map_err(|_| problems.push(problem(line, name, format!("“{raw}” is not a whole number."))))
                .ok()
        };
        let (value, numerator, denominator) = (num("value"), num("numerator"), num("denominator"));
        let opt = |s: String| Some(s).filter(|x| !x.is_empty());
        rows.push(ValueRow {
            line,
            indicator: get("indicator"),
            country: get("country"),
            organisation: get("organisation"),
            period: get("period"),
            part: get("part"),
            value,
            numerator,
            denominator,
            text: opt(get("text")),
            comment: opt(get("comment")),
        });
    }
    if problems.is_empty() { Ok(rows) } else { Err(FileProblems(problems)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_read_with_their_lines_and_problems_name_line_and_column() {
        let ok = "indicator,country,organisation,period,part,value\nG1.O1.1,BO,Partner,2016,,412\nG1.O1.1,BO,Partner,2016,sex=female,250\n";
        let rows = read(ok.as_bytes()).expect("valid");
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[1].line, rows[1].part.as_str(), rows[1].value), (3, "sex=female", Some(250)));
        let bad = "indicator,country,period,colour\nG1,BO,2016,red\n";
        let e = read(bad.as_bytes()).expect_err("header");
        assert!(e.to_string().contains("line 1: organisation: This column is missing."), "{e}");
        assert!(e.to_string().contains("line 1: colour: Unknown column."), "{e}");
        let nums = "indicator,country,organisation,period,value\nG1,BO,P,2016,lots\nG1,BO,P,2017,5\nG1,BO,P\n";
        let e = read(nums.as_bytes()).expect_err("numbers");
        assert!(e.to_string().contains("line 2: value: “lots” is not a whole number."), "{e}");
        assert!(e.to_string().contains("line 4: row"), "{e}");
    }
}
