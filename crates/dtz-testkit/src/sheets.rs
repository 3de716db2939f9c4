//! A partner at a spreadsheet program, for tests: open a workbook, change some cells of
//! its first sheet, save it again — read with calamine, written anew with
//! rust_xlsxwriter, so the file that comes back was not made by dtz's own writer.

use calamine::{Data, Reader, Xlsx};

/// One change: in the row whose `indicator` and `part` columns match, set `column`.
pub struct Edit<'a> {
    /// Indicator code of the row.
    pub indicator: &'a str,
    /// Part of the row (`""` for the total).
    pub part: &'a str,
    /// Column name, as in the header row.
    pub column: &'a str,
    /// New content: a number when it parses as one, else text; empty clears the cell.
    pub value: &'a str,
}

/// The first sheet as rows of cells.
pub fn cells(xlsx: &[u8]) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(xlsx.to_vec())).expect("an XLSX workbook");
    let range = book.worksheet_range_at(0).expect("a first sheet").expect("a readable first sheet");
    range.rows().map(<[Data]>::to_vec).collect()
}

/// The workbook saved again with the edits applied (every edit must find its row).
pub fn edit(xlsx: &[u8], edits: &[Edit<'_>]) -> Vec<u8> {
    let mut rows = cells(xlsx);
    let header: Vec<String> = rows.first().expect("a header row").iter().map(ToString::to_string).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    for e in edits {
        let (ci, cp, cc) = (col("indicator"), col("part"), col(e.column));
        let row = rows
            .iter_mut()
            .skip(1)
            .find(|r| {
                r.get(ci).map(ToString::to_string).as_deref() == Some(e.indicator)
                    && r.get(cp).map(ToString::to_string).unwrap_or_default() == e.part
            })
            .unwrap_or_else(|| panic!("no row {} {}", e.indicator, e.part));
        if row.len() <= cc {
            row.resize(cc + 1, Data::Empty);
        }
        row[cc] = match e.value.parse::<f64>() {
            _ if e.value.is_empty() => Data::Empty,
            Ok(n) => Data::Float(n),
            Err(_) => Data::String(e.value.to_owned()),
        };
    }
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (u32::try_from(r).expect("row"), u16::try_from(c).expect("column"));
            match cell {
                Data::Empty => {}
                Data::Float(n) => {
                    sheet.write_number(r, c, *n).expect("number");
                }
                Data::Int(n) => {
                    sheet.write_number(r, c, *n as f64).expect("number");
                }
                other => {
                    sheet.write_string(r, c, other.to_string()).expect("text");
                }
            }
        }
    }
    book.save_to_buffer().expect("saved")
}
