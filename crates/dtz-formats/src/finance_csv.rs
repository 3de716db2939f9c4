//! Finance records as CSV, for imports and downloads: one row per alliance member ×
//! country × year, and one more row with the same three for each further partner paid.
//! Columns (header required, any order): `organisation` (name, IATI id or id), `country`,
//! `year`, and any of `budget`, `incoming_funds`, `incoming_date` (YYYY-MM-DD),
//! `expenditure`, `partner` (name, IATI id or id) with its `disbursement`; `programme`,
//! when present, must name the programme imported into. Amounts are whole units of the
//! programme's currency. The rows of one member × country × year may repeat budget,
//! incoming funds and expenditure (they must agree) or leave them empty after the first.

use crate::programme::{FileProblem, FileProblems};
use crate::table::{Table, TableCell};
use crate::values_csv::{MAX_CELL_CHARS, MAX_PROBLEMS, unescape};
use std::collections::BTreeMap;

/// Most rows a finance file may hold.
pub const MAX_ROWS: usize = 50_000;

/// Every column, in the order downloads write them.
pub const COLUMNS: [&str; 10] = [
    "programme",
    "organisation",
    "country",
    "year",
    "budget",
    "incoming_funds",
    "incoming_date",
    "expenditure",
    "partner",
    "disbursement",
];
const REQUIRED: [&str; 3] = ["organisation", "country", "year"];

/// One disbursement as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartnerPayment {
    /// Line of its row.
    pub line: usize,
    /// Partner reference.
    pub partner: String,
    /// Amount.
    pub amount: i64,
}

/// One member × country × year as read, with the line of each field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FinanceRecordIn {
    /// First line of the record.
    pub line: usize,
    /// Programme code, when given.
    pub programme: Option<String>,
    /// Member reference.
    pub organisation: String,
    /// Country code.
    pub country: String,
    /// Year.
    pub year: i64,
    /// Budget.
    pub budget: Option<i64>,
    /// Incoming funds.
    pub incoming: Option<i64>,
    /// Their date.
    pub incoming_date: Option<time::Date>,
    /// Expenditure.
    pub expenditure: Option<i64>,
    /// Disbursements.
    pub payments: Vec<PartnerPayment>,
    /// Line where each of budget, incoming_funds, incoming_date, expenditure was given.
    pub lines: BTreeMap<&'static str, usize>,
}

fn problem(line: usize, field: &str, reason: impl Into<String>) -> FileProblem {
    FileProblem { line, field: field.to_owned(), reason: reason.into() }
}

/// Read a finance CSV; every problem is listed by line and column.
pub fn read(bytes: &[u8]) -> Result<Vec<FinanceRecordIn>, FileProblems> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut r = csv::ReaderBuilder::new().flexible(false).trim(csv::Trim::All).from_reader(text);
    let header: Vec<String> = match r.headers() {
        Ok(h) => h.iter().map(|x| x.trim().to_ascii_lowercase()).collect(),
        Err(e) => return Err(FileProblems(vec![problem(1, "row", format!("The header could not be read ({e}).",))])),
    };
    let mut problems = Vec::new();
    for need in REQUIRED {
        if !header.iter().any(|h| h == need) {
            problems.push(problem(1, need, "This column is missing."));
        }
    }
    for (i, h) in header.iter().enumerate() {
        if !COLUMNS.contains(&h.as_str()) && !h.is_empty() {
            problems.push(problem(1, h, "Unknown column."));
        } else if header[..i].contains(h) {
            problems.push(problem(1, h, "This column appears twice."));
        }
    }
    if !problems.is_empty() {
        return Err(FileProblems(problems));
    }
    let mut records: Vec<FinanceRecordIn> = Vec::new();
    for (n, rec) in r.records().enumerate() {
        if problems.len() >= MAX_PROBLEMS {
            problems.push(problem(n + 2, "file", format!("Stopped after {MAX_PROBLEMS} problems: fix these first.")));
            break;
        }
        let line = rec.as_ref().ok().and_then(|x| x.position()).map_or(n + 2, |p| p.line() as usize);
        if n >= MAX_ROWS {
            problems.push(problem(line, "file", format!("At most {MAX_ROWS} rows per file.")));
            break;
        }
        let rec = match rec {
            Ok(rec) => rec,
            Err(e) => {
                problems.push(problem(line, "row", format!("This row could not be read (“{e}”).")));
                continue;
            }
        };
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        row(line, &header, &rec, &mut records, &mut problems);
    }
    if problems.is_empty() { Ok(records) } else { Err(FileProblems(problems)) }
}

fn row(
    line: usize,
    header: &[String],
    rec: &csv::StringRecord,
    records: &mut Vec<FinanceRecordIn>,
    problems: &mut Vec<FileProblem>,
) {
    let get = |name: &str| -> &str {
        header.iter().position(|h| h == name).and_then(|i| rec.get(i)).map(str::trim).unwrap_or("")
    };
    for (i, cell) in rec.iter().enumerate() {
        if cell.chars().count() > MAX_CELL_CHARS {
            let name = header.get(i).map_or("row", String::as_str);
            problems.push(problem(line, name, format!("Use at most {MAX_CELL_CHARS} characters.")));
            return;
        }
    }
    let mut amount = |name: &str| -> Option<i64> {
        let raw = get(name);
        if raw.is_empty() {
            return None;
        }
        match raw.parse::<i64>() {
            Ok(v) if v >= 0 => Some(v),
            _ => {
                problems.push(problem(line, name, format!("“{raw}” is not a whole amount of 0 or more.")));
                None
            }
        }
    };
    let (budget, incoming, expenditure, paid) =
        (amount("budget"), amount("incoming_funds"), amount("expenditure"), amount("disbursement"));
    let year = match get("year").parse::<i64>() {
        Ok(y) if (1900..=2200).contains(&y) => y,
        _ => {
            problems.push(problem(line, "year", format!("“{}” is not a year such as 2016.", get("year"))));
            return;
        }
    };
    let date = match get("incoming_date") {
        "" => None,
        raw => match time::Date::parse(raw, time::macros::format_description!("[year]-[month]-[day]")) {
            Ok(d) => Some(d),
            Err(_) => {
                problems.push(problem(line, "incoming_date", format!("“{raw}” is not a date such as 2016-03-31.")));
                None
            }
        },
    };
    let organisation = unescape(get("organisation")).to_owned();
    let country = get("country").to_ascii_uppercase();
    for (name, v) in [("organisation", organisation.as_str()), ("country", country.as_str())] {
        if v.is_empty() {
            problems.push(problem(line, name, "Enter a value."));
        }
    }
    let partner = unescape(get("partner")).to_owned();
    if partner.is_empty() != paid.is_none() {
        let (col, why) = if partner.is_empty() {
            ("partner", "Name the partner the disbursement went to.")
        } else {
            ("disbursement", "Give the amount disbursed to the partner.")
        };
        problems.push(problem(line, col, why));
    }
    let programme = Some(get("programme").to_owned()).filter(|p| !p.is_empty());
    let at = records.iter().position(|r| r.organisation == organisation && r.country == country && r.year == year);
    let r = match at {
        Some(i) => &mut records[i],
        None => {
            records.push(FinanceRecordIn { line, organisation, country, year, programme, ..Default::default() });
            let last = records.len() - 1;
            &mut records[last]
        }
    };
    let mut set = |name: &'static str, slot: &mut Option<i64>, v: Option<i64>| {
        if let Some(v) = v {
            match *slot {
                Some(old) if old != v => problems.push(problem(
                    line,
                    name,
                    format!(
                        "{v} differs from {old} on line {} for the same organisation, country and year.",
                        r.lines.get(name).copied().unwrap_or(0)
                    ),
                )),
                Some(_) => {}
                None => {
                    *slot = Some(v);
                    r.lines.insert(name, line);
                }
            }
        }
    };
    let (mut b, mut i, mut e) = (r.budget, r.incoming, r.expenditure);
    set("budget", &mut b, budget);
    set("incoming_funds", &mut i, incoming);
    set("expenditure", &mut e, expenditure);
    (r.budget, r.incoming, r.expenditure) = (b, i, e);
    if let Some(d) = date {
        match r.incoming_date {
            Some(old) if old != d => problems.push(problem(
                line,
                "incoming_date",
                "The date differs from an earlier row of the same record.",
            )),
            Some(_) => {}
            None => {
                r.incoming_date = Some(d);
                r.lines.insert("incoming_date", line);
            }
        }
    }
    if let (false, Some(amount)) = (partner.is_empty(), paid) {
        if r.payments.iter().any(|p| p.partner == partner) {
            problems.push(problem(
                line,
                "partner",
                "This partner is named twice for the same organisation, country and year.",
            ));
        } else {
            r.payments.push(PartnerPayment { line, partner, amount });
        }
    }
}

/// A finance record for a download, with names for the member and its partners.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FinanceRecordOut {
    /// Member name.
    pub organisation: String,
    /// Country code.
    pub country: String,
    /// Year.
    pub year: i64,
    /// Budget.
    pub budget: Option<i64>,
    /// Incoming funds.
    pub incoming: Option<i64>,
    /// Their date.
    pub incoming_date: Option<time::Date>,
    /// Expenditure.
    pub expenditure: Option<i64>,
    /// (partner name, amount).
    pub payments: Vec<(String, i64)>,
}

/// The records as a table in the columns [`read`] takes back.
pub fn table(programme: &str, records: &[FinanceRecordOut]) -> Table {
    let num = |v: Option<i64>| v.map_or(TableCell::Empty, TableCell::Number);
    let mut rows = Vec::new();
    for r in records {
        let first: Vec<TableCell> = vec![
            programme.into(),
            crate::values_csv::escape(&r.organisation).into_owned().into(),
            r.country.as_str().into(),
            TableCell::Number(r.year),
        ];
        let figures = vec![
            num(r.budget),
            num(r.incoming),
            r.incoming_date.map_or(TableCell::Empty, |d| TableCell::Text(d.to_string())),
            num(r.expenditure),
        ];
        if r.payments.is_empty() {
            rows.push([first.clone(), figures.clone()].concat());
        }
        for (i, (partner, amount)) in r.payments.iter().enumerate() {
            let figs = if i == 0 { figures.clone() } else { vec![TableCell::Empty; 4] };
            let paid = vec![crate::values_csv::escape(partner).into_owned().into(), TableCell::Number(*amount)];
            rows.push([first.clone(), figs, paid].concat());
        }
    }
    Table { title: format!("{programme} finance"), header: COLUMNS.iter().map(|c| (*c).to_owned()).collect(), rows }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_gather_their_rows_and_problems_name_line_and_column() {
        let ok = "organisation,country,year,budget,incoming_funds,incoming_date,expenditure,partner,disbursement\n\
                  ICCO,BO,2016,100000,90000,2016-02-01,85000,Partner A,30000\n\
                  ICCO,BO,2016,,,,,Partner B,20000\n\
                  ICCO,PE,2016,50000,,,,,\n";
        let recs = read(ok.as_bytes()).expect("valid");
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].payments.len(), 2);
        assert_eq!((recs[0].budget, recs[0].payments[1].line), (Some(100000), 3));
        let bad = "organisation,country,year,budget,incoming_date,partner,disbursement,colour\nX,BO,2016,1,,,,\n";
        let e = read(bad.as_bytes()).expect_err("header");
        assert!(e.to_string().contains("line 1: colour: Unknown column."), "{e}");
        let bad = "organisation,country,year,budget,incoming_date,partner,disbursement\n\
                   ICCO,BO,2016,-5,2016-13-01,P,\n\
                   ICCO,BO,20x6,1,,,\n\
                   ICCO,BO,2016,7,,Q,3\n\
                   ICCO,BO,2016,,,Q,4\n";
        let e = read(bad.as_bytes()).expect_err("rows").to_string();
        for want in [
            "line 2: budget: “-5” is not a whole amount of 0 or more.",
            "line 2: incoming_date: “2016-13-01” is not a date",
            "line 2: disbursement: Give the amount disbursed",
            "line 3: year: “20x6” is not a year",
            "line 5: partner: This partner is named twice",
        ] {
            assert!(e.contains(want), "{want}: {e}");
        }
    }

    #[test]
    fn a_written_table_reads_back_as_the_same_records() {
        let out = vec![FinanceRecordOut {
            organisation: "=ICCO".into(),
            country: "BO".into(),
            year: 2017,
            budget: Some(10),
            incoming: Some(9),
            incoming_date: Some(time::macros::date!(2017 - 01 - 15)),
            expenditure: Some(8),
            payments: vec![("P1".into(), 3), ("P2".into(), 4)],
        }];
        let bytes = crate::table::to_csv(&table("DTZ", &out));
        let back = read(&bytes).expect("reads back");
        assert_eq!(back.len(), 1);
        let r = &back[0];
        assert_eq!(
            (r.organisation.as_str(), r.budget, r.incoming, r.incoming_date, r.expenditure),
            ("=ICCO", Some(10), Some(9), out[0].incoming_date, Some(8))
        );
        assert_eq!(
            r.payments.iter().map(|p| (p.partner.as_str(), p.amount)).collect::<Vec<_>>(),
            [("P1", 3), ("P2", 4)]
        );
        assert_eq!(r.programme.as_deref(), Some("DTZ"));
    }
}
