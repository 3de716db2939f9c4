//! Tables as downloads: every table people see can be taken away as CSV or XLSX
//! (DESIGN §5). Text that a spreadsheet could run as a formula (`=`, `+`, `-`, `@`, tab,
//! carriage return at the start) is neutralised with a leading apostrophe in both
//! formats, so a file stays safe even when an XLSX is saved again as CSV.

use rust_xlsxwriter::{Format, Workbook};

/// A table with a title, a header row and rows of cells.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    /// What the table shows; the sheet name in XLSX.
    pub title: String,
    /// Column headings.
    pub header: Vec<String>,
    /// The rows; a row may be shorter than the header.
    pub rows: Vec<Vec<TableCell>>,
}

/// One cell.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum TableCell {
    /// Nothing.
    #[default]
    Empty,
    /// Text, neutralised when it could run as a formula.
    Text(String),
    /// A whole number, such as a count.
    Number(i64),
    /// A fraction, 0.5 for 50 %: a number in CSV, a percentage in XLSX.
    Ratio(f64),
}

impl From<&str> for TableCell {
    fn from(s: &str) -> Self {
        TableCell::Text(s.to_owned())
    }
}

impl From<String> for TableCell {
    fn from(s: String) -> Self {
        TableCell::Text(s)
    }
}

/// Why an XLSX file could not be written (such as a text longer than Excel allows).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot write the XLSX file: {0}")]
pub struct XlsxProblem(pub String);

/// Characters that make a spreadsheet read a cell as a formula.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Text made safe for a spreadsheet: an apostrophe before a formula character.
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(FORMULA_START) { format!("'{text}").into() } else { text.into() }
}

/// The table as CSV: UTF-8 with a byte-order mark (so Excel reads the accents right),
/// comma-separated, CRLF line ends, the header (if any) first.
pub fn to_csv(table: &Table) -> Vec<u8> {
    // Writing to memory cannot fail and rows may have any length, so there is no error
    // to report; an empty file stands for the impossible case.
    write_csv(table).unwrap_or_default()
}

fn write_csv(table: &Table) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .flexible(true)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    if !table.header.is_empty() {
        w.write_record(table.header.iter().map(|h| neutralise(h).into_owned()))?;
    }
    for row in &table.rows {
        w.write_record(row.iter().map(|c| match c {
            TableCell::Empty => String::new(),
            TableCell::Text(s) => neutralise(s).into_owned(),
            TableCell::Number(n) => n.to_string(),
            TableCell::Ratio(r) => r.to_string(),
        }))?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// The table as an XLSX workbook of one sheet named after the title: a bold header row,
/// numbers as numbers, text as text (never as formulas).
pub fn to_xlsx(table: &Table) -> Result<Vec<u8>, XlsxProblem> {
    let problem = |e: rust_xlsxwriter::XlsxError| XlsxProblem(e.to_string());
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name(&table.title)).map_err(problem)?;
    let bold = Format::new().set_bold();
    let percent = Format::new().set_num_format("0.0%");
    for (c, h) in table.header.iter().enumerate() {
        sheet.write_string_with_format(0, column(c)?, neutralise(h), &bold).map_err(problem)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        let r = u32::try_from(r + 1).map_err(|_| XlsxProblem("too many rows".into()))?;
        for (c, cell) in row.iter().enumerate() {
            let c = column(c)?;
            match cell {
                TableCell::Empty => None,
                TableCell::Text(s) => Some(sheet.write_string(r, c, neutralise(s))),
                // Counts are far below 2^53, where f64 stops being exact.
                TableCell::Number(n) => Some(sheet.write_number(r, c, *n as f64)),
                TableCell::Ratio(x) => Some(sheet.write_number_with_format(r, c, *x, &percent)),
            }
            .transpose()
            .map_err(problem)?;
        }
    }
    if !table.header.is_empty() {
        sheet.set_freeze_panes(1, 0).map_err(problem)?;
    }
    book.save_to_buffer().map_err(problem)
}

fn column(c: usize) -> Result<u16, XlsxProblem> {
    u16::try_from(c).map_err(|_| XlsxProblem("too many columns".into()))
}

/// A sheet name Excel accepts: at most 31 characters, none of `[ ] : * ? / \`, no
/// apostrophe at either end, not empty and not "History".
pub fn sheet_name(title: &str) -> String {
    let clean: String =
        title.chars().filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') && !c.is_control()).collect();
    let name: String = clean.trim().trim_matches('\'').trim().chars().take(31).collect();
    let name = name.trim_end_matches('\'').trim_end().to_owned();
    if name.is_empty() || name.eq_ignore_ascii_case("history") { "Sheet1".to_owned() } else { name }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};
    use proptest::prelude::*;

    fn sample() -> Table {
        Table {
            title: "Results: DTZ [2016/2017]".into(),
            header: vec!["Code".into(), "Title".into(), "2016".into(), "2017".into()],
            rows: vec![
                vec!["G1".into(), r#"=HYPERLINK("http://x")"#.into(), TableCell::Number(2000), TableCell::Ratio(0.6)],
                vec!["G2".into(), "Niños y niñas".into(), TableCell::Empty, TableCell::Number(-3)],
            ],
        }
    }

    fn read_back(bytes: Vec<u8>) -> (Vec<String>, calamine::Range<Data>) {
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let names = book.sheet_names();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        (names, range)
    }

    #[test]
    fn csv_has_a_bom_crlf_and_neutralised_formulas() {
        let csv = String::from_utf8(to_csv(&sample())).unwrap();
        assert!(csv.starts_with('\u{feff}'));
        assert_eq!(
            csv,
            "\u{feff}Code,Title,2016,2017\r\nG1,\"'=HYPERLINK(\"\"http://x\"\")\",2000,0.6\r\nG2,Niños y niñas,,-3\r\n"
        );
    }

    #[test]
    fn xlsx_keeps_numbers_as_numbers_and_text_as_neutralised_text() {
        let (names, range) = read_back(to_xlsx(&sample()).unwrap());
        assert_eq!(names, ["Results DTZ 20162017"]);
        assert_eq!(range.get_value((0, 1)), Some(&Data::String("Title".into())));
        assert_eq!(range.get_value((1, 1)), Some(&Data::String(r#"'=HYPERLINK("http://x")"#.into())));
        assert_eq!(range.get_value((1, 2)), Some(&Data::Float(2000.0)));
        assert_eq!(range.get_value((1, 3)), Some(&Data::Float(0.6)));
        assert_eq!(range.get_value((2, 1)), Some(&Data::String("Niños y niñas".into())));
        assert_eq!(range.get_value((2, 3)), Some(&Data::Float(-3.0)));
        assert!(matches!(range.get_value((2, 2)), None | Some(Data::Empty)));
    }

    #[test]
    fn sheet_names_follow_excels_rules() {
        assert_eq!(sheet_name("'Quoted'"), "Quoted");
        assert_eq!(sheet_name(""), "Sheet1");
        assert_eq!(sheet_name("history"), "Sheet1");
        assert_eq!(sheet_name(&"x".repeat(40)).len(), 31);
        assert_eq!(sheet_name("ñ".repeat(40).as_str()).chars().count(), 31);
        let t = Table { title: "a/b?c*d:e[f]g\\h".into(), ..Table::default() };
        assert_eq!(read_back(to_xlsx(&t).unwrap()).0, ["abcdefgh"]);
    }

    proptest! {
        #[test]
        fn no_csv_field_starts_a_formula_unless_prefixed(
            cells in proptest::collection::vec("[=+@\t\r\"',a-z 0-9-]{0,12}", 1..6),
        ) {
            let t = Table { title: String::new(), header: vec![], rows: vec![cells.iter().map(|s| s.as_str().into()).collect()] };
            let bytes = to_csv(&t);
            let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(&bytes[3..]);
            let record = r.records().next().unwrap().unwrap();
            prop_assert_eq!(record.len(), cells.len());
            for (field, cell) in record.iter().zip(&cells) {
                prop_assert!(!field.starts_with(FORMULA_START), "{:?}", field);
                if cell.starts_with(FORMULA_START) {
                    prop_assert_eq!(field, format!("'{cell}"));
                } else {
                    prop_assert_eq!(field, cell.as_str());
                }
            }
        }
    }
}
