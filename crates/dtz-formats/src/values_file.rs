//! A values file of either kind, told apart by its content (XLSX is a zip container),
//! else by its name: the same rows and the same problems from CSV and XLSX.

use crate::programme::FileProblems;
use crate::values_csv::{self, ValueRow};
use crate::values_xlsx;

/// The kinds of values file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Comma-separated text.
    Csv,
    /// An Excel workbook (its first sheet).
    Xlsx,
}

impl Kind {
    /// The kind of a file: its first bytes decide, then its name's extension.
    pub fn detect(bytes: &[u8], name: Option<&str>) -> Self {
        let ext = name.and_then(|n| n.rsplit_once('.')).map(|(_, e)| e.to_ascii_lowercase());
        if values_xlsx::is_zip(bytes) || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            return Kind::Xlsx;
        }
        match ext.as_deref() {
            Some("xlsx" | "xlsm" | "xls") => Kind::Xlsx,
            _ => Kind::Csv,
        }
    }
}

/// Read a values file of either kind, within the limits of [`values_xlsx::MAX_FILE_BYTES`]
/// and [`values_csv::MAX_ROWS`]; every problem is listed by line (row) and column.
pub fn read(bytes: &[u8], name: Option<&str>) -> Result<(Kind, Vec<ValueRow>), FileProblems> {
    if bytes.len() > values_xlsx::MAX_FILE_BYTES {
        return Err(FileProblems(vec![values_csv::problem(
            0,
            "file",
            format!("Upload at most {} MB at once.", values_xlsx::MAX_FILE_BYTES / 1024 / 1024),
        )]));
    }
    let kind = Kind::detect(bytes, name);
    let rows = match kind {
        Kind::Csv => values_csv::read(bytes)?,
        Kind::Xlsx => values_xlsx::read(bytes)?,
    };
    Ok((kind, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_comes_from_the_content_then_the_name() {
        assert_eq!(Kind::detect(b"PK\x03\x04rest", Some("values.csv")), Kind::Xlsx);
        assert_eq!(Kind::detect(b"indicator,country", Some("values.XLSX")), Kind::Xlsx);
        assert_eq!(Kind::detect(b"indicator,country", None), Kind::Csv);
        let e = read(b"indicator,country", Some("v.xlsx")).expect_err("not a zip");
        assert!(e.to_string().contains("could not be read as XLSX"), "{e}");
        let big = vec![b'a'; values_xlsx::MAX_FILE_BYTES + 1];
        assert!(read(&big, None).expect_err("big").to_string().contains("Upload at most 10 MB"));
    }
}
