//! Activities as CSV or XLSX (the first sheet), for imports and downloads: one row per
//! activity × reach cell, the activity's fields repeated on its rows (or left empty after
//! its first row). Columns (header required, any order): `activity` (its id, or any key
//! that groups the rows of one activity), `organisation`, `country`, `goal`, `type`,
//! `title`, `start`, and any of `programme`, `end`, `area`, `description`, `links`
//! (separated by spaces), `basis` (`counted` or `estimated`), `group`, `sex`, `age`,
//! `first_time`, `repeat`. The file kinds, limits and problems are those of the values
//! import (`values_file`): a problem names its line (the row number in a spreadsheet)
//! and its column.

use crate::programme::{FileProblem, FileProblems};
use crate::table::{Table, TableCell};
use crate::values_csv::{Lines, MAX_CELL_CHARS, MAX_PROBLEMS, MAX_ROWS, problem, unescape, unreadable};
use crate::values_file::Kind;
use crate::values_xlsx;

/// Every column, in the order downloads write them.
pub const COLUMNS: [&str; 19] = [
    "activity",
    "programme",
    "organisation",
    "country",
    "goal",
    "type",
    "title",
    "start",
    "end",
    "area",
    "description",
    "links",
    "basis",
    "group",
    "sex",
    "age",
    "first_time",
    "repeat",
    "reached",
];

const REQUIRED: [&str; 7] = ["activity", "organisation", "country", "goal", "type", "title", "start"];

/// Columns written for people and ignored by the import.
const IGNORED: [&str; 1] = ["reached"];

/// One row as read: the cells by column (empty when absent), with the row's line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActivityRow {
    /// Line in the file (the header is line 1).
    pub line: usize,
    /// Cells of the known columns, in the order of [`COLUMNS`].
    pub cells: Vec<String>,
}

impl ActivityRow {
    /// The cell of a column ("" when the file has no such column).
    pub fn get(&self, column: &str) -> &str {
        COLUMNS.iter().position(|c| *c == column).and_then(|i| self.cells.get(i)).map_or("", String::as_str)
    }
}

/// Read a file of either kind; every problem is listed by line and column.
pub fn read(bytes: &[u8], name: Option<&str>) -> Result<Vec<ActivityRow>, FileProblems> {
    if bytes.len() > values_xlsx::MAX_FILE_BYTES {
        return Err(FileProblems(vec![problem(
            0,
            "file",
            format!("Upload at most {} MB at once.", values_xlsx::MAX_FILE_BYTES / 1024 / 1024),
        )]));
    }
    match Kind::detect(bytes, name) {
        Kind::Xlsx => {
            let (header, records, mut problems) = values_xlsx::first_sheet(bytes)?;
            match collect(&header, records.into_iter()) {
                Ok(rows) if problems.is_empty() => Ok(rows),
                Ok(_) => Err(FileProblems(problems)),
                Err(FileProblems(mut more)) => {
                    more.append(&mut problems);
                    Err(FileProblems(more))
                }
            }
        }
        Kind::Csv => {
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
    }
}

fn columns(header: &[String], problems: &mut Vec<FileProblem>) -> Option<Vec<Option<usize>>> {
    let names: Vec<String> = header.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
    for need in REQUIRED {
        if !names.iter().any(|h| h == need) {
            problems.push(problem(1, need, "This column is missing."));
        }
    }
    let mut out = Vec::new();
    for (i, h) in names.iter().enumerate() {
        let known = COLUMNS.iter().position(|c| *c == h.as_str());
        if known.is_none() && !h.is_empty() {
            problems.push(problem(1, h, "Unknown column."));
        }
        if known.is_some() && names[..i].contains(h) {
            problems.push(problem(1, h, "This column appears twice."));
        }
        out.push(known.filter(|k| !IGNORED.contains(&COLUMNS[*k])));
    }
    problems.is_empty().then_some(out)
}

fn collect(
    header: &[String],
    records: impl Iterator<Item = (usize, Result<Vec<String>, FileProblem>)>,
) -> Result<Vec<ActivityRow>, FileProblems> {
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
        let mut cells = vec![String::new(); COLUMNS.len()];
        for (i, cell) in rec.iter().enumerate() {
            let Some(k) = cols.get(i).copied().flatten() else { continue };
            if cell.chars().count() > MAX_CELL_CHARS {
                problems.push(problem(line, COLUMNS[k], format!("Use at most {MAX_CELL_CHARS} characters.")));
                continue;
            }
            cells[k] = unescape(cell.trim()).to_owned();
        }
        rows.push(ActivityRow { line, cells });
    }
    if problems.is_empty() { Ok(rows) } else { Err(FileProblems(problems)) }
}

/// Rows as a table in the import's columns (a download that uploads back unchanged):
/// numbers as numbers, text neutralised against formulas.
pub fn table(title: &str, rows: &[Vec<String>]) -> Table {
    let numeric = ["first_time", "repeat", "reached"];
    Table {
        title: title.to_owned(),
        header: COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
        rows: rows
            .iter()
            .map(|r| {
                r.iter()
                    .zip(COLUMNS)
                    .map(|(v, c)| match v.parse::<i64>() {
                        Ok(n) if numeric.contains(&c) => TableCell::Number(n),
                        _ if v.is_empty() => TableCell::Empty,
                        _ => TableCell::Text(v.clone()),
                    })
                    .collect()
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_their_lines_and_cells_by_column() {
        let csv = "Activity,Organisation,Country,Goal,Type,Title,Start,group,sex,age,first_time,repeat,reached\n\
                   w1,Partner,BO,G1,training_children,'=Workshop,2016-03-04,children,female,12_17,20,3,23\n\
                   w1,,,,,,,children,male,12_17,15,0,15\n\n";
        let rows = read(csv.as_bytes(), Some("a.csv")).expect("valid");
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].line, rows[0].get("title"), rows[0].get("first_time")), (2, "=Workshop", "20"));
        assert_eq!((rows[1].line, rows[1].get("sex"), rows[1].get("reached")), (3, "male", ""));
    }

    #[test]
    fn header_problems_name_their_columns_and_files_of_both_kinds_read_alike() {
        let e = read(b"activity,title,colour\nx,y,z\n", None).expect_err("header").to_string();
        assert!(e.contains("line 1: organisation: This column is missing."), "{e}");
        assert!(e.contains("line 1: colour: Unknown column."), "{e}");
        let rows = vec![vec![
            "w1".to_owned(),
            String::new(),
            "Partner".into(),
            "BO".into(),
            "G1".into(),
            "awareness_event".into(),
            "-1 day fair".into(),
            "2016-05-01".into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            "counted".into(),
            "parents".into(),
            "unknown".into(),
            "unknown".into(),
            "40".into(),
            "0".into(),
            "40".into(),
        ]];
        let t = table("Activities", &rows);
        let from_csv = read(&crate::table::to_csv(&t), Some("a.csv")).expect("csv");
        let from_xlsx = read(&crate::table::to_xlsx(&t).expect("xlsx"), Some("a.xlsx")).expect("xlsx");
        assert_eq!(from_csv, from_xlsx);
        assert_eq!(from_csv[0].get("title"), "-1 day fair", "neutralised text comes back as written");
        assert_eq!(from_csv[0].get("first_time"), "40");
    }
}
