//! Files people attach as evidence (and, later, to activities and policy instruments):
//! the kinds accepted, the size limit and the rules for a file's name. What a file *is*
//! is decided from its bytes (`dtz_formats::sniff`), never from the name or the type the
//! browser claims; only plain text is told apart from CSV by its name.

use crate::validate::Invalid;

/// Largest file accepted: 10 MiB.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// Longest file name kept, in characters.
const MAX_NAME_CHARS: usize = 200;

/// A kind of file dtz accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// PDF document.
    Pdf,
    /// JPEG photo.
    Jpeg,
    /// PNG image.
    Png,
    /// WebP image.
    Webp,
    /// Excel workbook (Office Open XML).
    Xlsx,
    /// Word document (Office Open XML).
    Docx,
    /// OpenDocument spreadsheet.
    Ods,
    /// OpenDocument text.
    Odt,
    /// Comma-separated values (UTF-8 text named `.csv`).
    Csv,
    /// Plain UTF-8 text.
    Text,
}

impl FileKind {
    /// Every kind accepted.
    pub const ALL: [FileKind; 10] = [
        FileKind::Pdf,
        FileKind::Jpeg,
        FileKind::Png,
        FileKind::Webp,
        FileKind::Xlsx,
        FileKind::Docx,
        FileKind::Ods,
        FileKind::Odt,
        FileKind::Csv,
        FileKind::Text,
    ];

    /// The media type stored and served.
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Webp => "image/webp",
            FileKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileKind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            FileKind::Ods => "application/vnd.oasis.opendocument.spreadsheet",
            FileKind::Odt => "application/vnd.oasis.opendocument.text",
            FileKind::Csv => "text/csv",
            FileKind::Text => "text/plain",
        }
    }

    /// The kind a stored media type names, if it is one dtz accepts (anything else is
    /// served as `application/octet-stream`).
    pub fn from_content_type(s: &str) -> Option<FileKind> {
        Self::ALL.into_iter().find(|k| k.content_type() == s)
    }

    /// A short name people read (`PDF`, `JPEG`…).
    pub fn label(self) -> &'static str {
        match self {
            FileKind::Pdf => "PDF",
            FileKind::Jpeg => "JPEG",
            FileKind::Png => "PNG",
            FileKind::Webp => "WebP",
            FileKind::Xlsx => "XLSX",
            FileKind::Docx => "DOCX",
            FileKind::Ods => "ODS",
            FileKind::Odt => "ODT",
            FileKind::Csv => "CSV",
            FileKind::Text => "TXT",
        }
    }
}

/// The name of an uploaded file as kept: the last path component of what the browser
/// sent, trimmed, without control characters, at most 200 characters (the extension
/// kept when it is cut).
pub fn file_name(field: &str, raw: &str) -> Result<String, Invalid> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let clean: String = last.chars().filter(|c| !c.is_control()).collect();
    let clean = clean.trim().trim_start_matches('.').trim();
    if clean.is_empty() {
        return Err(Invalid::new(field, "Choose a file to attach."));
    }
    if clean.chars().count() <= MAX_NAME_CHARS {
        return Ok(clean.to_owned());
    }
    let ext: String = match clean.rsplit_once('.') {
        Some((_, e)) if (1..=8).contains(&e.chars().count()) => format!(".{e}"),
        _ => String::new(),
    };
    let head: String = clean.chars().take(MAX_NAME_CHARS - ext.chars().count()).collect();
    Ok(format!("{head}{ext}"))
}

/// Check a file's size against [`MAX_FILE_BYTES`] (empty files are refused too).
pub fn check_size(field: &str, size: usize) -> Result<(), Invalid> {
    if size == 0 {
        return Err(Invalid::new(field, "The file is empty."));
    }
    if size > MAX_FILE_BYTES {
        return Err(Invalid::new(field, "The file is larger than 10 MB. Attach a smaller file, or split it."));
    }
    Ok(())
}

/// The message for a file whose content is not of an accepted kind.
pub const REFUSED_KIND: &str = "This kind of file is not accepted. Attach a PDF, a JPEG, PNG or WebP picture, an XLSX, DOCX, ODS or ODT document, or CSV or plain text.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_their_path_and_control_characters_and_keep_their_extension_when_cut() {
        assert_eq!(file_name("f", "C:\\Users\\ana\\list.pdf").unwrap(), "list.pdf");
        assert_eq!(file_name("f", "../../etc/passwd").unwrap(), "passwd");
        assert_eq!(file_name("f", " a\u{7}b.txt ").unwrap(), "ab.txt");
        assert!(file_name("f", "  ").is_err());
        assert!(file_name("f", "..").is_err());
        let long = format!("{}.xlsx", "x".repeat(300));
        let cut = file_name("f", &long).unwrap();
        assert_eq!(cut.chars().count(), 200);
        assert!(cut.ends_with(".xlsx"));
    }

    #[test]
    fn sizes_are_checked_at_both_ends() {
        assert!(check_size("f", 0).is_err());
        assert!(check_size("f", 1).is_ok());
        assert!(check_size("f", MAX_FILE_BYTES).is_ok());
        assert!(check_size("f", MAX_FILE_BYTES + 1).is_err());
    }

    #[test]
    fn every_kind_round_trips_through_its_content_type() {
        for k in FileKind::ALL {
            assert_eq!(FileKind::from_content_type(k.content_type()), Some(k));
        }
        assert_eq!(FileKind::from_content_type("text/html"), None);
    }
}
