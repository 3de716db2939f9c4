//! What kind of file a byte string is, decided from its content (magic numbers, the ZIP
//! directory of office documents, UTF-8 for text), never from the name or the type a
//! browser claims. Only plain text is told apart from CSV by its name.
//!
//! Written here rather than taken from a magic-number crate: the usual one (`infer`)
//! recognises Office Open XML only when the ZIP entries come in Microsoft's order, and
//! misses the XLSX files dtz itself writes. Reading the ZIP central directory is short
//! and exact; every read is bounds-checked, so no input can make it panic.

use dtz_domain::files::FileKind;

/// The kind of `bytes`, or `None` when it is not one dtz accepts. `name` only tells CSV
/// from plain text.
pub fn sniff(name: &str, bytes: &[u8]) -> Option<FileKind> {
    if bytes.starts_with(b"%PDF-") {
        return Some(FileKind::Pdf);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(FileKind::Jpeg);
    }
    if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return Some(FileKind::Png);
    }
    if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        return Some(FileKind::Webp);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return office(bytes);
    }
    if is_text(bytes) {
        let csv = name.rsplit_once('.').is_some_and(|(_, ext)| ext.eq_ignore_ascii_case("csv"));
        return Some(if csv { FileKind::Csv } else { FileKind::Text });
    }
    None
}

/// UTF-8 (with or without a byte-order mark) and no control characters but tab, line
/// feed, carriage return and form feed.
fn is_text(bytes: &[u8]) -> bool {
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    std::str::from_utf8(body)
        .is_ok_and(|s| s.chars().all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\u{c}')))
}

const ODS: &[u8] = b"application/vnd.oasis.opendocument.spreadsheet";
const ODT: &[u8] = b"application/vnd.oasis.opendocument.text";

/// An office document: OpenDocument (its first entry is `mimetype`, stored, naming the
/// type) or Office Open XML (`[Content_Types].xml` with the workbook or the document).
/// Documents with macros are refused.
fn office(bytes: &[u8]) -> Option<FileKind> {
    let names = zip_names(bytes)?;
    let has = |n: &str| names.iter().any(|x| x == n);
    if names.iter().any(|n| n.to_ascii_lowercase().ends_with("vbaproject.bin") || n.starts_with("Basic/")) {
        return None;
    }
    if let Some(mime) = first_stored_mimetype(bytes) {
        if !has("content.xml") {
            return None;
        }
        return match mime {
            m if m == ODS => Some(FileKind::Ods),
            m if m == ODT => Some(FileKind::Odt),
            _ => None,
        };
    }
    if !has("[Content_Types].xml") {
        return None;
    }
    match (has("xl/workbook.xml"), has("word/document.xml")) {
        (true, false) => Some(FileKind::Xlsx),
        (false, true) => Some(FileKind::Docx),
        _ => None,
    }
}

fn u16_at(b: &[u8], at: usize) -> Option<usize> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(usize::from(u16::from_le_bytes([s[0], s[1]])))
}

fn u32_at(b: &[u8], at: usize) -> Option<usize> {
    let s = b.get(at..at.checked_add(4)?)?;
    usize::try_from(u32::from_le_bytes([s[0], s[1], s[2], s[3]])).ok()
}

/// The data of the first local entry when it is `mimetype` stored without compression.
fn first_stored_mimetype(b: &[u8]) -> Option<&[u8]> {
    let method = u16_at(b, 8)?;
    let size = u32_at(b, 18)?;
    let name_len = u16_at(b, 26)?;
    let extra_len = u16_at(b, 28)?;
    if method != 0 || b.get(30..30 + name_len)? != b"mimetype" {
        return None;
    }
    let start = 30 + name_len + extra_len;
    b.get(start..start.checked_add(size)?)
}

/// The entry names of a ZIP archive, read from its central directory; `None` when the
/// archive is not well formed.
fn zip_names(b: &[u8]) -> Option<Vec<String>> {
    const EOCD: &[u8] = b"PK\x05\x06";
    const CENTRAL: &[u8] = b"PK\x01\x02";
    // The end record is 22 bytes plus a comment of at most 65,535.
    let from = b.len().saturating_sub(22 + 65_535);
    let eocd = (from..b.len().saturating_sub(21)).rev().find(|&i| b.get(i..i + 4) == Some(EOCD))?;
    let count = u16_at(b, eocd + 10)?;
    let mut at = u32_at(b, eocd + 16)?;
    let mut names = Vec::with_capacity(count.min(1024));
    for _ in 0..count {
        if b.get(at..at + 4)? != CENTRAL {
            return None;
        }
        let name_len = u16_at(b, at + 28)?;
        let extra_len = u16_at(b, at + 30)?;
        let comment_len = u16_at(b, at + 32)?;
        let name = b.get(at + 46..at + 46 + name_len)?;
        names.push(String::from_utf8_lossy(name).into_owned());
        at = at.checked_add(46 + name_len + extra_len + comment_len)?;
    }
    Some(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{Table, TableCell, to_xlsx};

    fn stored_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        // A minimal ZIP with stored (uncompressed) entries and no CRCs checked here.
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, data) in entries {
            let offset = out.len() as u32;
            out.extend_from_slice(b"PK\x03\x04");
            out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(data);
            central.extend_from_slice(b"PK\x01\x02");
            central.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            central.extend_from_slice(&(data.len() as u32).to_le_bytes());
            central.extend_from_slice(&(data.len() as u32).to_le_bytes());
            central.extend_from_slice(&(name.len() as u16).to_le_bytes());
            central.extend_from_slice(&[0; 12]);
            central.extend_from_slice(&offset.to_le_bytes());
            central.extend_from_slice(name.as_bytes());
        }
        let start = out.len() as u32;
        out.extend_from_slice(&central);
        out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        out.extend_from_slice(&(central.len() as u32).to_le_bytes());
        out.extend_from_slice(&start.to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out
    }

    #[test]
    fn pictures_and_pdf_are_known_by_their_magic_numbers() {
        assert_eq!(sniff("a.txt", b"%PDF-1.7\n..."), Some(FileKind::Pdf));
        assert_eq!(sniff("a", &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Some(FileKind::Jpeg));
        assert_eq!(sniff("a", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(FileKind::Png));
        assert_eq!(sniff("a", b"RIFF\x24\0\0\0WEBPVP8 "), Some(FileKind::Webp));
        assert_eq!(sniff("a.png", b"RIFF\x24\0\0\0WAVEfmt "), None, "a WAV file is not an image");
    }

    #[test]
    fn text_is_utf8_without_control_characters_and_csv_by_its_name() {
        assert_eq!(sniff("notes.txt", "Taller en Cochabamba\r\n".as_bytes()), Some(FileKind::Text));
        assert_eq!(sniff("list.CSV", b"\xEF\xBB\xBFname,count\n"), Some(FileKind::Csv));
        assert_eq!(sniff("x.txt", b"MZ\x90\0\x03\0"), None, "a Windows program is not text");
        assert_eq!(sniff("x.txt", b"\xff\xfeh\0i\0"), None, "UTF-16 is not accepted");
        assert_eq!(sniff("x.txt", b"GIF89a\x01\0\x01\0"), None);
    }

    #[test]
    fn office_documents_are_read_from_their_zip_directory() {
        let t = Table { title: "t".into(), header: vec!["a".into()], rows: vec![vec![TableCell::Number(1)]] };
        let xlsx = to_xlsx(&t).unwrap();
        assert_eq!(sniff("book.xlsx", &xlsx), Some(FileKind::Xlsx), "the XLSX dtz itself writes");
        let docx = stored_zip(&[("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w/>")]);
        assert_eq!(sniff("d.docx", &docx), Some(FileKind::Docx));
        let ods = stored_zip(&[("mimetype", ODS), ("content.xml", b"<c/>")]);
        assert_eq!(sniff("s.ods", &ods), Some(FileKind::Ods));
        let odt = stored_zip(&[("mimetype", ODT), ("content.xml", b"<c/>")]);
        assert_eq!(sniff("s.odt", &odt), Some(FileKind::Odt));
        let macros = stored_zip(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("xl/workbook.xml", b"<w/>"),
            ("xl/vbaProject.bin", b"\0"),
        ]);
        assert_eq!(sniff("m.xlsx", &macros), None, "no macros");
        let plain_zip = stored_zip(&[("photo.jpg", b"\xFF\xD8\xFF")]);
        assert_eq!(sniff("a.zip", &plain_zip), None, "a ZIP archive is not a document");
        let mut cut = xlsx.clone();
        cut.truncate(xlsx.len() / 2);
        assert_eq!(sniff("cut.xlsx", &cut), None, "a truncated archive is refused");
    }

    proptest::proptest! {
        #[test]
        fn no_bytes_make_it_panic(mut b in proptest::collection::vec(proptest::num::u8::ANY, 0..400), zip: bool) {
            if zip {
                b.splice(0..0, b"PK\x03\x04".iter().copied());
                b.extend_from_slice(b"PK\x05\x06\0\0\0\0\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\0\0");
            }
            let _ = sniff("x.csv", &b);
        }
    }
}
