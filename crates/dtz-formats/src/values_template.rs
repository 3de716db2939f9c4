//! The pre-filled spreadsheet of one report (organisation × country × period) that a
//! partner fills in offline and uploads back: the first sheet holds one row per
//! indicator and part, in the columns the import reads ([`crate::values_csv::COLUMNS`]),
//! with what is stored already; a second sheet explains the columns in the reader's
//! language. Cells to fill are shaded and checked by the spreadsheet program (whole
//! numbers, yes/no, levels); the others are there to read. Text is written escaped
//! ([`crate::values_csv::escape`]) and read back unescaped, so an unchanged file
//! uploads as no change.

use crate::table::{XlsxProblem, sheet_name};
use crate::values_csv::{COLUMNS, escape};
use rust_xlsxwriter::{DataValidation, DataValidationRule, Format, FormatBorder, Note, Workbook, Worksheet};

/// What a row asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// A whole number of 0 or more, in `value`.
    Count,
    /// 1 (yes) or 0 (no), in `value`.
    YesNo,
    /// A level from 1 to the maximum, in `value`.
    Level(i64),
    /// `numerator` and `denominator`.
    Fraction,
    /// Words, in `text`.
    Text,
}

/// One row: an indicator's total or one part of a breakdown, with what is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateRow {
    /// Indicator code.
    pub indicator: String,
    /// Indicator title.
    pub title: String,
    /// Part (`""` for the total, `set=option`).
    pub part: String,
    /// The part in words, such as "Sex: female".
    pub breakdown: String,
    /// What to enter, in words.
    pub measure: String,
    /// Which cells to fill.
    pub input: Input,
    /// Stored value.
    pub value: Option<i64>,
    /// Stored numerator.
    pub numerator: Option<i64>,
    /// Stored denominator.
    pub denominator: Option<i64>,
    /// Stored text.
    pub text: Option<String>,
    /// Stored comment.
    pub comment: Option<String>,
}

/// The whole workbook: the report's keys, the rows, and the words around them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Template {
    /// Name of the first sheet ("Values").
    pub values_sheet: String,
    /// Name of the second sheet ("Instructions").
    pub help_sheet: String,
    /// Paragraphs of the instructions, the first as the heading.
    pub help: Vec<String>,
    /// Each column of [`COLUMNS`] explained, in that order.
    pub column_help: Vec<String>,
    /// Programme code.
    pub programme: String,
    /// Organisation (as the import finds it: name, IATI id or id).
    pub organisation: String,
    /// Country code.
    pub country: String,
    /// Period.
    pub period: String,
    /// The rows.
    pub rows: Vec<TemplateRow>,
}

fn col(name: &str) -> u16 {
    COLUMNS.iter().position(|c| *c == name).and_then(|i| u16::try_from(i).ok()).unwrap_or(0)
}

/// Which columns a row fills.
fn fills(input: Input) -> &'static [&'static str] {
    match input {
        Input::Count | Input::YesNo | Input::Level(_) => &["value", "comment"],
        Input::Fraction => &["numerator", "denominator", "comment"],
        Input::Text => &["text", "comment"],
    }
}

fn validation(input: Input, column: &str) -> Result<Option<DataValidation>, rust_xlsxwriter::XlsxError> {
    let whole = |rule| DataValidation::new().allow_whole_number(rule);
    Ok(match (input, column) {
        (_, "comment") => Some(DataValidation::new().allow_text_length(DataValidationRule::LessThanOrEqualTo(2000))),
        (Input::Text, _) => Some(DataValidation::new().allow_text_length(DataValidationRule::LessThanOrEqualTo(4000))),
        (Input::YesNo, _) => Some(whole(DataValidationRule::Between(0, 1))),
        (Input::Level(max), _) => Some(whole(DataValidationRule::Between(1, i32::try_from(max).unwrap_or(i32::MAX)))),
        (Input::Count | Input::Fraction, _) => Some(whole(DataValidationRule::GreaterThanOrEqualTo(0))),
    })
}

/// Write the workbook.
pub fn write(t: &Template) -> Result<Vec<u8>, XlsxProblem> {
    let problem = |e: rust_xlsxwriter::XlsxError| XlsxProblem(e.to_string());
    let mut book = Workbook::new();
    values_sheet(book.add_worksheet(), t).map_err(problem)?;
    help_sheet(book.add_worksheet(), t).map_err(problem)?;
    book.save_to_buffer().map_err(problem)
}

fn values_sheet(sheet: &mut Worksheet, t: &Template) -> Result<(), rust_xlsxwriter::XlsxError> {
    sheet.set_name(sheet_name(&t.values_sheet))?;
    let head = Format::new().set_bold().set_border_bottom(FormatBorder::Thin).set_background_color(0xD9E2F3);
    let fill = Format::new().set_background_color(0xFFF2CC).set_border(FormatBorder::Hair).set_unlocked();
    let none = Format::new().set_background_color(0xEDEDED);
    for (c, name) in COLUMNS.iter().enumerate() {
        let c = u16::try_from(c).unwrap_or(0);
        sheet.write_string_with_format(0, c, *name, &head)?;
        if let Some(help) = t.column_help.get(usize::from(c)).filter(|h| !h.is_empty()) {
            sheet.insert_note(0, c, &Note::new(help.as_str()).set_author("dtz"))?;
        }
    }
    for (i, r) in t.rows.iter().enumerate() {
        let row = u32::try_from(i + 1).map_err(|_| rust_xlsxwriter::XlsxError::RowColumnLimitError)?;
        let text = |s: &str| escape(s).into_owned();
        for (name, v) in [
            ("indicator", &r.indicator),
            ("title", &r.title),
            ("part", &r.part),
            ("breakdown", &r.breakdown),
            ("measure", &r.measure),
            ("programme", &t.programme),
            ("organisation", &t.organisation),
            ("country", &t.country),
            ("period", &t.period),
        ] {
            sheet.write_string(row, col(name), text(v))?;
        }
        let open = fills(r.input);
        for name in ["value", "numerator", "denominator", "text", "comment"] {
            let c = col(name);
            if !open.contains(&name) {
                sheet.write_blank(row, c, &none)?;
                continue;
            }
            let number = match name {
                "value" => r.value,
                "numerator" => r.numerator,
                "denominator" => r.denominator,
                _ => None,
            };
            let words = match name {
                "text" => r.text.as_deref(),
                "comment" => r.comment.as_deref(),
                _ => None,
            };
            match (number, words) {
                // Values are far below 2^53, where f64 stops being exact.
                (Some(n), _) => sheet.write_number_with_format(row, c, n as f64, &fill)?,
                (None, Some(s)) => sheet.write_string_with_format(row, c, text(s), &fill)?,
                (None, None) => sheet.write_blank(row, c, &fill)?,
            };
            if let Some(v) = validation(r.input, name)? {
                sheet.add_data_validation(row, c, row, c, &v)?;
            }
        }
    }
    let last = u32::try_from(t.rows.len()).unwrap_or(0);
    sheet.autofilter(0, 0, last, col("period"))?;
    sheet.set_freeze_panes(1, 1)?;
    for (name, width) in [
        ("indicator", 12.0),
        ("title", 48.0),
        ("part", 16.0),
        ("breakdown", 22.0),
        ("measure", 28.0),
        ("value", 12.0),
        ("numerator", 12.0),
        ("denominator", 12.0),
        ("text", 40.0),
        ("comment", 40.0),
        ("organisation", 28.0),
    ] {
        sheet.set_column_width(col(name), width)?;
    }
    Ok(())
}

fn help_sheet(sheet: &mut Worksheet, t: &Template) -> Result<(), rust_xlsxwriter::XlsxError> {
    sheet.set_name(sheet_name(&t.help_sheet))?;
    let wrap = Format::new().set_text_wrap();
    let bold = Format::new().set_bold();
    sheet.set_column_width(0, 16.0)?;
    sheet.set_column_width(1, 90.0)?;
    let mut row = 0u32;
    for (i, p) in t.help.iter().enumerate() {
        if i == 0 {
            sheet.write_string_with_format(row, 0, escape(p), &bold)?;
        } else {
            sheet.merge_range(row, 0, row, 1, &escape(p), &wrap)?;
        }
        row += 1;
    }
    row += 1;
    for (name, help) in COLUMNS.iter().zip(&t.column_help) {
        sheet.write_string_with_format(row, 0, *name, &bold)?;
        sheet.write_string_with_format(row, 1, escape(help), &wrap)?;
        row += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values_xlsx;

    fn sample() -> Template {
        let row = |part: &str, input, value, comment: Option<&str>| TemplateRow {
            indicator: "G1.O1.1".into(),
            title: "Children who know how to report".into(),
            part: part.into(),
            breakdown: if part.is_empty() { "Total".into() } else { format!("Sex: {part}") },
            measure: "a whole number".into(),
            input,
            value,
            numerator: None,
            denominator: None,
            text: None,
            comment: comment.map(str::to_owned),
        };
        Template {
            values_sheet: "Values".into(),
            help_sheet: "Instructions".into(),
            help: vec!["How to fill in".into(), "Fill the yellow cells.".into()],
            column_help: COLUMNS.iter().map(|c| format!("about {c}")).collect(),
            programme: "DTZ".into(),
            organisation: "=Partner".into(),
            country: "BO".into(),
            period: "2020".into(),
            rows: vec![
                row("", Input::Count, Some(300), Some("-10 moved away")),
                row("sex=female", Input::Count, None, None),
                TemplateRow {
                    indicator: "G1.O1.2".into(),
                    input: Input::Fraction,
                    numerator: Some(7),
                    denominator: Some(10),
                    ..row("", Input::Fraction, None, None)
                },
                TemplateRow {
                    indicator: "G3.O1.1".into(),
                    input: Input::Text,
                    text: Some("'quoted".into()),
                    ..row("", Input::Text, None, None)
                },
            ],
        }
    }

    #[test]
    fn the_template_reads_back_as_the_rows_it_was_made_of() {
        let bytes = write(&sample()).expect("written");
        let rows = values_xlsx::read(&bytes).expect("reads back");
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].line, 2);
        assert_eq!(
            (rows[0].indicator.as_str(), rows[0].value, rows[0].comment.as_deref()),
            ("G1.O1.1", Some(300), Some("-10 moved away"))
        );
        assert_eq!((rows[1].part.as_str(), rows[1].value, rows[1].comment.as_deref()), ("sex=female", None, None));
        assert_eq!((rows[2].numerator, rows[2].denominator), (Some(7), Some(10)));
        assert_eq!(rows[3].text.as_deref(), Some("'quoted"));
        for r in &rows {
            assert_eq!(
                (r.programme.as_deref(), r.organisation.as_str(), r.country.as_str(), r.period.as_str()),
                (Some("DTZ"), "=Partner", "BO", "2020")
            );
        }
        let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("open");
        use calamine::Reader;
        assert_eq!(book.sheet_names(), ["Values", "Instructions"]);
        let help = book.worksheet_range("Instructions").expect("help");
        assert!(help.rows().any(|r| r.iter().any(|c| *c == "about comment")));
    }
}
