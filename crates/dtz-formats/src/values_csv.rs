//! Indicator values as CSV, one row per indicator × country × organisation × period ×
//! part, for imports. Columns (header required, any order): `indicator`, `country`,
//! `organisation` (name, IATI id or id), `period`, and any of `part`, `value`,
//! `numerator`, `denominator`, `text`, `comment`. `programme`, when present, must name
//! the programme imported into; `title`, `breakdown` and `measure` (written by the
//! pre-filled spreadsheet to help people) are read and ignored.
//!
//! The row checks here are shared with the XLSX reader ([`crate::values_xlsx`]), which
//! turns every cell into text first, so both formats report the same problems.

use crate::programme::{FileProblem, FileProblems};

/// One row as read, with its line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ValueRow {
    /// Line in the file (the header is line 1); the row number in a spreadsheet.
    pub line: usize,
    /// Programme code, when the file has the column.
    pub programme: Option<String>,
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
/// Every column an import reads, in the order the pre-filled spreadsheet writes them.
pub const COLUMNS: [&str; 14] = [
    "indicator",
    "title",
    "part",
    "breakdown",
    "measure",
    "value",
    "numerator",
    "denominator",
    "text",
    "comment",
    "programme",
    "organisation",
    "country",
    "period",
];

/// Most rows one file may hold.
pub const MAX_ROWS: usize = 200_000;
/// Longest cell, in characters (a text value takes at most 4000).
pub const MAX_CELL_CHARS: usize = 4000;
/// Most problems listed for one file; past that the file is reported as unreadable.
pub const MAX_PROBLEMS: usize = 1000;

pub(crate) fn problem(line: usize, field: &str, reason: impl Into<String>) -> FileProblem {
    FileProblem { line, field: field.to_owned(), reason: reason.into() }
}

/// Read the CSV; every problem is listed by line and column.
pub fn read(bytes: &[u8]) -> Result<Vec<ValueRow>, FileProblems> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut r = csv::ReaderBuilder::new().flexible(false).trim(csv::Trim::All).from_reader(text);
    let header: Vec<String> = match r.headers() {
        Ok(h) => h.iter().map(str::to_owned).collect(),
        Err(e) => return Err(FileProblems(vec![unreadable(1, &e)])),
    };
    let mut lines = Lines::new(text);
    let records = r.records().enumerate().map(|(n, rec)| {
        let line = rec.as_ref().ok().and_then(|x| x.position()).map_or(n + 2, |p| lines.at(p.byte()));
        (line, rec.map(|x| x.iter().map(str::to_owned).collect()).map_err(|e| unreadable(line, &e)))
    });
    collect(&header, records)
}

/// Line numbers of byte offsets met in increasing order (the csv crate's own count is
/// one short after CRLF line ends, which is what spreadsheets save).
pub(crate) struct Lines<'a> {
    text: &'a [u8],
    byte: usize,
    line: usize,
}

impl<'a> Lines<'a> {
    /// Counting in `text`.
    pub(crate) fn new(text: &'a [u8]) -> Self {
        Self { text, byte: 0, line: 1 }
    }

    /// The line of the byte at `offset` (1 for the first).
    pub(crate) fn at(&mut self, offset: u64) -> usize {
        let mut to = usize::try_from(offset).unwrap_or(usize::MAX).min(self.text.len()).max(self.byte);
        // After CRLF the csv crate starts the next record at its `\n`: skip line ends.
        while self.text.get(to).is_some_and(|b| matches!(b, b'\r' | b'\n')) {
            to += 1;
        }
        self.line += self.text[self.byte..to].iter().filter(|b| **b == b'\n').count();
        self.byte = to;
        self.line
    }
}

pub(crate) fn unreadable(line: usize, e: &csv::Error) -> FileProblem {
    let detail = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_owned(),
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("{len} cells where the header has {expected_len}")
        }
        _ => e.to_string(),
    };
    problem(line, "row", format!("This row could not be read (“{detail}”)."))
}

/// Check a header; `None` when it has problems (pushed to `problems`).
fn columns(header: &[String], problems: &mut Vec<FileProblem>) -> Option<Vec<Option<&'static str>>> {
    let names: Vec<String> = header.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
    for need in REQUIRED {
        if !names.iter().any(|h| h == need) {
            problems.push(problem(1, need, "This column is missing."));
        }
    }
    let mut out = Vec::new();
    for (i, h) in names.iter().enumerate() {
        let known = COLUMNS.iter().find(|c| **c == h.as_str()).copied();
        if known.is_none() && !h.is_empty() {
            problems.push(problem(1, h, "Unknown column."));
        }
        if known.is_some() && names[..i].contains(h) {
            problems.push(problem(1, h, "This column appears twice."));
        }
        out.push(known);
    }
    problems.is_empty().then_some(out)
}

/// Undo the apostrophe put before text that a spreadsheet could run as a formula (or
/// that starts with an apostrophe), so a downloaded file uploads back unchanged.
pub fn unescape(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r', '\'']) => rest,
        _ => text,
    }
}

/// Text made safe for a spreadsheet, reversibly: an apostrophe before a formula
/// character or an apostrophe.
pub fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r', '\'']) { format!("'{text}").into() } else { text.into() }
}

/// Rows from a header and records of text cells (each with its line), checked alike for
/// CSV and XLSX. A record that could not be read is a problem of its own.
pub(crate) fn collect(
    header: &[String],
    records: impl Iterator<Item = (usize, Result<Vec<String>, FileProblem>)>,
) -> Result<Vec<ValueRow>, FileProblems> {
    let mut problems = Vec::new();
    let Some(cols) = columns(header, &mut problems) else {
        return Err(FileProblems(problems));
    };
    let mut rows = Vec::new();
    for (line, rec) in records {
        if problems.len() >= MAX_PROBLEMS {
            problems.push(problem(line, "file", format!("Stopped after {MAX_PROBLEMS} problems: fix these first.")));
            break;
        }
        if rows.len() >= MAX_ROWS {
            problems.push(problem(line, "file", format!("At most {MAX_ROWS} rows per file.")));
            break;
        }
        let rec = match rec {
            Ok(rec) => rec,
            Err(p) => {
                problems.push(p);
                continue;
            }
        };
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows.push(row(line, &cols, &rec, &mut problems));
    }
    if problems.is_empty() { Ok(rows) } else { Err(FileProblems(problems)) }
}

fn row(line: usize, cols: &[Option<&'static str>], rec: &[String], problems: &mut Vec<FileProblem>) -> ValueRow {
    for (i, cell) in rec.iter().enumerate() {
        if cell.chars().count() > MAX_CELL_CHARS {
            let name = cols.get(i).copied().flatten().unwrap_or("row");
            problems.push(problem(line, name, format!("Use at most {MAX_CELL_CHARS} characters.")));
        }
    }
    let get = |name: &str| -> String {
        cols.iter()
            .position(|c| *c == Some(name))
            .and_then(|i| rec.get(i))
            .map(|s| s.trim())
            .filter(|s| s.chars().count() <= MAX_CELL_CHARS)
            .unwrap_or("")
            .to_owned()
    };
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
    let opt = |s: String| Some(unescape(&s).to_owned()).filter(|x| !x.is_empty());
    ValueRow {
        line,
        programme: opt(get("programme")),
        indicator: get("indicator"),
        country: get("country"),
        organisation: unescape(&get("organisation")).to_owned(),
        period: get("period"),
        part: get("part"),
        value,
        numerator,
        denominator,
        text: opt(get("text")),
        comment: opt(get("comment")),
    }
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
        assert!(
            e.to_string().contains("line 4: row: This row could not be read (“3 cells where the header has 5”)."),
            "{e}"
        );
    }

    #[test]
    fn lines_are_right_after_crlf_line_ends() {
        let rows =
            read(b"indicator,country,organisation,period\r\nG1,BO,P,2016\r\n\r\nG1,BO,P,2017\r\n").expect("valid");
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 4]);
    }

    #[test]
    fn helper_columns_are_accepted_and_escaped_text_comes_back_as_written() {
        let csv = "Indicator,Title,Part,Breakdown,Measure,Value,Comment,Programme,Organisation,Country,Period\n\
                   G1,Children,,Total,count,5,'-3 after the flood,DTZ,'=Partner,BO,2016\n\n";
        let rows = read(csv.as_bytes()).expect("valid");
        assert_eq!(rows.len(), 1, "blank lines are skipped");
        assert_eq!(rows[0].comment.as_deref(), Some("-3 after the flood"));
        assert_eq!(rows[0].organisation, "=Partner");
        assert_eq!(rows[0].programme.as_deref(), Some("DTZ"));
        for s in ["-3", "'=x", "'", "plain", "'plain", "@a", ""] {
            assert_eq!(unescape(&escape(s)), s);
        }
        let twice = "indicator,country,organisation,period,value,value\nG1,BO,P,2016,1,2\n";
        assert!(read(twice.as_bytes()).expect_err("twice").to_string().contains("value: This column appears twice."));
    }

    #[test]
    fn long_cells_and_bad_bytes_are_problems_not_panics() {
        let long = format!("indicator,country,organisation,period,comment\nG1,BO,P,2016,{}\n", "x".repeat(4001));
        assert!(read(long.as_bytes()).expect_err("long").to_string().contains("line 2: comment: Use at most 4000"));
        let mut bad = b"indicator,country,organisation,period\nG1,BO,".to_vec();
        bad.extend([0xff, 0xfe, b',', b'1', b'\n']);
        assert!(
            read(&bad).expect_err("utf8").to_string().contains("line 2: row: This row could not be read (“not UTF-8")
        );
        assert!(read(&[0xff, 0x00, 0x12]).is_err());
        let junk: Vec<u8> = (0..200_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
        let e = read(&junk).expect_err("junk");
        assert!(e.0.len() <= MAX_PROBLEMS + 1);
    }
}
