//! Indicator values from the first sheet of an XLSX workbook: the same columns, rows and
//! problems as the CSV import ([`crate::values_csv`]); a row's line is its row number in
//! the spreadsheet.
//!
//! An upload is untrusted: before calamine opens it, the zip container is unpacked once
//! into nothing, counting, so a small file that unpacks to gigabytes is refused; the
//! sheet is then streamed cell by cell (never as a dense range, which a stray cell in
//! column XFD would blow up), and a parser panic becomes a problem, never a crash.

use crate::programme::{FileProblem, FileProblems};
use crate::values_csv::{ValueRow, collect, problem};
use calamine::{Data, Reader, Xlsx};
use std::io::{Cursor, Read};

/// Largest file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// Most bytes the parts of a workbook may unpack to.
pub const MAX_UNPACKED_BYTES: u64 = 256 * 1024 * 1024;
/// Most parts a workbook may have.
pub const MAX_PARTS: usize = 1000;

/// Whether the bytes are a zip container (XLSX is one).
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

fn whole_file(reason: impl Into<String>) -> FileProblems {
    FileProblems(vec![problem(0, "file", reason)])
}

fn not_xlsx(detail: impl std::fmt::Display) -> FileProblems {
    whole_file(format!("The file could not be read as XLSX (“{detail}”)."))
}

/// Read the values of the first sheet; every problem is listed by row and column.
pub fn read(bytes: &[u8]) -> Result<Vec<ValueRow>, FileProblems> {
    let (header, records, problems) = first_sheet(bytes)?;
    let out = collect(&header, records.into_iter());
    match (out, problems.is_empty()) {
        (Ok(rows), true) => Ok(rows),
        (Ok(_), false) => Err(FileProblems(problems)),
        (Err(FileProblems(mut more)), _) => {
            more.extend(problems);
            Err(FileProblems(more))
        }
    }
}

/// The first sheet of an untrusted workbook as a header and text records with their
/// lines (a cell outside the header's columns is a problem of its record), and the
/// problems met while streaming it; the checks and limits of [`read`], for any table.
pub(crate) type Sheet = (Vec<String>, Vec<(usize, Result<Vec<String>, FileProblem>)>, Vec<FileProblem>);

/// See [`Sheet`].
pub(crate) fn first_sheet(bytes: &[u8]) -> Result<Sheet, FileProblems> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(whole_file(format!("Upload at most {} MB at once.", MAX_FILE_BYTES / 1024 / 1024)));
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(whole_file(
            "This is an old Excel file (.xls) or a password-protected one: save it as .xlsx (without a password) or as CSV.",
        ));
    }
    if !is_zip(bytes) {
        return Err(not_xlsx("not a zip container"));
    }
    check_container(bytes, MAX_UNPACKED_BYTES)?;
    // calamine is a large parser fed with untrusted bytes: a panic in it must become a
    // problem with the file, not a crashed request.
    std::panic::catch_unwind(|| read_sheet(bytes)).unwrap_or_else(|_| Err(not_xlsx("the parser gave up")))
}

/// Unpack every part into nothing, counting, and refuse what is too big.
fn check_container(bytes: &[u8], limit: u64) -> Result<(), FileProblems> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(not_xlsx)?;
    if zip.len() > MAX_PARTS {
        return Err(not_xlsx(format!("{} parts", zip.len())));
    }
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let part = zip.by_index(i).map_err(not_xlsx)?;
        let room = limit.saturating_sub(total);
        let n = std::io::copy(&mut part.take(room + 1), &mut std::io::sink()).map_err(not_xlsx)?;
        total += n;
        if total > limit {
            return Err(whole_file(format!(
                "The workbook unpacks to more than {} MB: split it into smaller files.",
                limit / 1024 / 1024
            )));
        }
    }
    Ok(())
}

/// The spreadsheet name of a column: A, B, …, Z, AA, ….
pub fn column_letter(mut col: u32) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

/// A cell as the text a CSV would hold: whole numbers without a fraction.
fn text_of(d: Data) -> String {
    match d {
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => format!("{}", f as i64),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s,
        other => other.to_string(),
    }
}

fn read_sheet(bytes: &[u8]) -> Result<Sheet, FileProblems> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(not_xlsx)?;
    let first = book.sheet_names().into_iter().next().ok_or_else(|| not_xlsx("no sheet"))?;
    let mut cells = book.worksheet_cells_reader(&first).map_err(not_xlsx)?;
    // Rows as they stream: (row index, cells with their columns).
    let mut rows: Vec<(u32, Vec<(u32, String)>)> = Vec::new();
    let mut problems: Vec<FileProblem> = Vec::new();
    loop {
        let cell = match cells.next_cell() {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) => {
                problems.push(problem(rows.last().map_or(0, |r| r.0 as usize + 1), "file", not_xlsx(e).to_string()));
                break;
            }
        };
        let ((r, c), value) = (cell.get_position(), text_of(Data::from(cell.get_value().clone())));
        if value.trim().is_empty() {
            continue;
        }
        let full = rows.len() > crate::values_csv::MAX_ROWS + 1;
        match rows.last_mut() {
            Some((row, cs)) if *row == r => cs.push((c, value)),
            _ if full => break,
            _ => rows.push((r, vec![(c, value)])),
        }
    }
    drop(cells);
    let mut rows = rows.into_iter();
    let Some((_, head)) = rows.next() else {
        return Err(whole_file("The first sheet is empty."));
    };
    let width = head.iter().map(|(c, _)| *c as usize + 1).max().unwrap_or(0);
    let mut header = vec![String::new(); width];
    for (c, v) in head {
        if let Some(h) = header.get_mut(c as usize) {
            *h = v;
        }
    }
    let records = rows.map(|(r, cs)| {
        let line = r as usize + 1;
        let mut rec = vec![String::new(); width];
        for (c, v) in cs {
            match rec.get_mut(c as usize).filter(|_| !header[c as usize].trim().is_empty()) {
                Some(slot) => *slot = v,
                None => {
                    let letter = column_letter(c);
                    return (line, Err(problem(line, &letter, "This cell is outside the columns of the table.")));
                }
            }
        }
        (line, Ok(rec))
    });
    let records = records.collect();
    Ok((header, records, problems))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_xlsxwriter::Workbook;

    fn book(rows: &[&[&str]]) -> Vec<u8> {
        let mut b = Workbook::new();
        let s = b.add_worksheet();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if let Ok(n) = v.parse::<f64>() {
                    s.write_number(r as u32, c as u16, n).unwrap();
                } else if !v.is_empty() {
                    s.write_string(r as u32, c as u16, *v).unwrap();
                }
            }
        }
        b.save_to_buffer().unwrap()
    }

    #[test]
    fn rows_come_from_the_first_sheet_with_numbers_as_whole_numbers() {
        let x = book(&[
            &["indicator", "country", "organisation", "period", "part", "value", "comment"],
            &["G1.O1.1", "BO", "Partner", "2016", "", "412", ""],
            &[],
            &["G1.O1.1", "BO", "Partner", "2016", "sex=female", "250", "'-2 moved away"],
        ]);
        let rows = read(&x).expect("valid");
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].line, rows[0].period.as_str(), rows[0].value), (2, "2016", Some(412)));
        assert_eq!((rows[1].line, rows[1].part.as_str()), (4, "sex=female"));
        assert_eq!(rows[1].comment.as_deref(), Some("-2 moved away"));
    }

    #[test]
    fn problems_name_the_row_and_column_as_for_csv() {
        let x = book(&[
            &["indicator", "country", "organisation", "period", "value", "colour"],
            &["G1", "BO", "P", "2016", "2.5"],
        ]);
        let e = read(&x).expect_err("header").to_string();
        assert!(e.contains("line 1: colour: Unknown column."), "{e}");
        let x = book(&[
            &["indicator", "country", "organisation", "period", "value"],
            &["G1", "BO", "P", "2016", "2.5"],
            &["G1", "BO", "P", "2017", "lots"],
            &["G1", "BO", "P", "2018", "3", "", "", "stray"],
        ]);
        let e = read(&x).expect_err("cells").to_string();
        assert!(e.contains("line 2: value: “2.5” is not a whole number."), "{e}");
        assert!(e.contains("line 3: value: “lots” is not a whole number."), "{e}");
        assert!(e.contains("line 4: H: This cell is outside the columns of the table."), "{e}");
    }

    #[test]
    fn garbage_truncated_and_bomb_files_are_problems_not_panics() {
        let good = book(&[&["indicator", "country", "organisation", "period"], &["G1", "BO", "P", "2016"]]);
        for cut in [4, 30, good.len() / 2, good.len() - 10] {
            assert!(read(&good[..cut]).is_err(), "truncated at {cut}");
        }
        assert!(read(b"PK\x03\x04 not really").is_err());
        assert!(read(&[0xD0, 0xCF, 0x11, 0xE0, 0, 0]).expect_err("xls").to_string().contains(".xls"));
        let e = read(&book(&[])).expect_err("empty").to_string();
        assert!(e.contains("The first sheet is empty."), "{e}");
        // A part that unpacks beyond the limit (a small limit here, to keep the test quick).
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        w.start_file("xl/sharedStrings.xml", opts).unwrap();
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..3 {
            std::io::Write::write_all(&mut w, &zeros).unwrap();
        }
        let bomb = w.finish().unwrap().into_inner();
        assert!(bomb.len() < 64 * 1024, "{}", bomb.len());
        let e = check_container(&bomb, 2 * 1024 * 1024).expect_err("bomb").to_string();
        assert!(e.contains("unpacks to more than 2 MB"), "{e}");
        assert!(check_container(&bomb, 4 * 1024 * 1024).is_ok());
        assert!(column_letter(0) == "A" && column_letter(25) == "Z" && column_letter(26) == "AA");
        assert_eq!(column_letter(16383), "XFD");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn no_bytes_make_the_reader_panic(flips in proptest::collection::vec((0usize..100_000, proptest::prelude::any::<u8>()), 0..20)) {
            let mut x = book(&[&["indicator", "country", "organisation", "period", "value"], &["G1", "BO", "P", "2016", "5"]]);
            for (at, b) in flips {
                let n = x.len();
                x[at % n] = b;
            }
            let _ = read(&x);
        }

        #[test]
        fn no_damaged_sheet_inside_a_sound_container_makes_it_panic(
            flips in proptest::collection::vec((0usize..10_000, proptest::prelude::any::<u8>()), 1..8),
            part in 0usize..3,
        ) {
            let x = book(&[&["indicator", "country", "organisation", "period", "value"], &["G1", "BO", "P", "2016", "5"]]);
            let target = ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/workbook.xml"][part];
            let mut src = zip::ZipArchive::new(Cursor::new(x)).unwrap();
            let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
            for i in 0..src.len() {
                let mut f = src.by_index(i).unwrap();
                let name = f.name().unwrap().into_owned();
                let mut data = Vec::new();
                f.read_to_end(&mut data).unwrap();
                if name == target && !data.is_empty() {
                    for (at, b) in &flips {
                        let n = data.len();
                        data[at % n] = *b;
                    }
                }
                w.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
                std::io::Write::write_all(&mut w, &data).unwrap();
            }
            let damaged = w.finish().unwrap().into_inner();
            let _ = read(&damaged);
        }
    }
}
